// Refunds with fakes: the amount is reserved under the ceiling before the provider is called;
// a definite reply settles or releases it; REFUND_ERROR keeps it reserved for a person; an
// unknown outcome runs the provider's exception flow (query, else resend the SAME number).
import { afterEach, describe, expect, it } from 'vitest';
import { refund, resolveRefund, type RefundInput, type RefundResult } from '../../lib/payments/refund.js';
import { orderIdFor, type Refund } from '../../lib/payments/model.js';
import { UpayRequestError, type RefundOutcome } from '../../lib/upay/index.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { found, notFound, order, raw, refundItem, rejected, START, STORE, TERMINAL, TIMING, transport, upayOrder, world, type World } from './support/payments.js';
import { signingKey } from './support/fakes.js';
import { retryPatienceMs } from '../../lib/payments/retry-policy.js';

const ORDER_ID = orderIdFor('sale-1');
const input = (overrides: Partial<RefundInput> = {}): RefundInput => ({ store_id: STORE, order_id: ORDER_ID, refund_request_no: 'r-1', refund_amount: 300, operator: 'ann', ...overrides });
const refunded = (net = 700, no = 'r-1'): RefundOutcome => ({
  kind: 'refunded',
  order: upayOrder({ order_status: net === 0 ? 'REFUNDED' : 'PARTIAL_REFUNDED', net_amount: net, client_tsn: `sale-1-${no}` }),
  raw: raw('REFUND_SUCCESS'),
});
const showsRefund = (no: string, status: string, net = 700) => found(upayOrder({ order_status: 'PARTIAL_REFUNDED', net_amount: net, client_tsn: `sale-1-${no}`, status }));

function done(result: RefundResult): Extract<RefundResult, { kind: 'done' }> {
  if (result.kind !== 'done') throw new Error(`expected done, got ${JSON.stringify(result)}`);
  return result;
}

let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

function paidWorld(overrides: Parameters<typeof order>[0] = {}, refunds: Refund[] = []): World {
  const fresh = world();
  fresh.ledger.seed(order(overrides), refunds);
  return fresh;
}

