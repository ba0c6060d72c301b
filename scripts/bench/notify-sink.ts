// Where the sandbox posts its callbacks during the bench: answers `success` at once (so the
// provider stops retrying) and keeps what it got, so a measurement can replay a genuine,
// RSA-signed callback into the notify handler.
import { createServer } from 'node:http';
import { once } from 'node:events';

export interface Callback {
  body: string;
  authorization: string;
}

export interface NotifySink {
  url: string;
  received: Callback[];
  /** Resolves once `done()` holds (bounded wait). */
  waitFor(done: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startNotifySink(): Promise<NotifySink> {
  const received: Callback[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), authorization: String(request.headers.authorization ?? '') });
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.end('success');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the notify sink has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}/notify`,
    received,
    async waitFor(done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`the expected callbacks did not arrive within ${timeoutMs} ms (${received.length} received)`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
