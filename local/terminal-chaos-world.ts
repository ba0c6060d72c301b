// What a terminal chaos run needs around it: a fresh registry table on a running DynamoDB
// Local, the sandbox, a key file in a temporary directory and the provider client.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { LocalFileKeyStore } from '../lib/keys/index.js';
import { TerminalRegistry } from '../lib/store/terminal-registry.js';
import { UpayClient } from '../lib/upay/index.js';
import { createTable, localDocumentClient } from './dynamodb.js';
import { startSandbox } from './sandbox/index.js';
import type { TerminalChaosWorld } from './terminal-chaos.js';

export async function startTerminalChaosWorld(dynamoEndpoint: string, seed: number): Promise<TerminalChaosWorld & { close(): Promise<void> }> {
  const table = `terminal-chaos-${randomUUID()}`;
  await createTable(dynamoEndpoint, table);
  const db = localDocumentClient(dynamoEndpoint);
  const sandbox = await startSandbox({ port: 0, seed });
  const dir = mkdtempSync(join(tmpdir(), 'upay-terminal-chaos-'));
  const file = join(dir, 'keys.json');
  // Every write gets its own instant, so a key's stamp names that key alone.
  let tick = 0;
  const keys = new LocalFileKeyStore({ file, now: () => Date.now() + (tick += 1) });
  await keys.setVendor(sandbox.vendor);
  return {
    sandboxUrl: sandbox.url,
    storeId: 'store-1',
    registry: new TerminalRegistry(db, table),
    keys,
    verdictKeys: new LocalFileKeyStore({ file, cacheTtlMs: 0 }),
    upay: new UpayClient({ baseUrl: sandbox.url, timeoutMs: 1_000 }),
    async close() {
      db.destroy();
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