describe('a refund the provider answers at once', () => {
  it('settles REFUND_SUCCESS: refund done, order PARTIAL_REFUNDED with net, refunded and committed moved by the amount', async () => {
    w = paidWorld();
    w.upay.script('refund', refunded());
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ refund_request_no: 'r-1', refund_amount: 300, status: 'REFUND_SUCCESS', provider: { biz_result_code: 'REFUND_SUCCESS' } });
    expect(result.refund.work).toBeUndefined();
    expect(result.found.order).toMatchObject({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, refunded_amount: 300, refund_committed: 300 });
    expect(w.upay.methods()).toEqual(['refund']);
    expect(w.telemetry.total('RefundSucceeded')).toBe(1);
  });

  it('sends our client_sn, the refund_request_no, amount and operator, signed for the order’s terminal', async () => {
    w = paidWorld();
    w.upay.script('refund', refunded());
    await refund(w.deps, input({ operator: 'bob' }));
    expect(w.upay.callsOf('refund')).toEqual([
      { method: 'refund', credentials: { sn: TERMINAL, key: signingKey(TERMINAL) }, request: { client_sn: 'sale-1', refund_request_no: 'r-1', refund_amount: 300, operator: 'bob' }, options: { timeoutMs: TIMING.providerTimeoutMs } },
    ]);
  });

  it('reserves the amount and records the refund, in flight with its next step, before calling the provider', async () => {
    w = paidWorld();
    w.upay.script('refund', () => {
      expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ refund_committed: 300, refunded_amount: 0, net_amount: 1000 });
      expect(w.ledger.mustRefund(ORDER_ID, 'r-1')).toMatchObject({
        status: 'REFUND_IN_PROGRESS',
        // The step timer takes over only once this request can no longer be sending it too.
        work: { step: 'query', due_at: START + TIMING.requestLifetimeMs, deadline_at: START, attempts: 0 },
      });
      return refunded();
    });
    done(await refund(w.deps, input()));
    expect(w.upay.leftover('refund')).toBe(0);
  });

  it('marks the order REFUNDED when a refund brings its net to zero', async () => {
    w = paidWorld({ order_status: 'PARTIAL_REFUNDED', net_amount: 300, refunded_amount: 700, refund_committed: 700 });
    w.upay.script('refund', refunded(0));
    const result = done(await refund(w.deps, input()));
    expect(result.found.order).toMatchObject({ order_status: 'REFUNDED', net_amount: 0, refunded_amount: 1000, refund_committed: 1000 });
  });

  it('releases the reservation on REFUND_FAIL: nothing moved', async () => {
    w = paidWorld();
    w.upay.script('refund', { kind: 'failed', error_code: 'SELLER_BALANCE_NOT_ENOUGH', raw: raw('REFUND_FAIL', 'SELLER_BALANCE_NOT_ENOUGH') });
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_FAIL', provider: { biz_error_code: 'SELLER_BALANCE_NOT_ENOUGH' } });
    expect(result.refund.work).toBeUndefined();
    expect(result.found.order).toMatchObject({ order_status: 'PAID', net_amount: 1000, refunded_amount: 0, refund_committed: 0 });
    expect(w.telemetry.total('RefundFailed')).toBe(1);
  });

  it('releases the reservation on REFUND_FAIL whose transaction the provider cancelled', async () => {
    w = paidWorld();
    w.upay.script('refund', { kind: 'failed', order: upayOrder({ status: 'FAIL_CANCELED' }), raw: raw('REFUND_FAIL') });
    const result = done(await refund(w.deps, input()));
    expect(result.refund.status).toBe('REFUND_FAIL');
    expect(result.found.order.refund_committed).toBe(0);
  });

  it.each(['FAIL_IO_1', 'FAIL_PROTOCOL_2', 'FAIL_ERROR'])('keeps the amount reserved and calls a person on REFUND_FAIL with transaction status %s', async (status) => {
    w = paidWorld();
    w.upay.script('refund', { kind: 'failed', order: upayOrder({ status }), raw: raw('REFUND_FAIL') });
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_ERROR', attention: { reason: `REFUND_FAIL with transaction status ${status}` } });
    expect(result.found.order.refund_committed).toBe(300);
  });

  it.each(['REFUNDABLE_AMOUNT_NOT_ENOUGH', 'UPAY_REFUND_INVALID_ORDER_STATE'])('releases the reservation when the provider refuses with %s', async (code) => {
    w = paidWorld();
    w.upay.script('refund', rejected(code));
    const result = done(await refund(w.deps, input()));
    expect(result.refund.status).toBe('REFUND_FAIL');
    expect(result.found.order.refund_committed).toBe(0);
  });

  it('keeps the amount reserved on REFUND_ERROR and flags the refund for a person', async () => {
    w = paidWorld();
    w.upay.script('refund', { kind: 'unknown', reason: 'REFUND_ERROR', raw: raw('REFUND_ERROR') });
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_ERROR', attention: { reason: 'REFUND_ERROR', at: new Date(START).toISOString() }, provider: { biz_result_code: 'REFUND_ERROR' } });
    expect(result.refund.work).toBeUndefined();
    expect(result.found.order).toMatchObject({ order_status: 'PAID', net_amount: 1000, refunded_amount: 0, refund_committed: 300 });
    expect(w.telemetry.total('NeedsAttention')).toBe(1);
    expect(w.upay.methods()).toEqual(['refund']);
  });

  it('counts a REFUND_ERROR amount against what can still be refunded', async () => {
    w = paidWorld();
    w.upay.script('refund', { kind: 'unknown', reason: 'REFUND_ERROR', raw: raw('REFUND_ERROR') });
    await refund(w.deps, input());
    expect(await refund(w.deps, input({ refund_request_no: 'r-2', refund_amount: 701 }))).toEqual({ kind: 'refused', code: 'REFUND_EXCEEDS_NET', message: 'at most 700 cents can still be refunded' });
    expect(w.upay.methods()).toEqual(['refund']);
  });
});

