// The whole product on one machine: DynamoDB Local, the Upay sandbox, the local key store,
// the local API Gateway in front of the very same handlers, the step timer's in-process
// stand-in feeding the timer worker, and the sweep on an interval. Used by
// `npm start` and by the end-to-end tests; everything listens on loopback only.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import { LocalFileKeyStore } from '../lib/keys/index.js';
import { createTable, freePort, localDynamoEnv, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.js';
import { startSandbox, type Sandbox, type SandboxOptions } from './sandbox/index.js';
import { startApiServer, type AnsweredRequest, type ApiServer } from './api-server.js';
import { HTTP_HANDLERS, SCHEDULED_HANDLERS, TIMER_HANDLER } from './handlers.js';
import { openApiDocument } from '../lib/api/openapi.js';
import { localIssuer, type LocalIssuer } from './tokens.js';
import { appContext } from '../lib/api/context.js';
import { sweep as sweepDue } from '../lib/payments/sweep.js';
import { localStepTimer, type TimerItem } from '../lib/timer/index.js';
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
  /** How often the sweep runs; 0 turns its loop off (tests run it themselves). */
  sweepEveryMs?: number;
  /**
   * `running` (default): the step timer wakes every step at its time, as in AWS. `driven`: it
   * wakes steps only inside `runDue`, so a test sees no change it did not ask for.
   */
  timer?: 'running' | 'driven';
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
  /**
   * Wakes every step that is due now (a sweep with no grace: a duplicate wake-up is harmless),
   * lets the timer run for `forMs`, and waits for the steps under way: one pass of work.
   */
  runDue(forMs?: number): Promise<void>;
  /** Runs the scheduled sweep handler once, as its schedule does. */
  sweep(): Promise<void>;
  /** Wake-ups the stand-in gave up after their last redelivery (SQS's dead-letter queue). */
  timerDeadLetters(): readonly TimerItem[];
  /** The store-day totals consumer; absent when turned off. */
  totals?: StreamReader;
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
      ...(totals ? { DAILY_TOTALS: 'kept' } : {}),
      ...options.env,
    });
    if (!totals) delete process.env.DAILY_TOTALS;
    for (const [name, value] of Object.entries(options.env ?? {})) if (value === '') delete process.env[name];

    const sweepHandler = SCHEDULED_HANDLERS.sweep;
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

    const worker = async (bodies: { id: string; body: string }[]) => {
      const event = { Records: bodies.map(({ id, body }) => ({ messageId: id, body })) } as SQSEvent;
      const { batchItemFailures } = await TIMER_HANDLER(event, scheduledContext('timer', 40_000));
      return { failed: batchItemFailures.map((failure) => failure.itemIdentifier) };
    };
    const driven = options.timer === 'driven';
    if (!driven) localStepTimer.attach(worker);
    cleanups.push(async () => {
      localStepTimer.attach(undefined);
      await localStepTimer.stop();
    });
    let sweeping: Promise<unknown> = Promise.resolve();
    const sweep = () => {
      sweeping = sweeping.then(() => sweepHandler({}, scheduledContext('sweep', 60_000))).catch(() => undefined);
      return sweeping.then(() => undefined);
    };
    if (options.sweepEveryMs) {
      const timer = setInterval(() => void sweep(), options.sweepEveryMs);
      cleanups.push(async () => {
        clearInterval(timer);
        await sweeping;
      });
    }
    const runDue = async (forMs = 500) => {
      const { paymentDeps } = appContext();
      if (driven) localStepTimer.attach(worker);
      try {
        await sweepDue(paymentDeps, { graceMs: 0, limitPerShard: 100 }).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, forMs));
        await localStepTimer.drained();
      } finally {
        if (driven) localStepTimer.attach(undefined);
      }
    };
    const checkInFleet = async () => {
      let report = (await fleetHandler({}, scheduledContext('checkin-fleet', 900_000))) as { cursor?: string };
      while (report.cursor !== undefined) report = (await fleetHandler({ cursor: report.cursor }, scheduledContext('checkin-fleet', 900_000))) as { cursor?: string };
      return report;
    };

    return { apiUrl: server.url, sandbox, storeId, keyFile, issuer, tokens, ...(events ? { events } : {}), ...(totals ? { totals } : {}), runDue, sweep, timerDeadLetters: () => localStepTimer.deadLetters, checkInFleet, close };
  } catch (error) {
    await close();
    throw error;
  }
}
