// Records, the worklist and the fleet end to end (issue 12, architecture §6.1): HTTP against
// the local stack (same handlers, DynamoDB Local, the sandbox over real HTTP). Orders that
// need a clock the stack does not have (a day's edges in the merchant's time zone, a past
// day's report) are written through the real ledger with their creation time, then read
// over HTTP.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { LocalStack } from '../../local/stack.js';
import { localDocumentClient } from '../../local/dynamodb.js';
import { Ledger } from '../../lib/store/ledger.js';
import { RecordsStore } from '../../lib/store/records.js';
import { TotalsStore } from '../../lib/store/totals.js';
import { reportFromOrders } from '../../lib/records/report.js';
import { reportOf } from '../../lib/totals/tally.js';
import { fingerprint, orderIdFor, type Order } from '../../lib/payments/model.js';
import type { Role } from '../../lib/api/auth.js';
import { activate, barcode, call, startTestStack, type OrderBody } from './helpers/local-stack.js';

let stack: LocalStack;
let terminal: string;
let ledger: Ledger;
let records: RecordsStore;
let totals: TotalsStore;
let counter = 0;
const tableName = `ledger-${randomUUID()}`;
const clientSn = (label: string) => `${label}-${Date.now()}-${(counter += 1)}`;
const OTHER_STORE = 'other-store';
const tokens: Record<string, string> = {};
const token = async (role: Role, store: string) => (tokens[`${role}@${store}`] ??= await stack.issuer.sign({ store_id: store, role }));

beforeAll(async () => {
  stack = await startTestStack({ tableName, totals: true });
  terminal = await activate(stack);
  const db = localDocumentClient(inject('dynamoEndpoint'));
  ledger = new Ledger(db, tableName, 'Asia/Shanghai');
  records = new RecordsStore(db, tableName);
  totals = new TotalsStore(db, tableName);
});
/** Until the totals consumer has added every change written so far. */
const totalsCaughtUp = () => stack.totals?.drain();
afterAll(() => stack?.close());

interface Page {
  orders: OrderBody[];
  next_cursor: string | null;
  error?: { code: string; field?: string };
}
interface WorkItem {
  order_id: string;
  refund_request_no: string | null;
  reason: string;
  since: string;
  order: OrderBody & { resolutions?: { source: string; outcome: string; note: string; by: string; role: string; provider?: Record<string, string> }[] };
}
interface Worklist {
  items: WorkItem[];
  next_cursor: string | null;
}

const pay = (body: Record<string, unknown>) =>
  call<OrderBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body: { terminal_sn: terminal, total_amount: 1000, subject: 'tea', operator: 'ann', dynamic_id: barcode(), ...body } });

/** An order written through the ledger as the flows write it, created at `createdAt`. */
async function seed(storeId: string, createdAt: string, fields: Partial<Order> = {}): Promise<Order> {
  const sn = clientSn('seed');
  const order: Order = {
    order_id: orderIdFor(sn),
    kind: 'pay',
    client_sn: sn,
    store_id: storeId,
    terminal_sn: terminal,
    order_status: 'PAID',
    total_amount: 1000,
    net_amount: 1000,
    refunded_amount: 0,
    refund_committed: 0,
    payway: '2',
    subject: 'tea',
    operator: 'ann',
    created_at: createdAt,
    finished_at: createdAt,
    request_hash: fingerprint({ sn }),
    attempt_id: randomUUID(),
    version: 1,
    ...fields,
  };
  await ledger.createOrder(order);
  return order;
}

const day = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(ms);

async function allPages(path: string, auth: string, between?: () => Promise<void>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer: { status: number; body: Page } = await call<Page>(stack, 'GET', `${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: auth });
    expect(answer.status).toBe(200);
    ids.push(...answer.body.orders.map((order) => order.order_id));
    cursor = answer.body.next_cursor;
    pages += 1;
    if (between) await between();
  } while (cursor !== null && pages < 50);
  return { ids, pages };
}

async function worklist(auth: string, query = ''): Promise<WorkItem[]> {
  const items: WorkItem[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer: { status: number; body: Worklist } = await call<Worklist>(stack, 'GET', `/v1/attention?limit=2${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: auth });
    expect(answer.status).toBe(200);
    items.push(...answer.body.items);
    cursor = answer.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 50);
  return items;
}