describe('refusals before the provider is asked', () => {
  it('refuses more than what is left, counting refunds still in flight', async () => {
    w = paidWorld({ refund_committed: 800, refunded_amount: 500, net_amount: 500, order_status: 'PARTIAL_REFUNDED' });
    expect(await refund(w.deps, input({ refund_amount: 201 }))).toEqual({ kind: 'refused', code: 'REFUND_EXCEEDS_NET', message: 'at most 200 cents can still be refunded' });
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.callCount('reserveRefund')).toBe(0);
  });

  it('takes a refund of exactly what is left', async () => {
    w = paidWorld({ refund_committed: 700, refunded_amount: 700, net_amount: 300, order_status: 'PARTIAL_REFUNDED' });
    w.upay.script('refund', refunded(0));
    expect(done(await refund(w.deps, input({ refund_amount: 300 }))).found.order).toMatchObject({ order_status: 'REFUNDED', refund_committed: 1000 });
  });

  it.each(['CREATED', 'PAY_CANCELED', 'CANCELED', 'REFUNDED', 'PAY_ERROR'] as const)('refuses an order in %s', async (status) => {
    w = paidWorld({ order_status: status });
    expect(await refund(w.deps, input())).toEqual({ kind: 'refused', code: 'ORDER_NOT_REFUNDABLE', message: `an order in ${status} cannot be refunded` });
    expect(w.upay.calls).toEqual([]);
  });

  it('refuses an order whose revoke or cancel is under way', async () => {
    w = paidWorld({ reversal: 'revoke' });
    expect(await refund(w.deps, input())).toMatchObject({ kind: 'refused', code: 'ORDER_NOT_REFUNDABLE' });
    expect(w.upay.calls).toEqual([]);
  });

  it('does not find another store’s order, nor an unknown one', async () => {
    w = paidWorld();
    expect(await refund(w.deps, input({ store_id: 'store-2' }))).toEqual({ kind: 'not_found' });
    expect(await refund(w.deps, input({ order_id: orderIdFor('other') }))).toEqual({ kind: 'not_found' });
    expect(w.upay.calls).toEqual([]);
  });

  it('refuses a refund_request_no the provider would refuse before reserving anything', async () => {
    w = paidWorld();
    await expect(refund(w.deps, input({ refund_request_no: 'r'.repeat(21) }))).rejects.toThrow(UpayRequestError);
    expect(w.ledger.callCount('reserveRefund')).toBe(0);
    expect(w.ledger.mustOrder(ORDER_ID).refund_committed).toBe(0);
  });
});

