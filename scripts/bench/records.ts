// Measurement: the records routes against a busy store-day. One store gets `orders` orders on
// one day in the merchant's time zone, written through the real ledger while the local totals
// consumer keeps the store-day totals from the table's stream (as functions/totals.ts does in
// AWS); then the real handlers serve a history page of 50 and the daily report behind the
// counting proxy, which reads the calls and read units off DynamoDB Local's own answers.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { createTable, localDocumentClient, localDynamoEnv } from '../../local/dynamodb.js';
import { mapBounded } from '../../local/bounded.js';
import { startTotalsWriter } from '../../local/totals.js';
import { Ledger } from '../../lib/store/ledger.js';
import { RecordsStore } from '../../lib/store/records.js';
import { reportFromOrders } from '../../lib/records/report.js';
import { fingerprint, orderIdFor, type Order } from '../../lib/payments/model.js';
import { startCountingProxy, difference, type DynamoCounts } from './dynamo-proxy.js';
import { expectStatus, type HttpHandler } from './handlers.js';
import { httpEvent, lambdaContext } from './events.js';
import { median } from './stats.js';

export interface RecordsInput {
  dynamoEndpoint: string;
  orders: number;
  samples: number;
}

export interface RouteCost {
  queries: number;
  other_calls: number;
  read_units: number;
  /** Wall time of one answer, median over the samples. */
  median_ms: number;
}

export interface RecordsResult {
  orders: number;
  /** `with_refunds`: orders on the page with refunds (listed without them: GET of the order has them). */
  history_page: RouteCost & { page_size: number; with_refunds: number };
  daily_report: RouteCost;
  /** How long the totals consumer took to catch up with the day's writes after the last one. */
  totals_catch_up_ms: number;
}

const STORE = 'bench-store';
const DAY = '2026-11-25';
// 00:00 on the day in Asia/Shanghai, and a second between orders (5,000 orders fit in a day).
const DAY_START = Date.UTC(2026, 10, 24, 16, 0, 0);
const TERMINALS = ['100000000000000001', '100000000000000002', '100000000000000003'];
const STATUSES = ['PAID', 'PAID', 'PAID', 'PARTIAL_REFUNDED', 'CANCELED', 'PAY_CANCELED'] as const;

function benchOrder(index: number): Order {
  const clientSn = `bench-${index}-${randomUUID().slice(0, 8)}`;
  const status = STATUSES[index % STATUSES.length] ?? 'PAID';
  const total = 1000 + (index % 50) * 10;
  const refunded = status === 'PARTIAL_REFUNDED' ? 300 : 0;
  const paid = status === 'PAID' || status === 'PARTIAL_REFUNDED';
  const at = new Date(DAY_START + index * 1_000).toISOString();
  return {
    order_id: orderIdFor(clientSn),
    kind: 'pay',
    client_sn: clientSn,
    store_id: STORE,
    terminal_sn: TERMINALS[index % TERMINALS.length] ?? '100000000000000001',
    sn: String(7_880_000_000_000_000 + index),
    trade_no: `42000${String(index).padStart(23, '0')}`,
    order_status: status,
    total_amount: total,
    net_amount: paid ? total - refunded : 0,
    refunded_amount: refunded,
    refund_committed: refunded,
    payway: index % 2 ? '2' : '3',
    sub_payway: '1',
    subject: 'Jasmine tea',
    operator: 'ann',
    created_at: at,
    finished_at: at,
    provider: { result_code: '200', biz_result_code: 'PAY_SUCCESS', status: 'SUCCESS', order_status: status },
    request_hash: fingerprint({ clientSn }),
    attempt_id: randomUUID(),
    version: 3,
  };
}

const count = (counts: DynamoCounts) => {
  const queries = counts.Query?.calls ?? 0;
  const all = Object.values(counts).reduce((sum, entry) => sum + entry.calls, 0);
  const units = Object.values(counts).reduce((sum, entry) => sum + entry.read_units, 0);
  return { queries, other_calls: all - queries, read_units: units };
};