describe('GET /v1/orders?date= (history)', () => {
  it('pages through the day newest first without duplicates or gaps while new orders are being paid', async () => {
    // The first test of the file: the store has no orders yet but these. All of them, and those
    // paid meanwhile, must fall on one day: within 75 s of Shanghai's midnight, wait it out.
    const sinceMidnight = (Date.now() + 8 * 3_600_000) % 86_400_000;
    if (sinceMidnight < 75_000 || sinceMidnight > 86_400_000 - 75_000) await new Promise((resolve) => setTimeout(resolve, (86_400_000 + 75_000 - sinceMidnight) % 86_400_000));
    const now = Date.now();
    const seeded: Order[] = [];
    for (let i = 0; i < 11; i += 1) seeded.push(await seed(stack.storeId, new Date(now - 60_000 + i * 1_000).toISOString()));
    let paidMeanwhile = 0;
    const { ids, pages } = await allPages(`/v1/orders?date=${day(now)}&limit=4`, stack.tokens.cashier, async () => {
      // A new order of the same store and day is paid between pages.
      expect((await pay({ client_sn: clientSn('meanwhile') })).status).toBe(200);
      paidMeanwhile += 1;
    });
    expect(pages).toBe(3);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...seeded].reverse().map((order) => order.order_id));
    // A fresh walk finds the ones paid meanwhile on top.
    expect((await allPages(`/v1/orders?date=${day(Date.now())}&limit=100`, stack.tokens.cashier)).ids).toHaveLength(seeded.length + paidMeanwhile);
  }, 240_000);

  it('lists the orders paid over HTTP without their refunds (GET of the order has them), and a terminal or status filter', async () => {
    const paid = await pay({ client_sn: clientSn('hist') });
    expect(paid.status).toBe(200);
    expect((await call(stack, 'POST', `/v1/orders/${paid.body.order_id}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: 'h1', refund_amount: 100, operator: 'ann' } })).status).toBe(200);
    const today = day(Date.now());
    const page = await call<Page>(stack, 'GET', `/v1/orders?date=${today}&terminal_sn=${terminal}&order_status=PARTIAL_REFUNDED&limit=100`, { token: stack.tokens.cashier });
    expect(page.status).toBe(200);
    const listed = page.body.orders.find((order) => order.order_id === paid.body.order_id);
    expect(listed).toMatchObject({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 100 });
    expect(listed).not.toHaveProperty('refunds');
    expect((await call<OrderBody>(stack, 'GET', `/v1/orders/${paid.body.order_id}`, { token: stack.tokens.cashier })).body.refunds).toMatchObject([{ refund_request_no: 'h1', status: 'REFUND_SUCCESS' }]);
    expect(page.body.orders.every((order) => order.order_status === 'PARTIAL_REFUNDED')).toBe(true);
    // Admins see it too; another store's cashier sees none of it.
    expect((await call<Page>(stack, 'GET', `/v1/orders?date=${today}&limit=100`, { token: stack.tokens.admin })).body.orders.map((o) => o.order_id)).toContain(paid.body.order_id);
    expect((await call<Page>(stack, 'GET', `/v1/orders?date=${today}&limit=100`, { token: await token('cashier', OTHER_STORE) })).body.orders).toEqual([]);
  });

  it("puts an order on the merchant's calendar day across its midnight (Asia/Shanghai, UTC+8)", async () => {
    const store = `midnight-${randomUUID().slice(0, 8)}`;
    const before = await seed(store, '2026-11-30T15:59:59.999Z'); // 23:59:59.999 on 30 Nov in Shanghai
    const after = await seed(store, '2026-11-30T16:00:00.000Z'); // 00:00 on 1 Dec in Shanghai
    const cashier = await token('cashier', store);
    const ids = async (date: string) => (await call<Page>(stack, 'GET', `/v1/orders?date=${date}`, { token: cashier })).body.orders.map((order) => order.order_id);
    expect(await ids('2026-11-30')).toEqual([before.order_id]);
    expect(await ids('2026-12-01')).toEqual([after.order_id]);
    const admin = await token('admin', store);
    await totalsCaughtUp();
    const report = async (date: string) => (await call<{ orders: number }>(stack, 'GET', `/v1/reports/daily?date=${date}`, { token: admin })).body.orders;
    expect(await report('2026-11-30')).toBe(1);
    expect(await report('2026-12-01')).toBe(1);
  });

  it('answers 400 naming the field for a bad date, limit or cursor, and refuses ops', async () => {
    const bad = async (query: string) => (await call<Page>(stack, 'GET', `/v1/orders?${query}`, { token: stack.tokens.cashier })).body.error;
    expect(await bad('date=2026-02-30')).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' });
    expect(await bad('date=yesterday')).toMatchObject({ code: 'VALIDATION_FAILED', field: 'date' });
    expect(await bad('date=2026-12-01&limit=0')).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit' });
    expect(await bad('date=2026-12-01&limit=101')).toMatchObject({ code: 'VALIDATION_FAILED', field: 'limit' });
    expect(await bad('date=2026-12-01&cursor=not-a-cursor')).toMatchObject({ code: 'VALIDATION_FAILED', field: 'cursor' });
    // A real cursor of another day is not a cursor of this query.
    const store = `cursor-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 2; i += 1) await seed(store, '2026-11-29T04:00:00.000Z');
    const page = await call<Page>(stack, 'GET', '/v1/orders?date=2026-11-29&limit=1', { token: await token('cashier', store) });
    expect(page.body.next_cursor).not.toBeNull();
    const reused = await call<Page>(stack, 'GET', `/v1/orders?date=2026-11-28&cursor=${page.body.next_cursor}`, { token: await token('cashier', store) });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toMatchObject({ field: 'cursor' });
    expect((await call(stack, 'GET', '/v1/orders?date=2026-12-01', { token: await token('ops', stack.storeId) })).status).toBe(403);
  });
});

