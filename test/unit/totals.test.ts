// Store-day totals from ledger changes (lib/totals, lib/store/totals.ts): the delta of every
// status transition, and exactly-once application over DynamoDB's transaction semantics (the
// document client mocked with aws-sdk-client-mock, holding the items in memory).
import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { marshall } from '@aws-sdk/util-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { contribution, delta, reportOf, sum, type Counters } from '../../lib/totals/tally.js';
import { applyRecords, isCompleteDay } from '../../lib/totals/apply.js';
import type { StreamRecord } from '../../lib/events/stream.js';
import { TotalsStore } from '../../lib/store/totals.js';
import { dailyReport, reportFromOrders } from '../../lib/records/report.js';
import type { RecordsReader } from '../../lib/records/history.js';
import type { Order, Refund } from '../../lib/payments/model.js';

const STORE_DAY = 'store-1#2026-11-25';
const TZ = 'Asia/Shanghai';

type Image = Record<string, unknown>;

function orderImage(fields: Partial<Order> = {}): Image {
  const order = {
    order_id: 'o-1',
    kind: 'pay',
    client_sn: 'c-1',
    store_id: 'store-1',
    terminal_sn: 't-1',
    order_status: 'CREATED',
    total_amount: 1000,
    net_amount: 0,
    refunded_amount: 0,
    refund_committed: 0,
    payway: '2',
    subject: 'tea',
    operator: 'ann',
    created_at: '2026-11-25T02:00:00.000Z',
    request_hash: 'h',
    attempt_id: 'a',
    version: 1,
    ...fields,
  };
  return { pk: `ORDER#${order.order_id}`, sk: 'ORDER', store_day: STORE_DAY, ...order };
}

function refundImage(fields: Partial<Refund> = {}): Image {
  const refund = { order_id: 'o-1', refund_request_no: 'r-1', refund_amount: 300, operator: 'ann', status: 'REFUND_IN_PROGRESS', created_at: '2026-11-25T03:00:00.000Z', attempt_id: 'a', version: 1, ...fields };
  return { pk: `ORDER#${refund.order_id}`, sk: `REFUND#${refund.refund_request_no}`, store_id: 'store-1', ...refund };
}

const paid = (fields: Partial<Order> = {}) => orderImage({ order_status: 'PAID', net_amount: 1000, version: 2, ...fields });
const attention = { reason: 'provider order status PAY_ERROR', at: '2026-11-25T02:01:00.000Z' };

