// The whole product on one machine: DynamoDB Local, the Upay sandbox, the local key store,
// the local API Gateway in front of the very same handlers, and the scheduler loop. Used by
// `npm start` and by the end-to-end tests; everything listens on loopback only.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { LocalFileKeyStore } from '../lib/keys/index.js';
import { createTable, freePort, localDynamoEnv, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.js';
import { startSandbox, type Sandbox, type SandboxOptions } from './sandbox/index.js';
import { startApiServer, type AnsweredRequest, type ApiServer } from './api-server.js';
import { HTTP_HANDLERS, SCHEDULED_HANDLERS } from './handlers.js';
import { openApiDocument } from '../lib/api/openapi.js';
import { localIssuer, type LocalIssuer } from './tokens.js';
import { appContext } from '../lib/api/context.js';
import { stepBudgetMs } from '../lib/payments/claim.js';
import { startEventWriter, type LocalEventWriter } from './events.js';
import { startTotalsWriter } from './totals.js';
import type { StreamReader } from './stream-reader.js';

export interface LocalStackOptions {
  /** Where the key file and JWT key live (default `.local`). */
  dir?: string;
  /** An already running DynamoDB (tests share one); otherwise one is started. */
  dynamoEndpoint?: string;
  tableName?: string;
  apiPort?: number;
  sandbox?: SandboxOptions;
  /** Extra environment for the handlers, e.g. shorter provider timings in tests; an empty value leaves the variable unset. */
  env?: Record<string, string>;
  /** How often the scheduler loop runs reconcile; 0 turns the loop off (tests drive it). */
  reconcileEveryMs?: number;
  storeId?: string;
  /** Told of every request the local API Gateway answered (`npm start` prints one line each). */
  onAnswer?: (answered: AnsweredRequest) => void;
  /** Write order events to `<dir>/events.jsonl` (default on). */
  orderEvents?: boolean;
  /** Keep the store-day totals from the stream (default on); without, reports are computed from the orders. */
  totals?: boolean;
}

export interface LocalStack {
  apiUrl: string;
  sandbox: Sandbox;
  storeId: string;
  /** The local key store's file (mode 0600). */
  keyFile: string;
  issuer: LocalIssuer;
  tokens: { admin: string; cashier: string; ops: string };
  /** The order events, as JSON lines; absent when turned off. */
  events?: LocalEventWriter;
  /** The store-day totals consumer; absent when turned off. */
  totals?: StreamReader;
  /** Runs the scheduled reconcile handler once, for about `forMs`. */
  reconcile(forMs?: number): Promise<void>;
  /** Runs the scheduled fleet check-in handler until the fleet is done. */
  checkInFleet(): Promise<unknown>;
  close(): Promise<void>;
}

function scheduledContext(name: string, budgetMs: number): Context {
  const deadline = Date.now() + budgetMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: `${name}-${Date.now()}`,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const dir = options.dir ?? '.local';
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cleanups: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    let endpoint = options.dynamoEndpoint;
    if (!endpoint) {
      const db: DynamoDbLocal = await startDynamoDbLocal();
      cleanups.push(() => db.stop());
      endpoint = db.endpoint;
    }
    const tableName = options.tableName ?? 'upay-ledger';
    await createTable(endpoint, tableName);
    let events: LocalEventWriter | undefined;
    if (options.orderEvents ?? true) {
      const writer = await startEventWriter({ endpoint, tableName, file: join(dir, 'events.jsonl') });
      cleanups.push(() => writer.close());
      events = writer;
    }
    let totals: StreamReader | undefined;
    if (options.totals ?? true) {
      const reader = await startTotalsWriter({ endpoint, tableName, timeZone: options.env?.BUSINESS_TIME_ZONE || process.env.BUSINESS_TIME_ZONE || 'Asia/Shanghai' });
      cleanups.push(() => reader.close());
      totals = reader;
    }

    // The sandbox's activation codes belong to the store the local tokens are for.
    const storeId = options.storeId ?? 'demo-store';
    const sandbox = await startSandbox({ storeId, ...options.sandbox });
    cleanups.push(() => sandbox.close());

    // The sandbox keeps no state across restarts, so neither do the keys it issued.
    const keyFile = join(dir, 'keys.json');
    rmSync(keyFile, { force: true });
    await new LocalFileKeyStore({ file: keyFile }).setVendor(sandbox.vendor);

    const apiPort = options.apiPort ?? (await freePort());
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      ...localDynamoEnv(endpoint),
      UPAY_BASE_URL: sandbox.url,
      UPAY_PUBLIC_KEY_PEM: sandbox.publicKeyPem,
      KEY_STORE_FILE: keyFile,
      NOTIFY_URL: `http://127.0.0.1:${apiPort}/v1/upay/notify`,
      FLEET_CONTINUATION: 'return',
      RECONCILE_RESERVE_MS: '0',
      ...(totals ? { DAILY_TOTALS: 'kept' } : {}),
      ...options.env,
    });
    if (!totals) delete process.env.DAILY_TOTALS;
    for (const [name, value] of Object.entries(options.env ?? {})) if (value === '') delete process.env[name];

    const reconcileHandler = SCHEDULED_HANDLERS.reconcile;
    const fleetHandler = SCHEDULED_HANDLERS['checkin-fleet'];

    const issuer = await localIssuer(join(dir, 'jwt-key.json'));
    const server: ApiServer = await startApiServer({
      port: apiPort,
      issuer,
      handlers: HTTP_HANDLERS,
      extras: { 'GET /openapi.json': () => ({ status: 200, type: 'application/json', body: JSON.stringify(openApiDocument()) }) },
      ...(options.onAnswer ? { onAnswer: options.onAnswer } : {}),
    });
    cleanups.push(() => server.close());

    const tokens = {
      admin: await issuer.sign({ store_id: storeId, role: 'admin' }),
      cashier: await issuer.sign({ store_id: storeId, role: 'cashier' }),
      ops: await issuer.sign({ store_id: storeId, role: 'ops' }),
    };

    let running: Promise<unknown> = Promise.resolve();
    // A run takes an item only while a whole step still fits: `forMs` is the time it looks for work.
    const reconcile = (forMs = 500) => {
      const budgetMs = forMs + stepBudgetMs(appContext().paymentDeps.timing);
      running = running.then(() => reconcileHandler({}, scheduledContext('reconcile', budgetMs))).catch(() => undefined);
      return running.then(() => undefined);
    };
    if (options.reconcileEveryMs) {
      const timer = setInterval(() => void reconcile(), options.reconcileEveryMs);
      cleanups.push(async () => {
        clearInterval(timer);
        await running;
      });
    }
    const checkInFleet = async () => {
      let report = (await fleetHandler({}, scheduledContext('checkin-fleet', 900_000))) as { cursor?: string };
      while (report.cursor !== undefined) report = (await fleetHandler({ cursor: report.cursor }, scheduledContext('checkin-fleet', 900_000))) as { cursor?: string };
      return report;
    };

    return { apiUrl: server.url, sandbox, storeId, keyFile, issuer, tokens, ...(events ? { events } : {}), ...(totals ? { totals } : {}), reconcile, checkInFleet, close };
  } catch (error) {
    await close();
    throw error;
  }
}