describe('the reservation under concurrency', () => {
  it('is refused at the ceiling when another refund reserved first, answering what is left', async () => {
    w = paidWorld();
    // Between our read and our reservation another request reserves 800 of the 1000.
    w.ledger.before('reserveRefund', 1, async (ledger) => {
      expect(await ledger.reserveRefund(order(), refundItem({ refund_request_no: 'r-0', refund_amount: 800 }))).toEqual({ kind: 'reserved' });
    });
    expect(await refund(w.deps, input({ refund_amount: 300 }))).toEqual({ kind: 'refused', code: 'REFUND_EXCEEDS_NET', message: 'at most 200 cents can still be refunded' });
    expect(w.ledger.mustOrder(ORDER_ID).refund_committed).toBe(800);
    expect(w.ledger.refund(ORDER_ID, 'r-1')).toBeUndefined();
    expect(w.upay.calls).toEqual([]);
  });

  it('is refused when a revoke marked the order meanwhile', async () => {
    w = paidWorld();
    w.ledger.raceOn('reserveRefund', 1, ORDER_ID, { reversal: 'revoke' });
    expect(await refund(w.deps, input())).toMatchObject({ kind: 'refused', code: 'ORDER_NOT_REFUNDABLE' });
    expect(w.upay.calls).toEqual([]);
  });

  it('asks to try again when the order changed and changed back meanwhile', async () => {
    w = paidWorld();
    w.ledger.raceOn('reserveRefund', 1, ORDER_ID, { reversal: 'revoke' });
    w.ledger.raceOn('getOrder', 2, ORDER_ID, { reversal: null });
    expect(await refund(w.deps, input())).toEqual({ kind: 'refused', code: 'ORDER_NOT_REFUNDABLE', message: 'the order changed meanwhile; try again' });
    expect(w.upay.calls).toEqual([]);
  });

  it('treats the same refund_request_no reserved meanwhile as the same refund, without calling the provider', async () => {
    w = paidWorld();
    w.ledger.before('reserveRefund', 1, async (ledger) => {
      await ledger.reserveRefund(order(), refundItem({ refund_request_no: 'r-1', refund_amount: 300, operator: 'other-lambda' }));
    });
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ refund_request_no: 'r-1', operator: 'other-lambda', status: 'REFUND_IN_PROGRESS' });
    expect(w.ledger.mustOrder(ORDER_ID).refund_committed).toBe(300);
    expect(w.upay.calls).toEqual([]);
  });

  it('is a conflict when the same refund_request_no was reserved meanwhile for another amount', async () => {
    w = paidWorld();
    w.ledger.before('reserveRefund', 1, async (ledger) => {
      await ledger.reserveRefund(order(), refundItem({ refund_request_no: 'r-1', refund_amount: 500 }));
    });
    expect(await refund(w.deps, input())).toMatchObject({ kind: 'refused', code: 'CONFLICT' });
    expect(w.ledger.mustOrder(ORDER_ID).refund_committed).toBe(500);
  });

  it('counts money once when another path settled the refund first', async () => {
    w = paidWorld();
    w.upay.script('refund', refunded());
    w.ledger.before('settleRefund', 1, async (ledger) => {
      const inFlight = ledger.mustRefund(ORDER_ID, 'r-1');
      await ledger.settleRefund(inFlight, { status: 'REFUND_SUCCESS', work: null }, { refunded: true, refundedBefore: 0 }, { order_status: 'PARTIAL_REFUNDED' });
    });
    const result = done(await refund(w.deps, input()));
    expect(result.found.order).toMatchObject({ net_amount: 700, refunded_amount: 300, refund_committed: 300 });
    expect(w.telemetry.total('RefundSucceeded')).toBe(0);
  });
});

describe('settling a refund while others settle', () => {
  it('books the order status from the amounts as they are when it lands: the last refund makes it REFUNDED', async () => {
    w = paidWorld({ refund_committed: 700 }, [refundItem({ refund_request_no: 'r-0', refund_amount: 700 })]);
    w.upay.script('refund', refunded(0));
    // Just before ours lands, the other refund (700) is booked.
    w.ledger.before('settleRefund', 1, async (ledger) => {
      expect(await ledger.settleRefund(ledger.mustRefund(ORDER_ID, 'r-0'), { status: 'REFUND_SUCCESS', work: null }, { refunded: true, refundedBefore: 0 }, { order_status: 'PARTIAL_REFUNDED' })).toBe(true);
    });
    const result = done(await refund(w.deps, input()));
    expect(result.refund.status).toBe('REFUND_SUCCESS');
    expect(result.found.order).toMatchObject({ order_status: 'REFUNDED', net_amount: 0, refunded_amount: 1000, refund_committed: 1000 });
  });

  it('leaves the refund in flight and due for the timer when its settlement keeps colliding', async () => {
    w = paidWorld();
    w.upay.script('refund', refunded());
    for (let call = 1; call <= 25; call += 1) w.ledger.conflictOn('settleRefund', call);
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_IN_PROGRESS', work: { step: 'query' } });
    expect(result.found.order).toMatchObject({ refund_committed: 300, refunded_amount: 0, net_amount: 1000 });
    expect(w.telemetry.messages('warn')).toContain('refund settlement deferred to the timer');
    expect(w.ledger.callCount('settleRefund')).toBe(25);
  });

  it('releases a refused refund whose release collides with another write to the order, trying again', async () => {
    w = paidWorld();
    w.upay.script('refund', rejected('REFUNDABLE_AMOUNT_NOT_ENOUGH'));
    w.ledger.conflictOn('settleRefund', 1);
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_FAIL' });
    expect(result.refund.work).toBeUndefined();
    expect(result.found.order).toMatchObject({ order_status: 'PAID', refund_committed: 0 });
    expect(w.ledger.callCount('settleRefund')).toBe(2);
    expect(w.telemetry.total('RefundFailed')).toBe(1);
  });

  it('answers BUSY when the reservation collides with another write, reserving nothing', async () => {
    w = paidWorld();
    w.ledger.conflictOn('reserveRefund', 1);
    expect(await refund(w.deps, input())).toEqual({ kind: 'refused', code: 'BUSY', message: 'another change to this order is under way; retry' });
    expect(w.ledger.mustOrder(ORDER_ID).refund_committed).toBe(0);
    expect(w.ledger.refund(ORDER_ID, 'r-1')).toBeUndefined();
    expect(w.upay.calls).toEqual([]);
  });
});