describe('the worklist and resolve', () => {
  it('lists a 9500 order, refuses to resolve it without an outcome (409, nothing changes), books the outcome given and drops it from the list', async () => {
    const answer = await pay({ client_sn: clientSn('err'), dynamic_id: barcode('9500'), total_amount: 9500 });
    const orderId = answer.body.order_id;
    expect(answer.body.attention).not.toBeNull();
    const listed = (await worklist(stack.tokens.admin)).find((item) => item.order_id === orderId);
    expect(listed).toMatchObject({ refund_request_no: null, order: { order_id: orderId, order_status: 'PAY_ERROR' } });
    expect(listed?.reason).toBe(answer.body.attention);
    // ops sees it across stores, and for this store by name.
    const ops = await token('ops', 'headquarters');
    expect((await worklist(ops)).map((item) => item.order_id)).toContain(orderId);
    expect((await worklist(ops, `&store_id=${stack.storeId}`)).map((item) => item.order_id)).toContain(orderId);
    expect((await worklist(ops, `&store_id=${OTHER_STORE}`)).map((item) => item.order_id)).not.toContain(orderId);
    const open = await records.countOpenCases();
    expect(open).toBeGreaterThanOrEqual(1);

    const refused = await call<{ error: { code: string } }>(stack, 'POST', `/v1/orders/${orderId}/resolve`, { token: stack.tokens.admin, body: { note: 'looked, not sure yet' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NOT_RESOLVED');
    // Read from the worklist, which never asks the provider: the case is as it was.
    const unchanged = (await worklist(stack.tokens.admin)).find((item) => item.order_id === orderId);
    expect(unchanged).toEqual(listed);
    expect(unchanged?.order).not.toHaveProperty('resolutions');

    // Another store's admin cannot even see it; a cashier may not resolve.
    expect((await call(stack, 'POST', `/v1/orders/${orderId}/resolve`, { token: await token('admin', OTHER_STORE), body: { note: 'x', outcome: 'PAID' } })).status).toBe(404);
    expect((await call(stack, 'POST', `/v1/orders/${orderId}/resolve`, { token: stack.tokens.cashier, body: { note: 'x', outcome: 'PAID' } })).status).toBe(403);
    // An outcome that is not an order's is refused by name.
    expect((await call<{ error: { field: string } }>(stack, 'POST', `/v1/orders/${orderId}/resolve`, { token: ops, body: { note: 'x', outcome: 'REFUND_FAIL' } })).body.error.field).toBe('outcome');

    const resolved = await call<WorkItem['order']>(stack, 'POST', `/v1/orders/${orderId}/resolve`, { token: ops, body: { note: 'Upay support: no money moved', outcome: 'PAY_CANCELED' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0, attention: null });
    expect(resolved.body.resolutions).toEqual([
      expect.objectContaining({ source: 'manual', outcome: 'PAY_CANCELED', note: 'Upay support: no money moved', role: 'ops', by: 'ops@headquarters', provider: expect.objectContaining({ order_status: 'PAY_ERROR' }) }),
    ]);
    expect((await worklist(stack.tokens.admin)).map((item) => item.order_id)).not.toContain(orderId);
    expect(await records.countOpenCases()).toBe(open - 1);
    // Nothing left to resolve: a second attempt is a conflict and adds nothing.
    expect((await call(stack, 'POST', `/v1/orders/${orderId}/resolve`, { token: ops, body: { note: 'again', outcome: 'PAID' } })).status).toBe(409);
  });

  it('resolves a REFUND_ERROR refund: 409 without an outcome, then booked with amounts kept consistent', async () => {
    const paid = await pay({ client_sn: clientSn('rerr'), dynamic_id: barcode('9601') });
    expect(paid.body.order_status).toBe('PAID');
    const orderId = paid.body.order_id;
    const refunded = await call<OrderBody>(stack, 'POST', `/v1/orders/${orderId}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: 'e1', refund_amount: 400, operator: 'ann' } });
    expect(refunded.body.refunds[0]).toMatchObject({ refund_request_no: 'e1', status: 'REFUND_ERROR' });
    const listed = (await worklist(stack.tokens.admin)).find((item) => item.order_id === orderId);
    expect(listed).toMatchObject({ refund_request_no: 'e1', order: { order_id: orderId } });

    const path = `/v1/orders/${orderId}/resolve`;
    expect((await call<{ error: { code: string } }>(stack, 'POST', path, { token: stack.tokens.admin, body: { note: 'checking', refund_request_no: 'e1' } })).body.error.code).toBe('NOT_RESOLVED');
    expect((await call<{ error: { field: string } }>(stack, 'POST', path, { token: stack.tokens.admin, body: { note: 'x', refund_request_no: 'nope', outcome: 'REFUND_FAIL' } })).body.error.field).toBe('refund_request_no');

    const resolved = await call<WorkItem['order']>(stack, 'POST', path, { token: stack.tokens.admin, body: { note: 'wallet shows the refund', refund_request_no: 'e1', outcome: 'REFUND_SUCCESS' } });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 400, net_amount: 600, refunds: [{ refund_request_no: 'e1', status: 'REFUND_SUCCESS', attention: null }] });
    expect(resolved.body.resolutions).toEqual([expect.objectContaining({ source: 'manual', outcome: 'REFUND_SUCCESS', refund_request_no: 'e1', role: 'admin' })]);
    expect((await worklist(stack.tokens.admin)).map((item) => `${item.order_id}/${item.refund_request_no}`)).not.toContain(`${orderId}/e1`);
    // The rest stays refundable and no more than was paid: 600 left.
    const tooMuch = await call<{ error: { code: string } }>(stack, 'POST', `/v1/orders/${orderId}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: 'e2', refund_amount: 601, operator: 'ann' } });
    expect(tooMuch.body.error.code).toBe('REFUND_EXCEEDS_NET');
  });

  it('releases the amount of a refund case booked REFUND_FAIL', async () => {
    const paid = await pay({ client_sn: clientSn('rfail'), dynamic_id: barcode('9601') });
    const orderId = paid.body.order_id;
    await call(stack, 'POST', `/v1/orders/${orderId}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: 'f1', refund_amount: 1000, operator: 'ann' } });
    const resolved = await call<OrderBody>(stack, 'POST', `/v1/orders/${orderId}/resolve`, { token: await token('ops', 'hq'), body: { note: 'nothing refunded', refund_request_no: 'f1', outcome: 'REFUND_FAIL' } });
    expect(resolved.body).toMatchObject({ order_status: 'PAID', refunded_amount: 0, net_amount: 1000, refunds: [{ status: 'REFUND_FAIL' }] });
    // Nothing stays reserved: the whole amount can be refunded again.
    const again = await call<OrderBody>(stack, 'POST', `/v1/orders/${orderId}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: 'f2', refund_amount: 1000, operator: 'ann' } });
    expect(again.body.refunds.find((refund) => refund.refund_request_no === 'f2')).toMatchObject({ refund_amount: 1000 });
  });

  it('keeps the worklist to the admin’s store and answers 404 for another store’s, 403 for a cashier', async () => {
    expect((await call(stack, 'GET', `/v1/attention?store_id=${OTHER_STORE}`, { token: stack.tokens.admin })).status).toBe(404);
    expect((await call(stack, 'GET', '/v1/attention', { token: stack.tokens.cashier })).status).toBe(403);
    expect((await call<{ error: { field: string } }>(stack, 'GET', '/v1/attention?cursor=zzz', { token: stack.tokens.admin })).body.error.field).toBe('cursor');
    expect(await worklist(await token('admin', OTHER_STORE))).toEqual([]);
  });
});

