// The sandbox on a thread of its own, for measurements that load the provider hard (the
// fleet): the provider is a remote service, so its stand-in must not take turns on the event
// loop of the code being measured. A worker thread rather than a process: it ends with the
// worker process whatever happens to it, so nothing is left behind.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { once } from 'node:events';
import { startSandbox, type SandboxOptions, type VendorCredentials } from '../../local/sandbox/index.js';

export interface SandboxThread {
  url: string;
  vendor: VendorCredentials;
  close(): Promise<void>;
}

type Started = { url: string; vendor: VendorCredentials };

export async function startSandboxThread(options: SandboxOptions): Promise<SandboxThread> {
  // The thread runs this module too; a worker thread does not inherit tsx's loader, so it registers its own.
  const thread = new Worker(
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); }).then((module) => module.serveOnThisThread())`,
    { eval: true, workerData: options },
  );
  // Watched from the start: the thread can end before close() is called (a crash mid-run).
  let failure: Error | undefined;
  thread.on('error', (error) => {
    failure ??= error;
  });
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  const [started] = (await Promise.race([once(thread, 'message'), exited.then(() => Promise.reject(failure ?? new Error('the sandbox thread ended before it started')))])) as [Started];
  return {
    ...started,
    /** Ends the thread; rejects with its error if it failed while serving (the run's answers are then void). */
    async close() {
      thread.postMessage('close');
      await exited;
      if (failure) throw failure;
    },
  };
}

/**
 * The thread's side, called by the thread startSandboxThread creates (never on import: any other
 * worker thread importing this module, e.g. a test runner's, keeps its parentPort to itself).
 */
export async function serveOnThisThread(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('the sandbox thread has no parent port');
  const sandbox = await startSandbox(workerData as SandboxOptions);
  port.once('message', () => void sandbox.close().then(() => port.close()));
  port.postMessage({ url: sandbox.url, vendor: sandbox.vendor } satisfies Started);
}
