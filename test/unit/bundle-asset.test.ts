// The asset `cdk deploy` ships (infra/esbuild-build.ts buildFunction, the asset's local
// bundling) runs on its own: built into a directory with no node_modules beside or above it,
// the handler module loads and every chunk it imports on demand is in the directory and loads.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRY_FILE, buildFunction } from '../../infra/esbuild-build.js';

const root = mkdtempSync(join(tmpdir(), 'upay-asset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The chunks each code file of `dir` imports on demand. */
function onDemandChunks(dir: string): string[] {
  const code = readdirSync(dir).filter((file) => file.endsWith('.mjs'));
  return [...new Set(code.flatMap((file) => [...readFileSync(join(dir, file), 'utf8').matchAll(/import\("\.\/([^"]+)"\)/g)].map((match) => match[1] ?? '')))];
}

describe.each(['precreate', 'checkin-fleet'] as const)('the %s asset, as deployed', (name) => {
  it('holds the handler module Lambda imports (index.handler) and every chunk it can import, each loading without node_modules', async () => {
    const dir = join(root, name);
    buildFunction(name, dir);
    expect(existsSync(join(root, 'node_modules'))).toBe(false);
    const handler = (await import(pathToFileURL(join(dir, ENTRY_FILE)).href)) as { handler?: unknown };
    expect(typeof handler.handler).toBe('function');
    const chunks = onDemandChunks(dir);
    expect(chunks.length).toBeGreaterThan(0);
    const loaded = await Promise.all(chunks.map(async (chunk) => Object.keys((await import(pathToFileURL(join(dir, chunk)).href)) as object)));
    const exported = loaded.flat();
    // The fleet's Lambda client, and precreate's QR library (a CommonJS package, run inside an ES module chunk).
    if (name === 'checkin-fleet') expect(exported).toEqual(expect.arrayContaining(['LambdaClient', 'InvokeCommand']));
    else {
      const qr = chunks.map((chunk) => join(dir, chunk)).find((file) => readFileSync(file, 'utf8').includes('toDataURL'));
      const { default: QRCode } = (await import(pathToFileURL(qr ?? '').href)) as { default: { toDataURL(text: string): Promise<string> } };
      expect(await QRCode.toDataURL('https://qr.example/1')).toMatch(/^data:image\/png;base64,/);
    }
  });
});
