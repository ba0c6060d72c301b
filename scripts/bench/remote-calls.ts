// Measurement 1: remote calls per operation on the warm path, counted on the wire. The real
// handlers run against DynamoDB Local behind a counting proxy, the Upay sandbox over HTTP
// (its /_sandbox/stats counts provider calls) and the real Secrets Manager adapter over a
// mocked SDK client (every call logged). Each operation is invoked once to warm the
// instance's caches, then `samples` more times; each sample counts what that one request did.
import { createTable, localDocumentClient, localDynamoEnv } from '../../local/dynamodb.js';
import { readReliably } from '../../local/bounded.js';
import { startSandbox } from '../../local/sandbox/index.js';
import { UpayClient } from '../../lib/upay/index.js';
import { TerminalRegistry } from '../../lib/store/terminal-registry.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { startCountingProxy, difference, READ_OPERATIONS, WRITE_OPERATIONS, type CountingProxy } from './dynamo-proxy.js';
import { installSecretsManagerFake, countCalls, type SecretsManagerFake } from './secrets-fake.js';
import { startNotifySink } from './notify-sink.js';
import { loadHandlers, expectStatus, type Handlers } from './handlers.js';
import { lambdaContext } from './events.js';
import { median } from './stats.js';
import {
  BARCODE_PAID_AT_FIRST_QUERY,
  STORE_ID,
  nextClientSn,
  notifyEvent,
  payEvent,
  precreateEvent,
  queryBySnEvent,
  queryEvent,
  refundEvent,
  reversalEvent,
} from './requests.js';

/** Long enough for any pay to send on a busy machine (a pay past it is never sent). */
const REQUEST_LIFETIME_MS = 2_000;
export interface RemoteCallsInput {
  dynamoEndpoint: string;
  samples: number;
  /** Open orders per reconcile invocation; the step's cost is the difference to an empty run, divided by this. */
  reconcileItems: number;
}

/** One request's remote calls (for the reconcile step: per step). */
export interface CallCounts {
  dynamodb_reads: number;
  dynamodb_writes: number;
  dynamodb_read_units: number;
  dynamodb_write_units: number;
  /** Of the write units, those spent on the table's global secondary indexes. */
  dynamodb_index_write_units: number;
  dynamodb_by_operation: Record<string, number>;
  secrets_manager_calls: number;
  secrets_manager_by_operation: Record<string, number>;
  provider_calls: number;
  provider_by_path: Record<string, number>;
}

export interface OperationCalls {
  operation: string;
  scenario: string;
  samples: number;
  /** Medians over the samples. */
  median: CallCounts;
  /** False when the samples did not all agree. */
  deterministic: boolean;
}

export interface RemoteCallsResult {
  operations: OperationCalls[];
  /** The very first pay of a fresh instance (cold caches), for comparison. */
  first_pay: CallCounts;
  /** A reconcile invocation that finds nothing due (its fixed cost per tick). */
  reconcile_idle: CallCounts;
}

interface ProviderStats {
  requests: number;
  by_path: Record<string, number>;
}

interface Probes {
  proxy: CountingProxy;
  secrets: SecretsManagerFake;
  sandboxUrl: string;
}

