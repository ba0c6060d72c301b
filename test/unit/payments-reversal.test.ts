// Revoke and cancel with fakes: what the provider would refuse is refused locally without a
// call; otherwise the order is marked before the call, and the reply settles, flags, keeps or
// undoes the mark.
import { afterEach, describe, expect, it } from 'vitest';
import { reverse, type ReversalResult } from '../../lib/payments/reversal.js';
import { refreshOrder } from '../../lib/payments/query.js';
import { orderIdFor, type Order } from '../../lib/payments/model.js';
import { KeyNotFoundError } from '../../lib/keys/index.js';
import type { CancelOutcome, OrderStatus } from '../../lib/upay/index.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { found, notFound, openOrder, order, raw, refundItem, rejected, runDue, START, STORE, TIMING, transport, upayOrder, world, type World } from './support/payments.js';

const ORDER_ID = orderIdFor('sale-1');
const REF = { order_id: ORDER_ID };
const ADMIN = 'admin-ann';
const canceledReply = (aborted = false): CancelOutcome => ({
  kind: 'canceled',
  aborted,
  order: upayOrder({ order_status: 'CANCELED', net_amount: 0 }),
  raw: raw(aborted ? 'CANCEL_ABORT_SUCCESS' : 'CANCEL_SUCCESS'),
});

function orderOf(result: ReversalResult): Order {
  if (result.kind !== 'done') throw new Error(`expected done, got ${JSON.stringify(result)}`);
  return result.found.order;
}

let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

function withOrder(overrides: Partial<Order>, now = START): World {
  const fresh = world({ now });
  fresh.ledger.seed(order(overrides));
  return fresh;
}

describe('revoke is only for today, in Asia/Shanghai', () => {
  const at = (iso: string) => Date.parse(iso);

  it.each([
    ['23:59:59.999 and 00:00 CST the next day (same UTC date)', '2026-05-12T15:59:59.999Z', '2026-05-12T16:00:00.000Z'],
    ['18:00 CST and 01:00 CST the next day (same UTC date)', '2026-05-12T10:00:00.000Z', '2026-05-12T17:00:00.000Z'],
    ['yesterday at noon CST', '2026-05-11T04:00:00.000Z', '2026-05-12T04:00:00.000Z'],
  ])('refuses, without asking the provider, an order paid at %s', async (_label, createdAt, now) => {
    w = withOrder({ created_at: createdAt }, at(now));
    expect(await reverse(w.deps, REF, STORE, 'revoke', ADMIN)).toEqual({ kind: 'refused', message: 'only orders created today (Asia/Shanghai) can be revoked' });
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.mustOrder(ORDER_ID)).toEqual(order({ created_at: createdAt }));
  });

  it.each([
    ['00:00 and 23:59:59.999 CST (across UTC midnight)', '2026-05-12T16:00:00.000Z', '2026-05-13T15:59:59.999Z'],
    ['07:30 and 08:30 CST (different UTC dates)', '2026-05-12T23:30:00.000Z', '2026-05-13T00:30:00.000Z'],
  ])('accepts an order paid and revoked on the same Shanghai day, at %s', async (_label, createdAt, now) => {
    w = withOrder({ created_at: createdAt }, at(now));
    w.upay.script('revoke', canceledReply());
    expect(orderOf(await reverse(w.deps, REF, STORE, 'revoke', ADMIN)).order_status).toBe('CANCELED');
  });
});

