// Measurement 7: the partition model. The real handlers run against DynamoDB Local behind the
// counting proxy, which asks for ConsumedCapacity per index, and the Upay sandbox over HTTP.
// Each operation of the mix is run through its whole life — an in-progress pay or a QR order
// until the step that settles it, by whatever path settles it (in the request, or the timer's
// steps) — and its read and write units are summed per key: the table and each index. With
// the spreads declared in lib/store/schema.ts, partition-model.ts turns them into the
// payments per second before one partition key value saturates, and the Lambda concurrency.
import { Ledger } from '../../lib/store/ledger.js';
import { INDEX, INDEXES, KEY, type Spread } from '../../lib/store/schema.js';
import { loadConfig } from '../../lib/api/config.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { startBenchStack } from './bench-stack.js';
import { expectStatus, wakeUp } from './handlers.js';
import { lambdaContext } from './events.js';
import { providerStats } from './remote-calls.js';
import { nextClientSn, payEvent, precreateEvent, refundEvent } from './requests.js';
import { concurrency, partitionModel, type Assumptions, type Concurrency, type KeyUnits, type Lifecycle, type MixEntry, type PartitionModel } from './partition-model.js';

export interface PartitionsInput {
  dynamoEndpoint: string;
  /** The payments per second the budgets are judged at. */
  targetPaymentsPerSecond: number;
}

export interface PartitionsResult {
  mix: { name: string; share: number; scenario: string; lifecycle: Lifecycle }[];
  assumptions: Assumptions & { in_progress: string; pay_in_request_ms: number; reconcile_tick: string };
  spreads: Record<string, Spread>;
  model: PartitionModel;
  /** The same units with the spreads of main at aaf0ad9 (due and fleet one constant key each). */
  baseline: PartitionModel;
  concurrency: Concurrency;
}

/** Barcode / client_sn suffix 9102: the provider answers in progress and shows PAID at the second query. */
const IN_PROGRESS_SUFFIX = '9102';
const TABLE = 'table';

/**
 * The baseline: main aaf0ad9's keys (one constant key for all open work and for the fleet) with
 * the units measured now. aaf0ad9's due index projected every attribute, so its own units were
 * higher (3.4 write units per payment there, measured on that commit: 294 payments/s).
 */
const BASELINE_SPREADS: Record<string, Spread> = { [INDEX.due.name]: { kind: 'constant' }, [INDEX.fleet.name]: { kind: 'constant' } };

export const MIX = [
  { name: 'pay', share: 0.7, scenario: 'barcode pay answered PAY_SUCCESS' },
  { name: 'pay in progress', share: 0.1, scenario: 'barcode pay answered PAY_IN_PROGRESS, PAID at the second query; until settled' },
  { name: 'QR precreate', share: 0.15, scenario: 'QR order: one poll before the customer scans, PAID at the next; until settled' },
  { name: 'refund', share: 0.05, scenario: 'full refund of a PAID order, REFUND_SUCCESS' },
] as const;

/** The spread of every key: the table's and each index's, as lib/store/schema.ts declares them. */
export function declaredSpreads(): Record<string, Spread> {
  return { [TABLE]: KEY.spread, ...Object.fromEntries(INDEXES.map((index) => [index.name, index.spread])) };
}

interface Capacity {
  CapacityUnits?: number;
  Table?: { CapacityUnits?: number };
  GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }>;
}

/** Sums units per key from the proxy's observations while a recorder is active. */
class UnitRecorder {
  private units: KeyUnits = {};
  private calls = 0;

  observe = (operation: string, _request: Record<string, unknown>, consumed: unknown): void => {
    const kind = /^(Get|Query|Scan|BatchGet|TransactGet)/.test(operation) ? 'read' : 'write';
    this.calls += 1;
    const list = (Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) as Capacity[];
    for (const entry of list) {
      const indexes = entry.GlobalSecondaryIndexes ?? {};
      const indexTotal = Object.values(indexes).reduce((sum, index) => sum + (index.CapacityUnits ?? 0), 0);
      this.add(TABLE, kind, entry.Table?.CapacityUnits ?? (entry.CapacityUnits ?? 0) - indexTotal);
      for (const [name, index] of Object.entries(indexes)) this.add(name, kind, index.CapacityUnits ?? 0);
    }
  };

  private add(key: string, kind: 'read' | 'write', value: number): void {
    if (value === 0) return;
    (this.units[key] ??= { read: 0, write: 0 })[kind] += value;
  }

  take(): { units: KeyUnits; calls: number } {
    const taken = { units: this.units, calls: this.calls };
    this.units = {};
    this.calls = 0;
    return taken;
  }
}