function providerStats(sandboxUrl: string): Promise<ProviderStats> {
  return readReliably('the sandbox stats', async () => {
    const response = await fetch(`${sandboxUrl}/_sandbox/stats`, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return (await response.json()) as ProviderStats;
  });
}

/** Runs `invoke` and counts every remote call it made. */
async function counted(probes: Probes, invoke: () => Promise<unknown>): Promise<CallCounts> {
  const dynamoBefore = probes.proxy.snapshot();
  const secretsBefore = probes.secrets.calls.length;
  const providerBefore = await providerStats(probes.sandboxUrl);
  await invoke();
  const providerAfter = await providerStats(probes.sandboxUrl);
  const dynamo = difference(probes.proxy.snapshot(), dynamoBefore);
  const secrets = countCalls(probes.secrets.calls, secretsBefore);
  const byPath: Record<string, number> = {};
  for (const [path, count] of Object.entries(providerAfter.by_path)) {
    const delta = count - (providerBefore.by_path[path] ?? 0);
    if (delta > 0) byPath[path] = delta;
  }
  const entries = Object.entries(dynamo);
  return {
    dynamodb_reads: entries.filter(([op]) => READ_OPERATIONS.has(op)).reduce((sum, [, e]) => sum + e.calls, 0),
    dynamodb_writes: entries.filter(([op]) => WRITE_OPERATIONS.has(op)).reduce((sum, [, e]) => sum + e.calls, 0),
    dynamodb_read_units: entries.reduce((sum, [, e]) => sum + e.read_units, 0),
    dynamodb_write_units: entries.reduce((sum, [, e]) => sum + e.write_units, 0),
    dynamodb_index_write_units: entries.filter(([op]) => WRITE_OPERATIONS.has(op)).reduce((sum, [, e]) => sum + e.index_units, 0),
    dynamodb_by_operation: Object.fromEntries(entries.map(([op, e]) => [op, e.calls])),
    secrets_manager_calls: Object.values(secrets).reduce((sum, n) => sum + n, 0),
    secrets_manager_by_operation: secrets,
    provider_calls: providerAfter.requests - providerBefore.requests,
    provider_by_path: byPath,
  };
}

const NUMERIC: (keyof CallCounts)[] = ['dynamodb_reads', 'dynamodb_writes', 'dynamodb_read_units', 'dynamodb_write_units', 'dynamodb_index_write_units', 'secrets_manager_calls', 'provider_calls'];
const MAPS = ['dynamodb_by_operation', 'secrets_manager_by_operation', 'provider_by_path'] as const;

function medianCounts(samples: CallCounts[]): CallCounts {
  const out = {} as Record<string, unknown>;
  for (const field of NUMERIC) out[field] = median(samples.map((s) => s[field] as number));
  for (const field of MAPS) {
    const keys = new Set(samples.flatMap((s) => Object.keys(s[field])));
    out[field] = Object.fromEntries([...keys].sort().map((key) => [key, median(samples.map((s) => s[field][key] ?? 0))]));
  }
  return out as unknown as CallCounts;
}

const agree = (samples: CallCounts[]) => samples.every((s) => JSON.stringify(s) === JSON.stringify(samples[0]));

/** A per-step figure: (with items − idle) / items. */
function perStep(full: CallCounts, idle: CallCounts, items: number): CallCounts {
  const out = {} as Record<string, unknown>;
  for (const field of NUMERIC) out[field] = ((full[field] as number) - (idle[field] as number)) / items;
  for (const field of MAPS) {
    const keys = new Set([...Object.keys(full[field]), ...Object.keys(idle[field])]);
    out[field] = Object.fromEntries([...keys].sort().map((key) => [key, ((full[field][key] ?? 0) - (idle[field][key] ?? 0)) / items]));
  }
  return out as unknown as CallCounts;
}

export async function measureRemoteCalls(input: RemoteCallsInput): Promise<RemoteCallsResult> {
  const tableName = `bench-calls-${Date.now()}`;
  await createTable(input.dynamoEndpoint, tableName);
  const proxy = await startCountingProxy(input.dynamoEndpoint);
  const sink = await startNotifySink();
  const sandbox = await startSandbox({ port: 0, notifyRetryDelaysMs: [] });
  const secrets = installSecretsManagerFake();
  const db = localDocumentClient(input.dynamoEndpoint);
  try {
    // One terminal, activated directly at the sandbox; its key in (fake) Secrets Manager.
    const upay = new UpayClient({ baseUrl: sandbox.url });
    const { vendor } = sandbox;
    const activated = await upay.activate({ sn: vendor.vendor_sn, key: vendor.vendor_key }, { app_id: vendor.app_id, code: sandbox.activationCodes[0] ?? '', device_id: 'bench-till' });
    if (activated.kind !== 'activated') throw new Error(`activation: ${activated.kind}`);
    const terminalSn = activated.terminal_sn;
    const now = new Date().toISOString();
    await new TerminalRegistry(db, tableName).register({ terminal_sn: terminalSn, store_id: STORE_ID, device_id: 'bench-till', status: 'active', activated_at: now, key_stored_at: now });
    secrets.store(`upay/terminals/${terminalSn}`, JSON.stringify({ terminal_sn: terminalSn, terminal_key: activated.terminal_key, device_id: 'bench-till' }));
    secrets.store('upay/vendor', JSON.stringify(vendor));

    Object.assign(process.env, {
      TABLE_NAME: tableName,
      ...localDynamoEnv(proxy.url),
      UPAY_BASE_URL: sandbox.url,
      UPAY_PUBLIC_KEY_PEM: sandbox.publicKeyPem,
      NOTIFY_URL: sink.url,
      // Only so that an in-progress pay answers 202 at once and is due for reconcile soon (a pay
      // past its lifetime is never sent); no path counted here waits on these timings.
      PAY_IN_REQUEST_MS: '1',
      REQUEST_LIFETIME_MS: String(REQUEST_LIFETIME_MS),
      RECONCILE_RESERVE_MS: '0',
    });
    delete process.env.KEY_STORE_FILE;
    const handlers: Handlers = await loadHandlers();
    const probes: Probes = { proxy, secrets, sandboxUrl: sandbox.url };
    const operations: OperationCalls[] = [];
    const record = (operation: string, scenario: string, samples: CallCounts[]) =>
      operations.push({ operation, scenario, samples: samples.length, median: medianCounts(samples), deterministic: agree(samples) });

    const pay = async (barcode?: string) => {
      const clientSn = nextClientSn('p');
      const body = expectStatus(await handlers.pay(payEvent(terminalSn, clientSn, barcode), lambdaContext('pay')), barcode ? [202] : [200], 'pay');
      return { orderId: orderIdFor(clientSn), sn: String(body.sn) };
    };
    const paidOrders = async (count: number) => {
      const orders: { orderId: string; sn: string }[] = [];
      for (let i = 0; i < count; i += 1) orders.push(await pay());
      return orders;
    };
    const repeat = async (count: number, one: (i: number) => Promise<CallCounts>) => {
      const samples: CallCounts[] = [];
      for (let i = 0; i < count; i += 1) samples.push(await one(i));
      return samples;
    };
    const n = input.samples;

    // pay: the first call of the instance (cold caches), then warm ones.
    const firstPay = await counted(probes, () => pay());
    record('pay', 'barcode payment answered PAY_SUCCESS', await repeat(n, () => counted(probes, () => pay())));

    const [final] = await paidOrders(1);
    if (!final) throw new Error('no order');
    await handlers.query(queryEvent(final.orderId), lambdaContext('query'));
    record('query', 'GET /v1/orders/{order_id} of a final (PAID) order', await repeat(n, () => counted(probes, async () => expectStatus(await handlers.query(queryEvent(final.orderId), lambdaContext('query')), [200], 'query'))));
    record('query by sn', 'GET /v1/orders?sn= of a final order', await repeat(n, () => counted(probes, async () => expectStatus(await handlers.query(queryBySnEvent(final.sn), lambdaContext('query')), [200], 'query by sn'))));

    for (const action of ['refund', 'revoke', 'cancel'] as const) {
      const orders = await paidOrders(n + 1);
      const invoke = async (orderId: string) => {
        const event = action === 'refund' ? refundEvent(orderId, 'r1') : reversalEvent(action, orderId);
        return expectStatus(await handlers[action](event, lambdaContext(action)), [200], action);
      };
      await invoke(orders[0]?.orderId ?? '');
      const scenario = action === 'refund' ? 'full refund of a PAID order, REFUND_SUCCESS' : `${action} of a PAID order, CANCEL_SUCCESS`;
      record(action, scenario, await repeat(n, (i) => counted(probes, () => invoke(orders[i + 1]?.orderId ?? ''))));
    }

    // notify: genuine signed callbacks the sandbox sent for PAID orders, replayed to the handler.
    const fresh = new Set((await paidOrders(n + 1)).map((order) => order.orderId));
    const ofFresh = () => sink.received.filter((callback) => fresh.has(orderIdFor(String((JSON.parse(callback.body) as { client_sn?: unknown }).client_sn))));
    await sink.waitFor(() => ofFresh().length >= n + 1);
    const callbacks = ofFresh();
    const notify = async (i: number) => {
      const callback = callbacks[i];
      if (!callback) throw new Error('no callback');
      const answer = await handlers.notify(notifyEvent(callback), lambdaContext('notify'));
      if (answer.statusCode !== 200 || answer.body !== 'success') throw new Error(`notify: HTTP ${answer.statusCode} ${answer.body}`);
    };
    await notify(0);
    record('notify', 'verified callback of a PAID order (re-query, nothing to change)', await repeat(n, (i) => counted(probes, () => notify(i + 1))));

    // reconcile: an invocation with `reconcileItems` due orders, minus one with none, per item.
    const tick = () => handlers.reconcile({}, lambdaContext('reconcile', 20_000));
    const openOrders = async (count: number) => {
      for (let i = 0; i < count; i += 1) await pay(BARCODE_PAID_AT_FIRST_QUERY);
      await new Promise((resolve) => setTimeout(resolve, REQUEST_LIFETIME_MS + 5));
    };
    await openOrders(1);
    await tick();
    const idle: CallCounts[] = [];
    const steps = await repeat(n, async () => {
      idle.push(await counted(probes, tick));
      await openOrders(input.reconcileItems);
      const full = await counted(probes, tick);
      return perStep(full, idle.at(-1) as CallCounts, input.reconcileItems);
    });
    record('reconcile step', 'one due order: query → PAID, settled', steps);

    // precreate last: its orders stay open and would be due for reconcile.
    const precreate = async () => expectStatus(await handlers.precreate(precreateEvent(terminalSn, nextClientSn('q')), lambdaContext('precreate')), [201], 'precreate');
    await precreate();
    record('precreate', 'QR order created (qr_code + SVG)', await repeat(n, () => counted(probes, precreate)));

    return { operations, first_pay: firstPay, reconcile_idle: medianCounts(idle) };
  } finally {
    db.destroy();
    secrets.restore();
    await sandbox.close();
    await sink.close();
    await proxy.close();
  }
}