describe('local refusals', () => {
  it.each(['revoke', 'cancel'] as const)('%s: refuses an order with refunds, even ones still in flight', async (action) => {
    w = withOrder({ refund_committed: 100 });
    expect(await reverse(w.deps, REF, STORE, action, ADMIN)).toEqual({ kind: 'refused', message: 'the order has refunds' });
    expect(w.upay.calls).toEqual([]);
  });

  it.each([
    ['revoke', 'cancel'],
    ['cancel', 'revoke'],
  ] as const)('%s: refuses while a %s is already under way', async (action, underWay) => {
    w = withOrder({ reversal: underWay });
    expect(await reverse(w.deps, REF, STORE, action, ADMIN)).toEqual({ kind: 'refused', message: `a ${underWay} of this order is already under way` });
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.callCount('updateOrder')).toBe(0);
  });

  it.each(['revoke', 'cancel'] as const)('%s asked again while it is under way answers the order, sending and writing nothing', async (action) => {
    w = withOrder({ reversal: action, reversal_requested_by: ADMIN, work: { step: 'query', due_at: START + 1, deadline_at: START, attempts: 0 } });
    expect(orderOf(await reverse(w.deps, REF, STORE, action, ADMIN))).toMatchObject({ order_status: 'PAID', reversal: action });
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.callCount('updateOrder')).toBe(0);
  });

  it.each([
    ['revoke', 'CANCELED'],
    ['cancel', 'CANCELED'],
    ['cancel', 'PAY_CANCELED'],
  ] as const)('%s asked again once it left the order %s answers the order', async (action, status) => {
    w = withOrder({ order_status: status, net_amount: 0, reversal_requested_by: ADMIN });
    expect(orderOf(await reverse(w.deps, REF, STORE, action, ADMIN))).toMatchObject({ order_status: status });
    expect(w.upay.calls).toEqual([]);
  });

  it.each(['CREATED', 'PAY_CANCELED', 'CANCELED', 'PAY_ERROR', 'PARTIAL_REFUNDED', 'CANCEL_ERROR'] as const)('revoke: refuses an order in %s', async (status) => {
    w = withOrder({ order_status: status });
    expect(await reverse(w.deps, REF, STORE, 'revoke', ADMIN)).toEqual({ kind: 'refused', message: `an order in ${status} cannot be revoked` });
    expect(w.upay.calls).toEqual([]);
  });

  it.each(['PAY_CANCELED', 'CANCELED', 'REFUNDED', 'PARTIAL_REFUNDED', 'CANCEL_INPROGRESS', 'REFUND_ERROR'] as const)('cancel: refuses an order in %s', async (status) => {
    w = withOrder({ order_status: status });
    expect(await reverse(w.deps, REF, STORE, 'cancel', ADMIN)).toEqual({ kind: 'refused', message: `an order in ${status} cannot be cancelled` });
    expect(w.upay.calls).toEqual([]);
  });

  it.each(['CREATED', 'PAID', 'PAY_ERROR', 'CANCEL_ERROR'] as const satisfies readonly OrderStatus[])('cancel: accepts an order in %s', async (status) => {
    w = withOrder({ order_status: status });
    w.upay.script('cancel', canceledReply());
    expect(orderOf(await reverse(w.deps, REF, STORE, 'cancel', ADMIN)).order_status).toBe('CANCELED');
  });

  it('does not find another store’s order, nor an unknown one', async () => {
    w = withOrder({});
    expect(await reverse(w.deps, REF, 'store-2', 'revoke', ADMIN)).toEqual({ kind: 'not_found' });
    expect(await reverse(w.deps, { order_id: orderIdFor('nope') }, STORE, 'cancel', ADMIN)).toEqual({ kind: 'not_found' });
    expect(w.upay.calls).toEqual([]);
  });

  it('decides on the order as it is when marking: a refund reserved meanwhile refuses the revoke', async () => {
    w = withOrder({});
    w.ledger.before('updateOrder', 1, async (ledger) => {
      await ledger.reserveRefund(order(), refundItem({ refund_amount: 100 }));
    });
    expect(await reverse(w.deps, REF, STORE, 'revoke', ADMIN)).toEqual({ kind: 'refused', message: 'the order has refunds' });
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.mustOrder(ORDER_ID).reversal).toBeUndefined();
  });
});