describe('GET /v1/reports/daily', () => {
  it('totals a store’s day in integer cents from the ledger, and answers CSV one row per order', async () => {
    const store = `report-${randomUUID().slice(0, 8)}`;
    const at = (hhmm: string) => `2026-11-25T${hhmm}:00.000Z`; // 25 Nov in Shanghai (UTC+8)
    await seed(store, at('01:00'), { payway: '2' });
    await seed(store, at('02:00'), { payway: '3', total_amount: 2500, net_amount: 2200, refunded_amount: 300, refund_committed: 300, order_status: 'PARTIAL_REFUNDED' });
    await seed(store, at('03:00'), { order_status: 'CANCELED', total_amount: 800, net_amount: 0 });
    await seed(store, at('04:00'), { order_status: 'CREATED', net_amount: 0, finished_at: undefined });
    await seed(store, at('05:00'), { order_status: 'PAY_ERROR', net_amount: 0, subject: 'tea, "green"', attention: { reason: 'provider order status PAY_ERROR', at: at('05:00') } });
    const admin = await token('admin', store);
    await totalsCaughtUp();
    const report = await call(stack, 'GET', '/v1/reports/daily?date=2026-11-25', { token: admin });
    expect(report.status).toBe(200);
    expect(report.body).toEqual({
      date: '2026-11-25',
      store_id: store,
      time_zone: 'Asia/Shanghai',
      orders: 5,
      paid: { count: 2, amount: 3500 },
      refunded: { count: 1, amount: 300 },
      reversed: { count: 1, amount: 800 },
      net_amount: 3200,
      by_payway: [
        { payway: '2', count: 1, amount: 1000, net_amount: 1000 },
        { payway: '3', count: 1, amount: 2500, net_amount: 2200 },
      ],
      by_terminal: [{ terminal_sn: terminal, count: 2, amount: 3500, net_amount: 3200 }],
      open: 1,
      attention: 1,
    });
    // ops names the store; admins may not name another.
    expect((await call(stack, 'GET', `/v1/reports/daily?date=2026-11-25&store_id=${store}`, { token: await token('ops', 'hq') })).body).toMatchObject({ orders: 5 });
    expect((await call<{ error: { field: string } }>(stack, 'GET', '/v1/reports/daily?date=2026-11-25', { token: await token('ops', 'hq') })).body.error.field).toBe('store_id');
    expect((await call(stack, 'GET', `/v1/reports/daily?date=2026-11-25&store_id=${store}`, { token: stack.tokens.admin })).status).toBe(404);
    expect((await call(stack, 'GET', '/v1/reports/daily?date=2026-11-25', { token: await token('cashier', store) })).status).toBe(403);
    expect((await call<{ error: { field: string } }>(stack, 'GET', '/v1/reports/daily?date=25.11.2026', { token: admin })).body.error.field).toBe('date');

    const csv = await fetch(`${stack.apiUrl}/v1/reports/daily?date=2026-11-25`, { headers: { authorization: `Bearer ${admin}`, accept: 'text/csv' }, signal: AbortSignal.timeout(35_000) });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]?.split(',').slice(0, 9)).toEqual(['order_id', 'client_sn', 'sn', 'trade_no', 'terminal_sn', 'order_status', 'total_amount', 'net_amount', 'refunded_amount']);
    expect(lines.some((line) => line.includes(',PARTIAL_REFUNDED,2500,2200,300,'))).toBe(true);
    expect(lines.some((line) => line.includes('"tea, ""green"""'))).toBe(true);
  });
});