describe('the delta of a change', () => {
  it('counts a created order as one open order of the day', () => {
    expect(delta(undefined, orderImage())).toEqual({ orders: 1, open: 1 });
  });

  it('moves a payment from open to paid, with its payway and terminal', () => {
    expect(delta(orderImage(), paid())).toEqual({
      open: -1,
      paid_count: 1,
      paid_amount: 1000,
      net_amount: 1000,
      'payway#2#count': 1,
      'payway#2#amount': 1000,
      'payway#2#net_amount': 1000,
      'terminal#t-1#count': 1,
      'terminal#t-1#amount': 1000,
      'terminal#t-1#net_amount': 1000,
    });
  });

  it('adds a partial refund as one refunded order, and a later full refund only as amount', () => {
    const partial = paid({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 300, refund_committed: 300, net_amount: 700, version: 3 });
    expect(delta(paid(), partial)).toEqual({ refunded_count: 1, refunded_amount: 300, net_amount: -300, 'payway#2#net_amount': -300, 'terminal#t-1#net_amount': -300 });
    const full = paid({ order_status: 'REFUNDED', refunded_amount: 1000, refund_committed: 1000, net_amount: 0, version: 4 });
    expect(delta(partial, full)).toEqual({ refunded_amount: 700, net_amount: -700, 'payway#2#net_amount': -700, 'terminal#t-1#net_amount': -700 });
  });

  it('moves a revoked or cancelled payment from paid to reversed, and a revoke in flight to open', () => {
    const revoking = paid({ reversal: 'revoke', version: 3 });
    expect(delta(paid(), revoking)).toEqual({ open: 1 });
    const revoked = orderImage({ order_status: 'CANCELED', net_amount: 0, version: 4 });
    expect(delta(revoking, revoked)).toEqual({
      open: -1,
      paid_count: -1,
      paid_amount: -1000,
      net_amount: -1000,
      reversed_count: 1,
      reversed_amount: 1000,
      'payway#2#count': -1,
      'payway#2#amount': -1000,
      'payway#2#net_amount': -1000,
      'terminal#t-1#count': -1,
      'terminal#t-1#amount': -1000,
      'terminal#t-1#net_amount': -1000,
    });
  });

  it('takes an unpaid order out of open when it ends without money (PAY_CANCELED)', () => {
    expect(delta(orderImage(), orderImage({ order_status: 'PAY_CANCELED', version: 2 }))).toEqual({ open: -1 });
  });

  it('moves an order from open to attention, and a resolution from attention to what was booked', () => {
    const error = orderImage({ order_status: 'PAY_ERROR', attention, version: 2 });
    expect(delta(orderImage(), error)).toEqual({ open: -1, attention: 1 });
    expect(delta(error, paid({ version: 3 }))).toMatchObject({ attention: -1, paid_count: 1, paid_amount: 1000 });
  });

  it('counts a refund case as a case of its order’s day, and its resolution takes it away', () => {
    expect(delta(refundImage(), refundImage({ status: 'REFUND_ERROR', attention, version: 2 }))).toEqual({ attention: 1 });
    expect(delta(refundImage({ status: 'REFUND_ERROR', attention, version: 2 }), refundImage({ status: 'REFUND_SUCCESS', version: 3 }))).toEqual({ attention: -1 });
  });

  it('moves nothing for bookkeeping changes (next step, refresh) or for items that are not orders or refunds', () => {
    expect(delta(orderImage(), orderImage({ version: 2, work: { step: 'query', due_at: 1, deadline_at: 2, attempts: 1 } }))).toEqual({});
    expect(delta(undefined, { pk: 'TERMINAL#t-1', sk: 'TERMINAL', version: 1 })).toEqual({});
  });

  it('refuses amounts that are not integer cents', () => {
    expect(() => contribution(paid({ total_amount: 10.5 }))).toThrow(/total_amount/);
    expect(() => contribution(paid({ net_amount: -1 }))).toThrow(/net_amount/);
  });
});

// ---- DynamoDB in memory, with the transaction semantics the store relies on ----

const db = mockClient(DynamoDBDocumentClient);
let items: Map<string, Image>;
let transactions: number;
let conflictsToAnswer: number;
const keyOf = (key: Image) => `${String(key.pk)}|${String(key.sk)}`;