describe('a revoke the provider accepts', () => {
  it('marks the paid order before calling, then closes it CANCELED with nothing netted', async () => {
    w = withOrder({});
    let seen: Order | undefined;
    w.upay.script('revoke', () => {
      seen = w.ledger.order(ORDER_ID);
      return canceledReply();
    });
    const result = orderOf(await reverse(w.deps, REF, STORE, 'revoke', ADMIN));
    expect(seen).toMatchObject({
      order_status: 'PAID',
      reversal: 'revoke',
      reversal_requested_by: ADMIN,
      // The step timer confirms it by a query, once this request can no longer be doing so.
      work: { step: 'query', due_at: START + TIMING.requestLifetimeMs, deadline_at: START, attempts: 0 },
    });
    expect(result).toMatchObject({ order_status: 'CANCELED', net_amount: 0, provider: { biz_result_code: 'CANCEL_SUCCESS', order_status: 'CANCELED' } });
    expect(result.reversal).toBeUndefined();
    expect(result.work).toBeUndefined();
    expect(w.upay.callsOf('revoke')).toMatchObject([{ request: { client_sn: 'sale-1' }, options: { timeoutMs: TIMING.providerTimeoutMs } }]);
    expect(w.telemetry.total('Revoke_canceled')).toBe(1);
  });
});

describe('a cancel the provider accepts', () => {
  it('marks an open payment as being cancelled, keeping its deadline, with a cancel step due until answered', async () => {
    w = world();
    w.ledger.seed(openOrder());
    let seen: Order | undefined;
    w.upay.script('cancel', () => {
      seen = w.ledger.order(ORDER_ID);
      return canceledReply(true);
    });
    const result = orderOf(await reverse(w.deps, REF, STORE, 'cancel', ADMIN));
    expect(seen?.reversal).toBe('cancel');
    expect(seen?.work).toEqual({ step: 'cancel', due_at: START + TIMING.requestLifetimeMs, deadline_at: START + 45_000, attempts: 0 });
    expect(result).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
    expect(result.work).toBeUndefined();
    expect(result.reversal).toBeUndefined();
  });

  it('does not let a PAID report that arrives during the cancel book the payment', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.upay.script('cancel', transport('timeout'));
    w.upay.script('query', found(upayOrder()));
    await reverse(w.deps, REF, STORE, 'cancel', ADMIN);
    // A notify or a GET refreshes the order meanwhile: the provider still shows it PAID.
    const order = await refreshOrder(w.deps, { order: w.ledger.mustOrder(ORDER_ID), refunds: [] });
    expect(order).toMatchObject({ order_status: 'CREATED', reversal: 'cancel' });
  });

  it('marks a paid order as being cancelled, so no refund can start meanwhile', async () => {
    w = withOrder({});
    let seen: Order | undefined;
    w.upay.script('cancel', () => {
      seen = w.ledger.order(ORDER_ID);
      return canceledReply();
    });
    await reverse(w.deps, REF, STORE, 'cancel', ADMIN);
    expect(seen).toMatchObject({ reversal: 'cancel', work: { step: 'cancel' } });
  });
});