describe('the same refund_request_no again', () => {
  const earlier = () => refundItem({ status: 'REFUND_SUCCESS', work: undefined });

  it('is the same refund: answered from the ledger, never sent twice', async () => {
    w = paidWorld({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, refunded_amount: 300, refund_committed: 300 }, [earlier()]);
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toEqual(earlier());
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.callCount('reserveRefund')).toBe(0);
  });

  it('is a conflict for another amount', async () => {
    w = paidWorld({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, refunded_amount: 300, refund_committed: 300 }, [earlier()]);
    expect(await refund(w.deps, input({ refund_amount: 301 }))).toEqual({ kind: 'refused', code: 'CONFLICT', message: 'refund_request_no r-1 was used for another amount' });
    expect(w.upay.calls).toEqual([]);
  });

  it('is answered even once the order is no longer refundable', async () => {
    w = paidWorld({ order_status: 'REFUNDED', net_amount: 0, refunded_amount: 1000, refund_committed: 1000 }, [refundItem({ refund_amount: 1000, status: 'REFUND_SUCCESS', work: undefined })]);
    expect(done(await refund(w.deps, input({ refund_amount: 1000 }))).refund.status).toBe('REFUND_SUCCESS');
  });
});

describe('a refund whose outcome is unknown (the provider’s exception flow)', () => {
  it.each(['timeout', 'connection_lost', 'bad_reply', 'server_error'] as const)('after a %s, a query showing our refund with SUCCESS settles it without resending', async (kind) => {
    w = paidWorld();
    w.upay.script('refund', transport(kind));
    w.upay.script('query', showsRefund('r-1', 'SUCCESS'));
    const result = done(await refund(w.deps, input()));
    expect(result.refund.status).toBe('REFUND_SUCCESS');
    expect(result.found.order).toMatchObject({ net_amount: 700, refunded_amount: 300, order_status: 'PARTIAL_REFUNDED' });
    expect(w.upay.methods()).toEqual(['refund', 'query']);
    expect(w.upay.callsOf('query')[0]?.request).toEqual({ client_sn: 'sale-1' });
  });

  it('resends with the SAME refund_request_no when the order does not show it, and settles the reply', async () => {
    w = paidWorld();
    w.upay.script('refund', transport('timeout'), refunded());
    w.upay.script('query', found(upayOrder({ client_tsn: undefined })));
    const result = done(await refund(w.deps, input()));
    expect(result.refund.status).toBe('REFUND_SUCCESS');
    const sent = w.upay.callsOf('refund').map((call) => call.request);
    expect(sent).toEqual([
      { client_sn: 'sale-1', refund_request_no: 'r-1', refund_amount: 300, operator: 'ann' },
      { client_sn: 'sale-1', refund_request_no: 'r-1', refund_amount: 300, operator: 'ann' },
    ]);
    expect(w.upay.methods()).toEqual(['refund', 'query', 'refund']);
  });

  it('resends when the order’s latest transaction is another refund', async () => {
    w = paidWorld();
    w.upay.script('refund', transport('timeout'), refunded());
    w.upay.script('query', showsRefund('r-0', 'SUCCESS'));
    done(await refund(w.deps, input()));
    expect(w.upay.callsOf('refund').map((call) => call.request.refund_request_no)).toEqual(['r-1', 'r-1']);
  });

  it.each([
    ['fails', transport('timeout')],
    ['finds no order', notFound()],
  ])('resends with the same number when the query itself %s', async (_label, queryReply) => {
    w = paidWorld();
    w.upay.script('refund', transport('timeout'), refunded());
    w.upay.script('query', queryReply);
    expect(done(await refund(w.deps, input())).refund.status).toBe('REFUND_SUCCESS');
    expect(w.upay.callsOf('refund').map((call) => call.request.refund_request_no)).toEqual(['r-1', 'r-1']);
  });

  it('on REFUND_IN_PROGRESS, waits for the provider instead of resending, and schedules another round', async () => {
    w = paidWorld();
    w.upay.script('refund', { kind: 'in_progress', raw: raw('REFUND_IN_PROGRESS') });
    w.upay.script('query', showsRefund('r-1', 'IN_PROG', 1000));
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_IN_PROGRESS', work: { step: 'query', attempts: 1, due_at: START + TIMING.pollIntervalMs } });
    expect(result.found.order).toMatchObject({ refund_committed: 300, refunded_amount: 0 });
    expect(w.upay.methods()).toEqual(['refund', 'query']);
  });

  it.each(['FAIL_CANCELED', 'FAIL_IO_1', 'FAIL_ERROR', 'REFUND_ERROR'])('escalates, keeping the amount reserved, when the order shows our refund as %s', async (status) => {
    w = paidWorld();
    w.upay.script('refund', transport('timeout'));
    w.upay.script('query', showsRefund('r-1', status, 1000));
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_ERROR', attention: { reason: `refund transaction status ${status}` } });
    expect(result.refund.work).toBeUndefined();
    expect(result.found.order).toMatchObject({ refund_committed: 300, refunded_amount: 0, net_amount: 1000 });
    expect(w.upay.methods()).toEqual(['refund', 'query']);
  });

  it('releases the reservation when the resend is answered REFUND_FAIL', async () => {
    w = paidWorld();
    w.upay.script('refund', transport('timeout'), { kind: 'failed', raw: raw('REFUND_FAIL') });
    w.upay.script('query', notFound());
    const result = done(await refund(w.deps, input()));
    expect(result.refund.status).toBe('REFUND_FAIL');
    expect(result.found.order.refund_committed).toBe(0);
  });

  it('leaves the exception flow to the step timer when the first send used up the request’s time', async () => {
    w = paidWorld();
    w.upay.script('refund', () => {
      w.clock.advance(TIMING.providerTimeoutMs);
      return transport('timeout');
    });
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_IN_PROGRESS', work: { step: 'query', attempts: 0, due_at: START + TIMING.requestLifetimeMs } });
    expect(w.upay.methods()).toEqual(['refund']);
  });

  it('calls a person, keeping the amount reserved, when a resend under the same number is refused', async () => {
    w = paidWorld();
    w.upay.script('refund', transport('timeout'), rejected('REFUNDABLE_AMOUNT_NOT_ENOUGH'));
    w.upay.script('query', notFound());
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_ERROR', attention: { reason: 'resent refund refused: REFUNDABLE_AMOUNT_NOT_ENOUGH' } });
    expect(result.found.order.refund_committed).toBe(300);
  });

  it('counts a round that learns nothing and schedules the next one', async () => {
    w = paidWorld();
    w.upay.script('refund', transport('timeout'), transport('timeout'));
    w.upay.script('query', notFound());
    const result = done(await refund(w.deps, input()));
    expect(result.refund).toMatchObject({ status: 'REFUND_IN_PROGRESS', work: { step: 'query', attempts: 1, due_at: START + TIMING.pollIntervalMs } });
    expect(result.found.order.refund_committed).toBe(300);
  });

  it('keeps resending under the same number with backoff while nothing is learnt, and calls a person only after hours, the amount still reserved', async () => {
    w = paidWorld();
    w.upay.always('refund', transport('timeout'));
    w.upay.always('query', notFound());
    done(await refund(w.deps, input()));
    let settled = false;
    for (let round = 0; round < 500 && !settled; round += 1) {
      const current = w.ledger.mustRefund(ORDER_ID, 'r-1');
      w.clock.ms = current.work?.due_at ?? w.clock.ms;
      settled = await resolveRefund(w.deps, w.ledger.mustOrder(ORDER_ID), current);
    }
    expect(settled).toBe(true);
    expect(w.clock.ms - START).toBeGreaterThanOrEqual(retryPatienceMs(TIMING));
    const stored = w.ledger.mustRefund(ORDER_ID, 'r-1');
    expect(stored).toMatchObject({ status: 'REFUND_ERROR', attention: { reason: 'refund outcome unknown for hours' } });
    expect(stored.work).toBeUndefined();
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ refund_committed: 300, refunded_amount: 0 });
    const numbers = w.upay.callsOf('refund').map((call) => call.request.refund_request_no);
    expect(numbers.length).toBeGreaterThan(TIMING.maxAttempts);
    expect(numbers.length).toBeLessThan(200);
    expect(new Set(numbers)).toEqual(new Set(['r-1']));
  });

  it('settles a refund sent during a 5-minute provider maintenance once the maintenance ends, calling no one', async () => {
    w = paidWorld();
    const maintenanceEnds = START + 5 * 60_000;
    const maintenance = { kind: 'transport' as const, failure: { kind: 'server_error' as const, code: 'MAINTENANCE_INPROGRESS', maintenance: true } };
    w.upay.always('refund', () => (w.clock.ms < maintenanceEnds ? maintenance : refunded()));
    w.upay.always('query', () => (w.clock.ms < maintenanceEnds ? maintenance : notFound()));
    done(await refund(w.deps, input()));
    let settled = false;
    for (let round = 0; round < 100 && !settled; round += 1) {
      const current = w.ledger.mustRefund(ORDER_ID, 'r-1');
      w.clock.ms = current.work?.due_at ?? w.clock.ms;
      settled = await resolveRefund(w.deps, w.ledger.mustOrder(ORDER_ID), current);
    }
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1')).toMatchObject({ status: 'REFUND_SUCCESS' });
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1').attention).toBeUndefined();
  });

  it('polls a refund the provider reports in progress ever more slowly, without counting it towards a person', async () => {
    w = paidWorld({ refund_committed: 300 }, [refundItem()]);
    w.upay.always('query', showsRefund('r-1', 'IN_PROG', 1000));
    const gaps: number[] = [];
    for (let round = 0; round < 9; round += 1) {
      const before = w.clock.now();
      expect(await resolveRefund(w.deps, w.ledger.mustOrder(ORDER_ID), w.ledger.mustRefund(ORDER_ID, 'r-1'))).toBe(false);
      const work = w.ledger.mustRefund(ORDER_ID, 'r-1').work;
      gaps.push((work?.due_at ?? 0) - before);
      w.clock.ms = work?.due_at ?? w.clock.ms;
    }
    expect(gaps).toEqual([3_000, 6_000, 12_000, 24_000, 48_000, 96_000, 192_000, 384_000, 600_000]);
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1')).toMatchObject({ status: 'REFUND_IN_PROGRESS', work: { attempts: 9 } });
    expect(w.upay.callsOf('refund')).toEqual([]);
  });

  it('calls a person for a refund still in progress a day after it was asked for', async () => {
    w = paidWorld({ refund_committed: 300 }, [refundItem()]);
    w.clock.ms = START + 24 * 3_600_000 + 1;
    w.upay.script('query', showsRefund('r-1', 'IN_PROG', 1000));
    expect(await resolveRefund(w.deps, w.ledger.mustOrder(ORDER_ID), w.ledger.mustRefund(ORDER_ID, 'r-1'))).toBe(true);
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1')).toMatchObject({ status: 'REFUND_ERROR', attention: { reason: 'refund still in progress at the provider after a day' } });
    expect(w.ledger.mustOrder(ORDER_ID).refund_committed).toBe(300);
  });

  it('does nothing more for a refund another path already settled', async () => {
    w = paidWorld({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, refunded_amount: 300, refund_committed: 300 }, [refundItem({ status: 'REFUND_SUCCESS', work: undefined })]);
    w.upay.script('query', notFound());
    w.upay.script('refund', refunded());
    expect(await resolveRefund(w.deps, w.ledger.mustOrder(ORDER_ID), refundItem())).toBe(true);
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ net_amount: 700, refunded_amount: 300 });
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1').status).toBe('REFUND_SUCCESS');
  });
});