function applyUpdate(key: Image, expression: string, names: Record<string, string>, values: Record<string, unknown>) {
  const item = items.get(keyOf(key)) ?? { ...key };
  const [setPart = '', addPart = ''] = expression.replace(/^SET /, '').split(' ADD ');
  if (/#complete = if_not_exists\(#complete, :complete\)/.test(setPart) && item.complete === undefined) item.complete = values[':complete'];
  for (const clause of addPart.split(', ').filter(Boolean)) {
    const [name = '', value = ''] = clause.split(' ');
    const attribute = names[name] ?? name;
    item[attribute] = ((item[attribute] as number | undefined) ?? 0) + (values[value] as number);
  }
  items.set(keyOf(key), item);
}

beforeEach(() => {
  items = new Map();
  transactions = 0;
  conflictsToAnswer = 0;
  db.reset();
  db.on(TransactWriteCommand).callsFake((input: { TransactItems: { Put?: { Item: Image }; Update?: { Key: Image; UpdateExpression: string; ExpressionAttributeNames: Record<string, string>; ExpressionAttributeValues: Record<string, unknown> } }[] }) => {
    transactions += 1;
    if (conflictsToAnswer > 0) {
      conflictsToAnswer -= 1;
      throw new TransactionCanceledException({ message: 'conflict', $metadata: {}, CancellationReasons: input.TransactItems.map(() => ({ Code: 'TransactionConflict' })) });
    }
    const codes = input.TransactItems.map((entry) => (entry.Put && items.has(keyOf(entry.Put.Item)) ? 'ConditionalCheckFailed' : 'None'));
    if (codes.includes('ConditionalCheckFailed')) throw new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
    for (const entry of input.TransactItems) {
      if (entry.Put) items.set(keyOf(entry.Put.Item), entry.Put.Item);
      if (entry.Update) applyUpdate(entry.Update.Key, entry.Update.UpdateExpression, entry.Update.ExpressionAttributeNames, entry.Update.ExpressionAttributeValues);
    }
    return {};
  });
  db.on(GetCommand).callsFake((input: { Key: Image }) => ({ Item: items.get(keyOf(input.Key)) }));
  db.on(PutCommand).callsFake((input: { Item: Image }) => {
    if (items.has(keyOf(input.Item))) throw Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' });
    items.set(keyOf(input.Item), input.Item);
    return {};
  });
});

const store = () => new TotalsStore(db as unknown as DynamoDBDocumentClient, 'ledger');
const record = (id: string, old: Image | undefined, next: Image): StreamRecord => ({ eventID: id, dynamodb: { ...(old ? { OldImage: marshall(old, { removeUndefinedValues: true }) } : {}), NewImage: marshall(next, { removeUndefinedValues: true }) } });
const apply = (records: StreamRecord[], startedAt = 0) => applyRecords(records, { totals: store(), timeZone: TZ, startedAt });
/** The figures that are not zero (an ADD that took a figure back to 0 leaves the attribute). */
const totalsOf = async () => sum({}, (await store().read(STORE_DAY))?.counters ?? {});
/** The totals an order's final image stands for: what the changes must add up to. */
const expected = (...finals: Image[]) => finals.reduce<Counters>((total, image) => sum(total, contribution(image)), {});

// One order's life: created, paid, refunded in part, refunded in full; and a second order cancelled.
const created = orderImage();
const paidOne = paid();
const partial = paid({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 300, refund_committed: 300, net_amount: 700, version: 3 });
const full = paid({ order_status: 'REFUNDED', refunded_amount: 1000, refund_committed: 1000, net_amount: 0, version: 4 });
const other = orderImage({ order_id: 'o-2', client_sn: 'c-2', payway: '3', total_amount: 2500 });
const otherError = orderImage({ order_id: 'o-2', client_sn: 'c-2', payway: '3', total_amount: 2500, order_status: 'PAY_ERROR', attention, version: 2 });
const otherCancelled = orderImage({ order_id: 'o-2', client_sn: 'c-2', payway: '3', total_amount: 2500, order_status: 'PAY_CANCELED', version: 3 });
const life = [
  record('e1', undefined, created),
  record('e2', created, paidOne),
  record('e3', undefined, other),
  record('e4', paidOne, partial),
  record('e5', other, otherError),
  record('e6', partial, full),
  record('e7', otherError, otherCancelled),
];

describe('applying stream records', () => {
  it('adds a day’s changes up to the totals of its orders’ final states, in one transaction per store-day', async () => {
    expect(await apply(life)).toEqual({ applied: 7 });
    expect(transactions).toBe(1);
    expect(await totalsOf()).toEqual(expected(full, otherCancelled));
    expect((await store().read(STORE_DAY))?.complete).toBe(true);
  });

  it('applies a replayed batch once, also a bisected replay (a half of it again)', async () => {
    await apply(life);
    const once = await totalsOf();
    await apply(life);
    await apply(life.slice(0, 3));
    await apply(life.slice(3));
    expect(await totalsOf()).toEqual(once);
  });

  it('applies a batch holding some records seen before and some new ones: only the new ones', async () => {
    await apply(life.slice(0, 4));
    await apply(life);
    expect(await totalsOf()).toEqual(expected(full, otherCancelled));
  });

  it('ends at the same totals whatever the order the records come in', async () => {
    for (const one of [...life].reverse()) await apply([one]);
    expect(await totalsOf()).toEqual(expected(full, otherCancelled));
  });

  it('never leaves a figure negative or fractional after any prefix of a day’s changes in order', async () => {
    for (const one of life) {
      await apply([one]);
      for (const [name, value] of Object.entries((await store().read(STORE_DAY))?.counters ?? {})) expect(Number.isSafeInteger(value) && value >= 0, `${name} = ${value}`).toBe(true);
    }
  });

  it('puts a refund case on its order’s day, read from the order item', async () => {
    items.set('ORDER#o-1|ORDER', paidOne);
    await apply([record('r1', refundImage(), refundImage({ status: 'REFUND_ERROR', attention, version: 2 }))]);
    expect(await totalsOf()).toEqual({ attention: 1 });
    expect(db.commandCalls(GetCommand).map((call) => call.args[0].input.Key)).toEqual([{ pk: 'ORDER#o-1', sk: 'ORDER' }, { pk: `TOTALS#${STORE_DAY}`, sk: 'TOTALS' }]);
  });

  it('writes nothing for changes that move no figure', async () => {
    await apply([record('w1', created, orderImage({ version: 2, work: { step: 'query', due_at: 1, deadline_at: 2, attempts: 1 } }))]);
    expect(transactions).toBe(0);
  });

  it('splits a long batch into transactions of at most 100 items', async () => {
    const many = Array.from({ length: 150 }, (_, index) => record(`m${index}`, undefined, orderImage({ order_id: `o-m${index}`, client_sn: `c-m${index}` })));
    await apply(many);
    expect(transactions).toBe(2);
    for (const call of db.commandCalls(TransactWriteCommand)) expect(call.args[0].input.TransactItems?.length).toBeLessThanOrEqual(100);
    expect(await totalsOf()).toEqual({ orders: 150, open: 150 });
  });

  it('tries a transaction that collided with another shard’s again', async () => {
    conflictsToAnswer = 2;
    await apply(life.slice(0, 2));
    expect(transactions).toBe(3);
    expect(await totalsOf()).toEqual(expected(paidOne));
  });

  it('marks the totals of a day that began before the totals started incomplete, for good', async () => {
    const started = Date.parse('2026-11-25T01:00:00.000Z'); // 09:00 on the 25th in Shanghai
    await apply(life.slice(0, 1), started);
    expect((await store().read(STORE_DAY))?.complete).toBe(false);
    await apply(life.slice(1, 2), 0);
    expect((await store().read(STORE_DAY))?.complete).toBe(false);
  });
});

describe('when a day is complete', () => {
  it('is complete when it began after the totals started, in the merchant’s time zone', () => {
    const started = Date.parse('2026-11-25T15:59:59.000Z'); // 23:59:59 on the 25th in Shanghai
    expect(isCompleteDay('2026-11-25', started, TZ)).toBe(false);
    expect(isCompleteDay('2026-11-26', started, TZ)).toBe(true);
    expect(isCompleteDay('2026-11-26', Date.parse('2026-11-25T16:00:00.000Z'), TZ)).toBe(false);
  });

  it('keeps the first start time for good', async () => {
    expect(await store().startedAt(5)).toBe(5);
    expect(await store().startedAt(9)).toBe(5);
  });
});

describe('the daily report', () => {
  const request = { store_id: 'store-1', date: '2026-11-25', time_zone: TZ };
  const orders = [full, otherCancelled].map((image) => image as unknown as Order);
  const reader: RecordsReader = {
    dayPage: () => Promise.reject(new Error('not read')),
    dayOrders: () => Promise.reject(new Error('not read')),
    daySummaries: () => Promise.resolve(orders),
    refundsOf: () => Promise.resolve([]),
  };

  it('reads the day’s totals item only, and says what the orders say', async () => {
    await apply(life);
    const { report, source } = await dailyReport({ records: { ...reader, daySummaries: () => Promise.reject(new Error('the orders were read')) }, totals: store() }, request);
    expect(source).toBe('totals');
    expect(report).toEqual(await reportFromOrders(reader, request));
    expect(db.commandCalls(QueryCommand)).toHaveLength(0);
  });

  it('computes a day without complete totals from its orders', async () => {
    await apply(life, Date.parse('2026-11-26T00:00:00.000Z'));
    expect(await dailyReport({ records: reader, totals: store() }, request)).toEqual({ report: await reportFromOrders(reader, request), source: 'orders' });
    expect(await dailyReport({ records: reader, totals: store() }, { ...request, date: '2026-11-24' })).toMatchObject({ source: 'orders' });
  });

  it('never shows totals no set of orders could give: the orders are read, and the report says so', async () => {
    await apply(life.slice(1, 2)); // a payment whose creation was never added: open is -1
    expect(await dailyReport({ records: reader, totals: store() }, request)).toEqual({ report: await reportFromOrders(reader, request), source: 'inconsistent' });
  });

  it('reads the orders when no consumer keeps the totals (a table adopted without its stream), even beside totals marked complete', async () => {
    await apply(life);
    expect(await dailyReport({ records: reader }, request)).toEqual({ report: await reportFromOrders(reader, request), source: 'orders' });
  });

  it('drops a payway or terminal whose orders all left the paid ones', () => {
    expect(reportOf({ orders: 1, 'payway#2#count': 0, 'payway#2#amount': 0, 'payway#2#net_amount': 0, 'terminal#t-1#count': 1, 'terminal#t-1#amount': 5, 'terminal#t-1#net_amount': 5 }, request)).toMatchObject({
      by_payway: [],
      by_terminal: [{ terminal_sn: 't-1', count: 1, amount: 5, net_amount: 5 }],
    });
  });
});

describe('changes of orders stored before the records (no store-day)', () => {
  // DEPLOY.md §10: orders stored before the records upgrade carry no store_day and are in no
  // day's report. Their later changes (a refund, a revoke, reconcile) must not fail the batch:
  // a failing record stalls its shard through 10 retries and lands in the dead-letter queue.
  const old = (fields: Partial<Order> = {}) => {
    const { store_day: _none, ...image } = orderImage({ order_id: 'o-old', client_sn: 'c-old', ...fields });
    return image;
  };

  it('adds nothing for them and applies the rest of the batch', async () => {
    items.set('ORDER#o-old|ORDER', old({ order_status: 'PAID', net_amount: 1000, version: 2 }));
    const refundOfOld = refundImage({ order_id: 'o-old' });
    await expect(
      apply([
        record('x1', old({ order_status: 'PAID', net_amount: 1000, version: 2 }), old({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 300, refund_committed: 300, net_amount: 700, version: 3 })),
        record('x2', refundOfOld, refundImage({ order_id: 'o-old', status: 'REFUND_ERROR', attention, version: 2 })),
        record('x3', undefined, created),
      ]),
    ).resolves.toEqual({ applied: 1 });
    expect(await totalsOf()).toEqual(expected(created));
  });
});

describe('a change that cannot be added', () => {
  // After Totals-DeadLetters the runbook marks the day's totals incomplete (DEPLOY.md, "Daily
  // totals"); the dead-letter message holds only stream positions, so the error must name the day.
  it('fails its batch with an error naming its store-day, whether its figures or its write were refused', async () => {
    await expect(apply([record('bad', undefined, orderImage({ total_amount: 10.5 }))])).rejects.toThrow(STORE_DAY);
    db.on(TransactWriteCommand).rejects(Object.assign(new Error('Invalid UpdateExpression: Expression size has exceeded the maximum allowed size'), { name: 'ValidationException' }));
    await expect(apply([record('refused', undefined, created)])).rejects.toThrow(STORE_DAY);
  });
});

describe('a batch of payments at many terminals of one store', () => {
  // DynamoDB refuses an expression over 4 KB (and over 300 operators): one update adding every
  // terminal's and payway's counters of a catching-up batch must stay under both.
  it('keeps every totals update expression within DynamoDB’s limits, and adds every payment', async () => {
    const payments = Array.from({ length: 99 }, (_, index) => {
      const fields = { order_id: `o-t${index}`, client_sn: `c-t${index}`, terminal_sn: `terminal-${String(index).padStart(4, '0')}`, payway: String(index % 12) };
      return record(`t${index}`, orderImage(fields), paid(fields));
    });
    await apply(payments);
    for (const call of db.commandCalls(TransactWriteCommand)) {
      const update = call.args[0].input.TransactItems?.find((entry) => entry.Update)?.Update;
      if (!update) continue;
      expect(update.UpdateExpression?.length ?? 0).toBeLessThanOrEqual(4096);
      expect(Object.keys(update.ExpressionAttributeNames ?? {}).length).toBeLessThanOrEqual(300);
    }
    expect((await totalsOf()).paid_count).toBe(99);
  });
});