describe('a reversal the provider refuses', () => {
  it('undoes the mark of a refused revoke: the order is paid and refundable again, its attention kept', async () => {
    const attention = { reason: 'looked at by ops', at: new Date(START).toISOString() };
    w = withOrder({ attention });
    w.upay.script('revoke', rejected('UPAY_CANCEL_INVALID_ORDER_STATE'));
    expect(await reverse(w.deps, REF, STORE, 'revoke', ADMIN)).toEqual({ kind: 'refused', message: 'the provider refused: UPAY_CANCEL_INVALID_ORDER_STATE' });
    const stored = w.ledger.mustOrder(ORDER_ID);
    expect(stored).toMatchObject({ order_status: 'PAID', net_amount: 1000, attention });
    expect(stored.reversal).toBeUndefined();
    expect(stored.work).toBeUndefined();
  });

  it('undoes the mark of a refused cancel of a paid order', async () => {
    w = withOrder({});
    w.upay.script('cancel', rejected('UPAY_TERMINAL_STATUS_ABNORMAL'));
    expect(await reverse(w.deps, REF, STORE, 'cancel', ADMIN)).toMatchObject({ kind: 'refused' });
    const stored = w.ledger.mustOrder(ORDER_ID);
    expect(stored.reversal).toBeUndefined();
    expect(stored.work).toBeUndefined();
    expect(stored.attention).toBeUndefined();
  });

  it('keeps polling an open payment whose cancel was refused, so it still reaches a final state', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.upay.script('cancel', () => {
      w.clock.advance(2_000);
      return rejected('UPAY_TERMINAL_STATUS_ABNORMAL');
    });
    expect(await reverse(w.deps, REF, STORE, 'cancel', ADMIN)).toMatchObject({ kind: 'refused' });
    const stored = w.ledger.mustOrder(ORDER_ID);
    expect(stored.order_status).toBe('CREATED');
    expect(stored.attention).toBeUndefined();
    expect(stored.reversal).toBeUndefined();
    expect(stored.work).toMatchObject({ step: 'query', due_at: START + 2_000 + TIMING.pollIntervalMs, deadline_at: START + 45_000 });
  });

  it.each(['client_error', 'illegal_sign', 'not_sent'] as const)('after a %s (nothing applied) answers unavailable and takes the mark off', async (kind) => {
    w = withOrder({});
    w.upay.script('revoke', transport(kind));
    const result = await reverse(w.deps, REF, STORE, 'revoke', ADMIN);
    expect(result).toEqual({ kind: 'unavailable', message: `nothing changed (revoke: ${kind}); try again` });
    const stored = w.ledger.mustOrder(ORDER_ID);
    expect(stored.reversal).toBeUndefined();
    expect(stored.work).toBeUndefined();
  });

  it('answers unavailable, and takes the mark off, when the signer throws before sending', async () => {
    w = withOrder({});
    w.signer.failure = new KeyNotFoundError('no key');
    expect(await reverse(w.deps, REF, STORE, 'revoke', ADMIN)).toMatchObject({ kind: 'unavailable' });
    expect(w.ledger.mustOrder(ORDER_ID).reversal).toBeUndefined();
  });
});

describe('a reversal whose outcome is not known yet', () => {
  it.each(['timeout', 'connection_lost', 'bad_reply', 'server_error'] as const)('cancel: after a %s keeps the order marked with its cancel step due for the step timer', async (kind) => {
    w = withOrder({});
    w.upay.script('cancel', transport(kind));
    const result = orderOf(await reverse(w.deps, REF, STORE, 'cancel', ADMIN));
    expect(result).toMatchObject({ order_status: 'PAID', reversal: 'cancel', work: { step: 'cancel', due_at: START + TIMING.requestLifetimeMs } });
    expect(result.attention).toBeUndefined();
  });

  it('revoke: after a timeout keeps the order marked, to be confirmed by a query', async () => {
    w = withOrder({});
    w.upay.script('revoke', transport('timeout'));
    expect(orderOf(await reverse(w.deps, REF, STORE, 'revoke', ADMIN))).toMatchObject({ order_status: 'PAID', reversal: 'revoke', work: { step: 'query' } });
  });

  it.each(['UPAY_CANCEL_ORDER_NOOP', 'UPAY_CANCEL_INVALID_ORDER_STATE'])('cancel: %s leaves the order marked and due, neither settled nor flagged', async (code) => {
    w = withOrder({});
    w.upay.script('cancel', rejected(code));
    const result = orderOf(await reverse(w.deps, REF, STORE, 'cancel', ADMIN));
    expect(result).toMatchObject({ order_status: 'PAID', reversal: 'cancel' });
    expect(result.work).toBeDefined();
    expect(result.attention).toBeUndefined();
  });

  it('cancel: CANCEL_IN_PROGRESS leaves the order marked, with a query due next', async () => {
    w = withOrder({});
    w.upay.script('cancel', { kind: 'in_progress', aborted: false, raw: raw('CANCEL_IN_PROGRESS') });
    expect(orderOf(await reverse(w.deps, REF, STORE, 'cancel', ADMIN))).toMatchObject({ reversal: 'cancel', work: { step: 'query', due_at: START + TIMING.pollIntervalMs } });
  });

  it.each([
    ['UPAY_CANCEL_ORDER_NOOP', rejected('UPAY_CANCEL_ORDER_NOOP')],
    ['CANCEL_IN_PROGRESS', { kind: 'in_progress', aborted: false, raw: raw('CANCEL_IN_PROGRESS') } satisfies CancelOutcome],
  ] as const)('cancel: after %s the next step is a query, which settles the order', async (_label, reply) => {
    w = withOrder({});
    w.upay.script('cancel', reply);
    await reverse(w.deps, REF, STORE, 'cancel', ADMIN);
    w.upay.script('query', found(upayOrder({ order_status: 'CANCELED', net_amount: 0 })));
    w.clock.advance(TIMING.requestLifetimeMs);
    await runDue(w.deps);
    expect(w.upay.methods()).toEqual(['cancel', 'query']);
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
  });
});

