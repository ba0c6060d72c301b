// The local stack's DynamoDB Local listens on every interface (its jar has no option to bind
// loopback only). What it holds must still be unreadable to anyone but this run: each run uses
// a random access key, and DynamoDB Local keeps one database per access key and region, so a
// client with any other credentials — the fixed ones the local stack used to use included —
// finds neither the ledger table nor its items.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { DynamoDBClient, ListTablesCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { LocalStack } from '../../local/stack.js';
import { LOCAL_AWS } from '../../local/dynamodb.js';
import { activate, barcode, call, startTestStack } from './helpers/local-stack.js';

const FIXED = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

let stack: LocalStack;
let tableName: string;

/** Every table and every item `credentials` can read at `endpoint`. */
async function readable(endpoint: string, credentials: typeof FIXED.credentials): Promise<{ tables: string[]; ledgerItems: number | 'no such table' }> {
  const client = new DynamoDBClient({ region: LOCAL_AWS.region, credentials, endpoint, maxAttempts: 1 });
  try {
    const tables = (await client.send(new ListTablesCommand({}))).TableNames ?? [];
    const ledgerItems = await client.send(new ScanCommand({ TableName: tableName })).then(
      (page) => page.Count ?? 0,
      (error: Error) => {
        if (error.name !== 'ResourceNotFoundException') throw error;
        return 'no such table' as const;
      },
    );
    return { tables, ledgerItems };
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  tableName = `ledger-${randomUUID()}`;
  stack = await startTestStack({ tableName });
  const till = await activate(stack);
  const paid = await call(stack, 'POST', '/v1/payments', {
    token: stack.tokens.cashier,
    body: { terminal_sn: till, client_sn: `dyn-${Date.now()}`, total_amount: 100, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
  });
  if (paid.status !== 200) throw new Error(`payment failed: ${paid.status}`);
});

afterAll(() => stack?.close());

describe("the local stack's DynamoDB Local", () => {
  it("shows this run's ledger to a client with this run's key (the control)", async () => {
    const seen = await readable(inject('dynamoEndpoint'), LOCAL_AWS.credentials);
    expect(seen.tables).toContain(tableName);
    expect(seen.ledgerItems).toEqual(expect.any(Number));
    expect(seen.ledgerItems).toBeGreaterThan(0);
  });

  it('uses an access key drawn for this run, not a fixed one', () => {
    expect(LOCAL_AWS.credentials.accessKeyId).toMatch(/^[A-Za-z0-9]{32,}$/);
  });

  it('shows a client with the fixed credentials the local stack used to use neither the ledger table nor its items', async () => {
    expect(await readable(inject('dynamoEndpoint'), FIXED.credentials)).toEqual({ tables: [], ledgerItems: 'no such table' });
  });

  it("shows a client with another random key nothing either", async () => {
    expect(await readable(inject('dynamoEndpoint'), { accessKeyId: `other${randomUUID().replaceAll('-', '')}`, secretAccessKey: 'x' })).toEqual({ tables: [], ledgerItems: 'no such table' });
  });

  it("shows a client coming in through this machine's other addresses, with the fixed credentials, nothing", async () => {
    const port = new URL(inject('dynamoEndpoint')).port;
    const addresses = Object.values(networkInterfaces())
      .flat()
      .filter((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)
      .map((entry) => entry!.address);
    for (const address of addresses) expect(await readable(`http://${address}:${port}`, FIXED.credentials), address).toEqual({ tables: [], ledgerItems: 'no such table' });
  });
});