export async function measureRecords(input: RecordsInput): Promise<RecordsResult> {
  const tableName = `bench-records-${Date.now()}`;
  await createTable(input.dynamoEndpoint, tableName);
  const totals = await startTotalsWriter({ endpoint: input.dynamoEndpoint, tableName, timeZone: 'Asia/Shanghai' });
  const ledger = new Ledger(localDocumentClient(input.dynamoEndpoint), tableName, 'Asia/Shanghai');
  await mapBounded(
    Array.from({ length: input.orders }, (_, index) => index),
    16,
    async (index) => {
      await ledger.createOrder(benchOrder(index));
    },
  );
  const caughtUp = performance.now();
  await totals.drain();
  const totalsCatchUpMs = Math.round(performance.now() - caughtUp);
  await totals.close();
  const proxy = await startCountingProxy(input.dynamoEndpoint);
  try {
    Object.assign(process.env, {
      TABLE_NAME: tableName,
      ...localDynamoEnv(proxy.url),
      // Never called by these routes; the configuration needs them.
      UPAY_BASE_URL: 'http://127.0.0.1:9',
      KEY_STORE_FILE: join(mkdtempSync(join(tmpdir(), 'upay-bench-records-')), 'keys.json'),
      BUSINESS_TIME_ZONE: 'Asia/Shanghai',
      DAILY_TOTALS: 'kept',
    });
    const query = (await import('../../functions/query.js')).handler as HttpHandler;
    const report = (await import('../../functions/report.js')).handler as HttpHandler;
    const caller = { store_id: STORE, role: 'admin' as const };
    const historyEvent = () => httpEvent({ method: 'GET', route: '/v1/orders', query: { date: DAY, limit: '50' }, caller });
    const reportEvent = () => httpEvent({ method: 'GET', route: '/v1/reports/daily', query: { date: DAY }, caller });

    const measure = async (handler: HttpHandler, event: () => ReturnType<typeof httpEvent>, check: (body: Record<string, unknown>) => void) => {
      check(expectStatus(await handler(event(), lambdaContext('warm-up')), [200], 'warm-up'));
      const samples: { counts: ReturnType<typeof count>; ms: number }[] = [];
      for (let sample = 0; sample < input.samples; sample += 1) {
        const before = proxy.snapshot();
        const started = performance.now();
        check(expectStatus(await handler(event(), lambdaContext('records')), [200], 'records'));
        const ms = performance.now() - started;
        samples.push({ counts: count(difference(proxy.snapshot(), before)), ms });
      }
      return {
        queries: median(samples.map((one) => one.counts.queries)),
        other_calls: median(samples.map((one) => one.counts.other_calls)),
        read_units: median(samples.map((one) => one.counts.read_units)),
        median_ms: Math.round(median(samples.map((one) => one.ms)) * 10) / 10,
      };
    };

    let withRefunds = 0;
    const history = await measure(query, historyEvent, (body) => {
      const orders = (body.orders ?? []) as { refunded_amount: number }[];
      if (orders.length !== 50) throw new Error('the history page does not hold 50 orders');
      withRefunds = orders.filter((order) => order.refunded_amount > 0).length;
    });
    // The totals must say what the orders say (computed here from the store-day index, off the proxy).
    const fromOrders = await reportFromOrders(new RecordsStore(localDocumentClient(input.dynamoEndpoint), tableName), { store_id: STORE, date: DAY, time_zone: 'Asia/Shanghai' });
    const daily = await measure(report, reportEvent, (body) => {
      if (body.orders !== input.orders) throw new Error(`the report counts ${String(body.orders)} orders, not ${input.orders}`);
      if (!isDeepStrictEqual(body, fromOrders)) throw new Error(`the report differs from the figures of the orders: ${JSON.stringify(body)} vs ${JSON.stringify(fromOrders)}`);
    });
    return { orders: input.orders, history_page: { ...history, page_size: 50, with_refunds: withRefunds }, daily_report: daily, totals_catch_up_ms: totalsCatchUpMs };
  } finally {
    await proxy.close();
  }
}