describe('GET /v1/reports/daily from the store-day totals', () => {
  const at = () => new Date().toISOString();
  /** The report over HTTP; it must be what the totals item says and what the orders say. */
  async function agrees(store: string, date: string): Promise<{ orders: number }> {
    const answer = await call<Record<string, unknown> & { orders: number }>(stack, 'GET', `/v1/reports/daily?date=${date}${store === stack.storeId ? '' : `&store_id=${store}`}`, { token: store === stack.storeId ? stack.tokens.admin : await token('ops', 'hq') });
    expect(answer.status).toBe(200);
    const request = { store_id: store, date, time_zone: 'Asia/Shanghai' };
    expect(answer.body, `${store} ${date}`).toEqual(await reportFromOrders(records, request));
    const kept = await totals.read(`${store}#${date}`);
    expect(kept?.complete).toBe(true);
    expect(reportOf(kept?.counters ?? {}, request)).toEqual(answer.body);
    return answer.body;
  }

  it('equals the figures of the ledger’s orders after pays, refunds, cancels and a resolve, on both sides of midnight', async () => {
    // Today, over HTTP: a payment refunded in part, one cancelled, a 9500 case resolved.
    const refunded = await pay({ client_sn: clientSn('tot') });
    expect((await call(stack, 'POST', `/v1/orders/${refunded.body.order_id}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: 't1', refund_amount: 300, operator: 'ann' } })).status).toBe(200);
    const cancelled = await pay({ client_sn: clientSn('tot'), total_amount: 1200 });
    expect((await call<OrderBody>(stack, 'POST', `/v1/orders/${cancelled.body.order_id}/cancel`, { token: stack.tokens.admin })).body.order_status).toBe('CANCELED');
    const failed = await pay({ client_sn: clientSn('tot'), dynamic_id: barcode('9500'), total_amount: 9500 });
    expect(failed.body.order_status).toBe('PAY_ERROR');
    // The day the first of them was created on (not the clock's: a run may cross midnight).
    const today = day(Date.parse((refunded.body as OrderBody & { created_at: string }).created_at));
    await totalsCaughtUp();
    await agrees(stack.storeId, today);
    expect((await call(stack, 'POST', `/v1/orders/${failed.body.order_id}/resolve`, { token: stack.tokens.admin, body: { note: 'wallet shows it paid', outcome: 'PAID' } })).status).toBe(200);

    // Either side of midnight in Shanghai, through the ledger as the flows write.
    const store = `totals-${randomUUID().slice(0, 8)}`;
    const late = await seed(store, '2026-11-24T15:59:59.999Z'); // 23:59:59.999 on the 24th
    const early = await seed(store, '2026-11-24T16:00:00.000Z', { order_status: 'CREATED', net_amount: 0, finished_at: undefined }); // 00:00 on the 25th
    const revoked = await seed(store, '2026-11-24T16:30:00.000Z', { payway: '3', total_amount: 800, net_amount: 800 });
    const refund = { order_id: late.order_id, refund_request_no: 'm1', refund_amount: 400, operator: 'ann', status: 'REFUND_IN_PROGRESS' as const, created_at: at(), attempt_id: randomUUID(), version: 1 };
    expect(await ledger.reserveRefund(late, refund)).toEqual({ kind: 'reserved' });
    expect(await ledger.updateRefund(refund, { attention: { reason: 'provider refund status REFUND_ERROR', at: at() } })).toBe(true);
    await totalsCaughtUp();
    expect((await agrees(store, '2026-11-24')).orders).toBe(1);
    const refundNow = await ledger.getRefund(late.order_id, 'm1');
    if (!refundNow) throw new Error('the refund is gone');
    expect(await ledger.settleRefund(refundNow, { status: 'REFUND_SUCCESS', attention: null, finished_at: at() }, { refunded: true, refundedBefore: 0 }, { order_status: 'PARTIAL_REFUNDED' })).toBe(true);
    const opened = await ledger.updateOrder(early, { order_status: 'PAY_ERROR', attention: { reason: 'provider order status PAY_ERROR', at: at() } });
    if (!opened) throw new Error('the order changed under the test');
    expect(await ledger.updateOrder(opened, { order_status: 'PAID', net_amount: early.total_amount, attention: null, finished_at: at() })).toBeDefined();
    expect(await ledger.updateOrder(revoked, { order_status: 'CANCELED', net_amount: 0 })).toBeDefined();
    await totalsCaughtUp();
    await agrees(stack.storeId, today);
    expect(await agrees(store, '2026-11-24')).toMatchObject({ orders: 1, refunded: { count: 1, amount: 400 }, attention: 0 });
    expect(await agrees(store, '2026-11-25')).toMatchObject({ orders: 2, paid: { count: 1, amount: 1000 }, reversed: { count: 1, amount: 800 }, open: 0, attention: 0 });
  });
});

describe('terminals: the list and retiring one', () => {
  it('lists the store’s terminals for its admin, every store’s for ops, by status, and refuses cashiers', async () => {
    const other = await stack.issuer.sign({ store_id: OTHER_STORE, role: 'admin' });
    const code = stack.sandbox.activationCodes[0];
    const foreign = await call<{ terminal_sn: string }>(stack, 'POST', '/v1/terminals', { token: other, body: { activation_code: code, device_id: `far-${randomUUID().slice(0, 6)}` } });
    expect(foreign.status).toBe(201);
    const mine = await call<{ terminals: { terminal_sn: string; store_id: string }[] }>(stack, 'GET', '/v1/terminals', { token: stack.tokens.admin });
    expect(mine.body.terminals.map((t) => t.terminal_sn)).toContain(terminal);
    expect(mine.body.terminals.every((t) => t.store_id === stack.storeId)).toBe(true);
    const ops = await token('ops', 'hq');
    const all = await call<{ terminals: { terminal_sn: string }[] }>(stack, 'GET', '/v1/terminals?limit=100', { token: ops });
    expect(all.body.terminals.map((t) => t.terminal_sn)).toEqual(expect.arrayContaining([terminal, foreign.body.terminal_sn]));
    expect((await call(stack, 'GET', `/v1/terminals?store_id=${OTHER_STORE}`, { token: stack.tokens.admin })).status).toBe(404);
    expect((await call(stack, 'GET', '/v1/terminals', { token: stack.tokens.cashier })).status).toBe(403);
    expect((await call<{ error: { field: string } }>(stack, 'GET', '/v1/terminals?status=gone', { token: ops })).body.error.field).toBe('status');
    // Pages of one, all the way through, with no terminal twice.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { terminals: { terminal_sn: string }[]; next_cursor: string | null } } = await call(stack, 'GET', `/v1/terminals?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: ops });
      seen.push(...page.body.terminals.map((t) => t.terminal_sn));
      cursor = page.body.next_cursor;
    } while (cursor !== null && seen.length < 50);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(all.body.terminals.map((t) => t.terminal_sn).sort());
    // An admin's pages come from the store's own partition; a cursor of ops' walk is not one of them.
    const own: string[] = [];
    cursor = null;
    do {
      const page: { body: { terminals: { terminal_sn: string }[]; next_cursor: string | null } } = await call(stack, 'GET', `/v1/terminals?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token: stack.tokens.admin });
      own.push(...page.body.terminals.map((t) => t.terminal_sn));
      cursor = page.body.next_cursor;
    } while (cursor !== null && own.length < 50);
    expect(own).toEqual(mine.body.terminals.map((t) => t.terminal_sn));
    const opsCursor = (await call<{ next_cursor: string }>(stack, 'GET', '/v1/terminals?limit=1', { token: ops })).body.next_cursor;
    expect((await call<{ error: { field: string } }>(stack, 'GET', `/v1/terminals?cursor=${opsCursor}`, { token: stack.tokens.admin })).body.error.field).toBe('cursor');
  });

  it('retires a terminal: pay and precreate answer 409 TERMINAL_RETIRED, its orders stay readable and refundable, the fleet check-in skips it', async () => {
    const retiring = await activate(stack);
    const staying = await activate(stack);
    const before = await call<OrderBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body: { terminal_sn: retiring, client_sn: clientSn('last'), total_amount: 700, subject: 'tea', operator: 'ann', dynamic_id: barcode() } });
    expect(before.body.order_status).toBe('PAID');

    expect((await call(stack, 'POST', `/v1/terminals/${retiring}/retire`, { token: await token('ops', 'hq') })).status).toBe(403);
    expect((await call(stack, 'POST', `/v1/terminals/${retiring}/retire`, { token: stack.tokens.cashier })).status).toBe(403);
    expect((await call(stack, 'POST', `/v1/terminals/${retiring}/retire`, { token: await token('admin', OTHER_STORE) })).status).toBe(404);
    const retired = await call<{ status: string; retired_at: string }>(stack, 'POST', `/v1/terminals/${retiring}/retire`, { token: stack.tokens.admin });
    expect(retired.status).toBe(200);
    expect(retired.body.status).toBe('retired');
    // Retiring again is harmless and keeps the first time.
    expect((await call<{ retired_at: string }>(stack, 'POST', `/v1/terminals/${retiring}/retire`, { token: stack.tokens.admin })).body.retired_at).toBe(retired.body.retired_at);

    const refused = await call<{ error: { code: string; field: string } }>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body: { terminal_sn: retiring, client_sn: clientSn('after'), total_amount: 700, subject: 'tea', operator: 'ann', dynamic_id: barcode() } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'TERMINAL_RETIRED', field: 'terminal_sn' });
    const qr = await call<{ error: { code: string } }>(stack, 'POST', '/v1/precreates', { token: stack.tokens.cashier, body: { terminal_sn: retiring, client_sn: clientSn('qr'), total_amount: 700, payway: '3', subject: 'tea', operator: 'ann' } });
    expect(qr.status).toBe(409);
    expect(qr.body.error.code).toBe('TERMINAL_RETIRED');
    expect((await call(stack, 'POST', `/v1/terminals/${retiring}/checkin`, { token: stack.tokens.admin })).status).toBe(409);

    expect((await call<OrderBody>(stack, 'GET', `/v1/orders/${before.body.order_id}`, { token: stack.tokens.cashier })).body.order_status).toBe('PAID');
    const refund = await call<OrderBody>(stack, 'POST', `/v1/orders/${before.body.order_id}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: 'x1', refund_amount: 700, operator: 'ann' } });
    expect(refund.body).toMatchObject({ order_status: 'REFUNDED', refunded_amount: 700 });

    const listed = await call<{ terminals: { terminal_sn: string }[] }>(stack, 'GET', '/v1/terminals?status=retired', { token: stack.tokens.admin });
    expect(listed.body.terminals.map((t) => t.terminal_sn)).toEqual([retiring]);

    await stack.checkInFleet();
    const view = async (sn: string) => (await call<{ checked_in_at?: string; status: string }>(stack, 'GET', `/v1/terminals/${sn}`, { token: stack.tokens.admin })).body;
    expect(await view(staying)).toMatchObject({ status: 'active', checked_in_at: expect.any(String) });
    const skipped = await view(retiring);
    expect(skipped.status).toBe('retired');
    expect(skipped.checked_in_at).toBeUndefined();
  });

  it('keeps ops from paying, refunding, revoking and activating', async () => {
    const ops = await token('ops', stack.storeId);
    expect((await call(stack, 'POST', '/v1/payments', { token: ops, body: { terminal_sn: terminal, client_sn: clientSn('ops'), total_amount: 100, subject: 't', operator: 'o', dynamic_id: barcode() } })).status).toBe(403);
    const paid = await pay({ client_sn: clientSn('opsref') });
    expect((await call(stack, 'POST', `/v1/orders/${paid.body.order_id}/refunds`, { token: ops, body: { refund_request_no: 'o1', refund_amount: 100, operator: 'o' } })).status).toBe(403);
    expect((await call(stack, 'POST', `/v1/orders/${paid.body.order_id}/revoke`, { token: ops, body: {} })).status).toBe(403);
    expect((await call(stack, 'POST', '/v1/terminals', { token: ops, body: { activation_code: stack.sandbox.activationCodes[0], device_id: 'ops-till' } })).status).toBe(403);
  });
});
