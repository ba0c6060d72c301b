// Every child process the bench starts goes through here, so that each one is killed at the
// end, whatever happened: the workers (one fresh Node process per measurement, because the
// handlers build their adapters once per process) and the spawned `node` of the cold starts.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const running = new Set<ChildProcess>();
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

function track(child: ChildProcess): ChildProcess {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/** Kills every child still running (SIGKILL after a grace period) and waits for each. */
export async function killAll(graceMs = 2_000): Promise<void> {
  await Promise.all(
    [...running].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }),
  );
}

type WorkerMessage = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * Runs one measurement job in a fresh Node process (scripts/bench/worker.ts) and returns what
 * it reports over IPC. `env` is added to this process's environment and `nodeFlags` to the
 * child's node options; the child's stdout is dropped (EMF metrics lines land there), its
 * stderr is ours.
 */
export async function runWorker<T>(job: string, input: unknown, options: { timeoutMs: number; env?: Record<string, string | undefined>; nodeFlags?: string[] }): Promise<T> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  const child = track(fork(WORKER, [job], { execArgv: [...(options.nodeFlags ?? []), '--import', 'tsx'], env, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  let answered = false;
  try {
    const answer = new Promise<WorkerMessage>((resolve, reject) => {
      child.once('message', (message) => {
        answered = true;
        resolve(message as WorkerMessage);
      });
      child.once('exit', (code, signal) => reject(new Error(`worker ${job} exited (${signal ?? code}) without an answer`)));
      child.once('error', reject);
    });
    child.send({ input });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`worker ${job} took longer than ${options.timeoutMs} ms`)), options.timeoutMs);
    });
    try {
      const message = await Promise.race([answer, timeout]);
      if (!message.ok) throw new Error(`worker ${job} failed: ${message.error}`);
      return message.result as T;
    } finally {
      clearTimeout(timer);
    }
  } finally {
    // A worker that answered exits by itself; one that did not (timeout, failure) is killed.
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), answered ? 5_000 : 0);
      await exited;
      clearTimeout(timer);
    }
  }
}

/** Runs `node` with `args` and returns its stdout; killed if it outlives `timeoutMs`. */
export async function runNode(args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<string> {
  const child = track(spawn(process.execPath, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  if (code !== 0) throw new Error(`node ${args.slice(0, 3).join(' ')} … exited (${signal ?? code}): ${Buffer.concat(err).toString('utf8').slice(0, 500)}`);
  return Buffer.concat(out).toString('utf8');
}