export async function measurePartitions(input: PartitionsInput): Promise<PartitionsResult> {
  const recorder = new UnitRecorder();
  const stack = await startBenchStack(input.dynamoEndpoint, 'bench-partitions', recorder.observe);
  const { sandbox, terminalSn } = stack;
  try {
    // The deployed timings (the defaults, unless this run's environment sets them), read
    // before the intervals below are shrunk, from the config the handlers load.
    const deployed = loadConfig({ ...process.env, TABLE_NAME: stack.tableName, UPAY_BASE_URL: sandbox.url });
    // The in-request wait stays as deployed (pay's own path decides to poll or answer 202);
    // only the intervals shrink, so the steps run now instead of seconds later. Units and
    // call counts do not depend on them.
    const handlers = await stack.handlers({
      POLL_INTERVAL_MS: '1',
      PRECREATE_FAST_POLL_MS: '1',
      PRECREATE_POLL_MS: '1',
      // A pay answered 202 is due for the background path once its request could no longer
      // send: soon, here (a local pay sends within milliseconds of being recorded).
      REQUEST_LIFETIME_MS: '300',
    });
    const ledger = new Ledger(stack.db, stack.tableName);
    const providerCalls = async () => (await providerStats(sandbox.url)).requests;
    // The background path: the timer worker woken for the order's next step, as SQS would
    // deliver it (the look at the order's due time is not counted: SQS carries it).
    const tick = async (orderId: string) => {
      const dueAt = (await ledger.getOrder(orderId))?.order.work?.due_at;
      if (dueAt !== undefined) await wakeUp(handlers, [{ order_id: orderId, due_at: dueAt }], lambdaContext('timer', 20_000));
    };

    /** Runs one operation and, while its order is open, the timer's wake-ups; counts its life. */
    const life = async (request: () => Promise<string>, ends: string, afterFirstStep?: () => Promise<void>): Promise<Lifecycle> => {
      recorder.take();
      const before = await providerCalls();
      const orderId = await request();
      const inRequest = recorder.take();
      const afterRequest = await providerCalls();
      let ticks = 0;
      while ((await ledger.getOrder(orderId))?.order.work != null) {
        if (ticks++ >= 60) throw new Error(`order ${orderId} still open after 60 passes: ${JSON.stringify((await ledger.getOrder(orderId))?.order)}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
        await tick(orderId);
        if (ticks === 1) await afterFirstStep?.();
      }
      const background = recorder.take();
      const settled = (await ledger.getOrder(orderId))?.order;
      if (settled?.order_status !== ends) throw new Error(`order ${orderId} ended ${settled?.order_status}, not ${ends}: the scenario did not run as meant`);
      const afterTicks = await providerCalls();
      const units = structuredClone(inRequest.units);
      for (const [key, value] of Object.entries(background.units)) {
        const entry = (units[key] ??= { read: 0, write: 0 });
        entry.read += value.read;
        entry.write += value.write;
      }
      return {
        units,
        dynamodb_calls: inRequest.calls + background.calls,
        provider_calls_in_request: afterRequest - before,
        provider_calls_in_background: afterTicks - afterRequest,
      };
    };

    const pay = async (barcode?: string) => {
      const clientSn = nextClientSn('p');
      expectStatus(await handlers.pay(payEvent(terminalSn, clientSn, barcode), lambdaContext('pay')), [200, 202], 'pay');
      return orderIdFor(clientSn);
    };
    const paid = async () => {
      const orderId = await pay();
      recorder.take();
      return orderId;
    };

    // Warm the instance's caches, then count one of each (the counts are deterministic).
    await pay();
    await paid();
    const lifecycles: Record<(typeof MIX)[number]['name'], Lifecycle> = {
      pay: await life(() => pay(), 'PAID'),
      'pay in progress': await life(() => pay(`28000000000000${IN_PROGRESS_SUFFIX}`), 'PAID'),
      'QR precreate': await (async () => {
        const clientSn = nextClientSn('q');
        // The customer scans the code after the first poll; the next poll finds it PAID.
        const scan = async () => {
          const answer = await fetch(`${sandbox.url}/_sandbox/qr/pay`, { method: 'POST', body: JSON.stringify({ client_sn: clientSn }), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000) });
          if (!answer.ok) throw new Error(`scanning the QR: HTTP ${answer.status}`);
        };
        return life(async () => {
          expectStatus(await handlers.precreate(precreateEvent(terminalSn, clientSn), lambdaContext('precreate')), [201], 'precreate');
          return orderIdFor(clientSn);
        }, 'PAID', scan);
      })(),
      refund: await (async () => {
        const orderId = await paid();
        return life(async () => {
          expectStatus(await handlers.refund(refundEvent(orderId, 'r1'), lambdaContext('refund')), [200], 'refund');
          return orderId;
        }, 'REFUNDED');
      })(),
    };

    const mix: MixEntry[] = MIX.map((entry) => ({ name: entry.name, share: entry.share, lifecycle: lifecycles[entry.name] }));
    const assumptions: Assumptions = { busiest_store_share: 0.01, provider_latency_ms: 300, dynamodb_latency_ms: 10, poll_interval_ms: deployed.POLL_INTERVAL_MS };
    const spreads = declaredSpreads();
    return {
      mix: MIX.map((entry) => ({ ...entry, lifecycle: lifecycles[entry.name] })),
      assumptions: {
        ...assumptions,
        in_progress: 'an in-progress pay shows PAID at the provider\'s second query (sandbox scenario 9102); a QR order is scanned after its first poll and PAID at the next',
        pay_in_request_ms: deployed.PAY_IN_REQUEST_MS,
        reconcile_tick: 'the background steps are the timer worker woken for each due step (the sweep, a fixed cost per minute, is not per payment); in-request polls counted with 1 ms intervals',
      },
      spreads,
      model: partitionModel(mix, spreads, assumptions),
      baseline: partitionModel(mix, { ...spreads, ...BASELINE_SPREADS }, assumptions),
      concurrency: concurrency(mix, assumptions, input.targetPaymentsPerSecond),
    };
  } finally {
    await stack.close();
  }
}
