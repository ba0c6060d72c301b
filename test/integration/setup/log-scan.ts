// Runs in every integration test file: captures everything the file's code writes (console
// and raw stdout/stderr, which the Powertools logger uses) and, after the file, fails it if
// any terminal or vendor key that a local key store held during the run appears anywhere.
import { afterAll } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const started = Date.now();
const captured: string[] = [];
const text = (chunk: unknown) => (typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));

for (const stream of [process.stdout, process.stderr]) {
  const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    captured.push(text(chunk));
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
  const original = console[method].bind(console);
  console[method] = (...args: unknown[]) => {
    captured.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg) ?? String(arg))).join(' '));
    original(...args);
  };
}

/** Every key in the local key-store files (`keys.json`) written under the temp dir during this run. */
function keysWrittenSince(since: number): string[] {
  const keys: string[] = [];
  for (const entry of readdirSync(tmpdir())) {
    const file = join(tmpdir(), entry, 'keys.json');
    try {
      if (statSync(file).mtimeMs < since) continue;
      const found = JSON.stringify(JSON.parse(readFileSync(file, 'utf8'))).match(/"(?:terminal_key|vendor_key)":"([^"]+)"/g) ?? [];
      for (const pair of found) keys.push(pair.slice(pair.indexOf(':') + 2, -1));
    } catch {
      // not a key store directory
    }
  }
  return keys;
}

afterAll(() => {
  const output = captured.join('\n');
  const leaked = keysWrittenSince(started).filter((key) => key.length >= 16 && output.includes(key));
  if (leaked.length > 0) throw new Error(`${leaked.length} terminal or vendor key(s) appeared in this file's log output`);
});