describe('a reversal the provider answers with a final word', () => {
  it('flags CANCEL_ERROR for a person and stops the work, keeping the mark so no refund starts', async () => {
    w = withOrder({});
    w.upay.script('revoke', { kind: 'unknown', reason: 'CANCEL_ERROR', raw: raw('CANCEL_ERROR') });
    const result = orderOf(await reverse(w.deps, REF, STORE, 'revoke', ADMIN));
    expect(result).toMatchObject({ order_status: 'PAID', reversal: 'revoke', attention: { reason: 'revoke: CANCEL_ERROR' } });
    expect(result.work).toBeUndefined();
    expect(w.telemetry.total('NeedsAttention')).toBe(1);
  });

  it('closes an open payment as PAY_CANCELED, mark and work gone, when the provider never created it and the pay can no longer arrive', async () => {
    w = world({ now: START + TIMING.requestLifetimeMs });
    w.ledger.seed(openOrder());
    w.upay.script('cancel', notFound());
    const result = orderOf(await reverse(w.deps, REF, STORE, 'cancel', ADMIN));
    expect(result).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0, failure_reason: 'UPAY_ORDER_NOT_EXISTS' });
    expect(result.reversal).toBeUndefined();
    expect(result.work).toBeUndefined();
  });

  it('an admin cancel that finds nothing while the pay may still be on its way keeps looking, and cancels the pay that arrives after it', async () => {
    // The race: the order is recorded, the cancel reaches the provider before the pay does.
    w = world({ now: START + 1_000 });
    w.ledger.seed(openOrder());
    w.upay.script('cancel', notFound());
    const answered = orderOf(await reverse(w.deps, REF, STORE, 'cancel', ADMIN));
    expect(answered).toMatchObject({ order_status: 'CREATED', reversal: 'cancel', work: { step: 'query', due_at: START + TIMING.requestLifetimeMs } });
    // The pay arrives and the customer is charged; the step timer looks again once it can no longer arrive.
    w.upay.script('query', found(upayOrder()));
    w.clock.ms = START + TIMING.requestLifetimeMs;
    await runDue(w.deps);
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ order_status: 'CREATED', reversal: 'cancel', work: { step: 'cancel' } });
    w.upay.script('cancel', canceledReply());
    w.clock.ms = w.ledger.mustOrder(ORDER_ID).work?.due_at ?? w.clock.ms;
    await runDue(w.deps);
    expect(w.upay.methods()).toEqual(['cancel', 'query', 'cancel']);
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
  });

  it('calls a person when the provider does not know an order we hold as PAID', async () => {
    w = withOrder({});
    w.upay.script('revoke', notFound());
    const result = orderOf(await reverse(w.deps, REF, STORE, 'revoke', ADMIN));
    expect(result).toMatchObject({ order_status: 'PAID', attention: { reason: 'provider says UPAY_ORDER_NOT_EXISTS for an order we hold as PAID' } });
    expect(result.work).toBeUndefined();
  });
});
