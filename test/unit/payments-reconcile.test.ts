// The timer's worker steps with fakes: each due item's next step of the provider's exception flow —
// query until the deadline, then cancel; settle, retry boundedly, or call a person.
import { afterEach, describe, expect, it } from 'vitest';
import { advance } from '../../lib/payments/reconcile.js';
import { wakeUpFor } from '../../lib/payments/sweep.js';
import { orderIdFor, type Order, type Work } from '../../lib/payments/model.js';
import type { CancelOutcome } from '../../lib/upay/index.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { stepBudgetMs } from '../../lib/payments/claim.js';
import { retryPatienceMs } from '../../lib/payments/retry-policy.js';
import { found, notFound, openOrder, order, PROVIDER_SN, raw, refundItem, rejected, START, TIMING, transport, upayOrder, world, type World } from './support/payments.js';

const ORDER_ID = orderIdFor('sale-1');
const NOW = START + 23_000;
const canceledReply = (aborted = false): CancelOutcome => ({ kind: 'canceled', aborted, order: upayOrder({ order_status: 'CANCELED', net_amount: 0 }), raw: raw('CANCEL_SUCCESS') });
const created = () => found(upayOrder({ order_status: 'CREATED', status: 'IN_PROG', net_amount: 0 }));
const work = (overrides: Partial<Work> = {}): Work => ({ step: 'query', due_at: NOW, deadline_at: START + 45_000, attempts: 0, ...overrides });

let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

function due(seed: Order, now = NOW): World {
  const fresh = world({ now });
  fresh.ledger.seed(seed);
  return fresh;
}

/** What the timer does with the items due now: a wake-up for each, all at once (as a batch of its worker). */
async function pass(target: World, limit = 10): Promise<{ processed: number; errors: number }> {
  const items = await target.deps.ledger.due(target.deps.now(), limit);
  const results = await Promise.allSettled(items.map((item) => advance(target.deps, wakeUpFor(item))));
  const errors = results.filter((result) => result.status === 'rejected').length;
  return { processed: results.length - errors, errors };
}
const stored = () => w.ledger.mustOrder(ORDER_ID);

describe('the query step', () => {
  it('before the deadline, reschedules an open order one poll interval on, keeping deadline and attempts', async () => {
    w = due(openOrder({ work: work({ attempts: 2 }) }));
    w.upay.script('query', created());
    expect(await pass(w)).toEqual({ processed: 1, errors: 0 });
    expect(stored().work).toEqual(work({ due_at: NOW + TIMING.pollIntervalMs, attempts: 2 }));
    expect(stored().order_status).toBe('CREATED');
  });

  it('queries by client_sn while the provider sn is unknown, and by sn once it is known', async () => {
    w = due(openOrder({ work: work() }));
    w.upay.always('query', created());
    await pass(w);
    w.ledger.writeAsAnother(ORDER_ID, { sn: PROVIDER_SN });
    w.clock.advance(TIMING.pollIntervalMs);
    await pass(w);
    expect(w.upay.callsOf('query').map((call) => call.request)).toEqual([{ client_sn: 'sale-1' }, { sn: PROVIDER_SN }]);
  });

  it('polls a young precreated order on the fast schedule and an older one on the slower precreate schedule', async () => {
    const young = START + TIMING.precreateFastMs - 1;
    w = due(openOrder({ kind: 'precreate', work: work({ due_at: young, deadline_at: START + 120_000 }) }), young);
    w.upay.always('query', created());
    await pass(w);
    expect(stored().work?.due_at).toBe(young + TIMING.precreateFastPollMs);
    w.clock.ms = START + TIMING.precreateFastMs;
    w.ledger.writeAsAnother(ORDER_ID, { work: work({ due_at: w.clock.ms, deadline_at: START + 120_000 }) });
    await pass(w);
    expect(stored().work?.due_at).toBe(START + TIMING.precreateFastMs + TIMING.precreatePollMs);
  });

  it('polls a pay order at the normal interval whatever its age', async () => {
    w = due(openOrder({ work: work({ due_at: START + 1_000, deadline_at: START + 45_000 }) }), START + 1_000);
    w.upay.script('query', created());
    await pass(w);
    expect(stored().work?.due_at).toBe(START + 1_000 + TIMING.pollIntervalMs);
  });

  it('settles PAID and PAY_CANCELED, ending the work', async () => {
    w = due(openOrder({ work: work() }));
    w.upay.script('query', found(upayOrder()));
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'PAID', net_amount: 1000 });
    expect(stored().work).toBeUndefined();

    w = due(openOrder({ work: work() }));
    w.upay.script('query', found(upayOrder({ order_status: 'PAY_CANCELED', net_amount: 0 })));
    await pass(w);
    expect(stored().order_status).toBe('PAY_CANCELED');
    expect(stored().work).toBeUndefined();
  });

  it('calls a person for a provider status that needs one, ending the work', async () => {
    w = due(openOrder({ work: work() }));
    w.upay.script('query', found(upayOrder({ order_status: 'PAY_ERROR', status: 'FAIL_ERROR' })));
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'PAY_ERROR', attention: { reason: 'provider order status PAY_ERROR' } });
    expect(stored().work).toBeUndefined();
  });

  it('cancels in the same pass once the deadline is reached with the order still open, marked before the cancel is sent', async () => {
    const deadline = START + 45_000;
    w = due(openOrder({ work: work({ due_at: deadline, deadline_at: deadline }) }), deadline);
    w.upay.script('query', created());
    let seen: Order | undefined;
    w.upay.script('cancel', () => {
      seen = w.ledger.order(ORDER_ID);
      return canceledReply();
    });
    await pass(w);
    // Claimed by this run for as long as the step can take: an overlapping run leaves it alone.
    expect(seen).toMatchObject({ order_status: 'CREATED', reversal: 'cancel', work: { step: 'cancel', due_at: deadline + stepBudgetMs(TIMING) } });
    expect(w.upay.methods()).toEqual(['query', 'cancel']);
    expect(w.upay.callsOf('cancel')[0]?.request).toEqual({ client_sn: 'sale-1' });
    expect(stored()).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
    expect(stored().work).toBeUndefined();
  });

  it('does not cancel one millisecond before the deadline', async () => {
    const deadline = START + 45_000;
    w = due(openOrder({ work: work({ due_at: deadline - 1, deadline_at: deadline }) }), deadline - 1);
    w.upay.script('query', created());
    await pass(w);
    expect(w.upay.methods()).toEqual(['query']);
    // The next look is at the deadline itself, not a polling interval past it.
    expect(stored().work).toMatchObject({ step: 'query', due_at: deadline });
  });

  it.each(['timeout', 'not_sent', 'server_error'] as const)('cancels after the deadline when the provider is unreachable (%s)', async (kind) => {
    w = due(openOrder({ work: work({ deadline_at: NOW }) }));
    w.upay.script('query', transport(kind));
    w.upay.script('cancel', canceledReply(true));
    await pass(w);
    expect(w.upay.methods()).toEqual(['query', 'cancel']);
    expect(stored().order_status).toBe('CANCELED');
  });

  it.each([-1_000, 0])('sends the deadline cancel within 5 s of the deadline when the last query (due %i ms from it) gets no answer', async (fromDeadline) => {
    const deadline = START + 45_000;
    w = due(openOrder({ work: work({ due_at: deadline + fromDeadline, deadline_at: deadline }) }), deadline + fromDeadline);
    // The provider does not answer: the query waits for as long as it is allowed to.
    w.upay.script('query', (call) => {
      w.clock.advance(call.options?.timeoutMs ?? TIMING.providerTimeoutMs);
      return transport('timeout');
    });
    let cancelSentAt = 0;
    w.upay.script('cancel', () => {
      cancelSentAt = w.clock.ms;
      return canceledReply();
    });
    await pass(w);
    expect(w.upay.methods()).toEqual(['query', 'cancel']);
    expect(cancelSentAt - deadline).toBeLessThanOrEqual(5_000);
  });

  it('runs the whole exception flow: polls at the interval until the deadline, then cancels at the deadline', async () => {
    w = due(openOrder());
    w.clock.ms = START;
    w.upay.always('query', created());
    w.upay.script('cancel', canceledReply());
    const queriedAt: number[] = [];
    for (let passes = 0; passes < 20 && stored().work; passes += 1) {
      w.clock.ms = stored().work?.due_at ?? w.clock.ms;
      if (stored().work?.step === 'query') queriedAt.push(w.clock.ms - START);
      await pass(w);
    }
    expect(queriedAt).toEqual([23_000, 26_000, 29_000, 32_000, 35_000, 38_000, 41_000, 44_000, 45_000]);
    expect(w.upay.methods()).toEqual([...queriedAt.map(() => 'query'), 'cancel']);
    expect(stored()).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
  });
});

describe('the cancel step', () => {
  const cancelDue = (attempts = 0, overrides: Partial<Order> = {}) => due(openOrder({ work: work({ step: 'cancel', deadline_at: START + 45_000, attempts }), ...overrides }));

  it.each([false, true])('settles CANCELED on CANCEL_SUCCESS (aborted: %s)', async (aborted) => {
    w = cancelDue();
    w.upay.script('cancel', canceledReply(aborted));
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'CANCELED', net_amount: 0, provider: { biz_result_code: 'CANCEL_SUCCESS' } });
    expect(stored().work).toBeUndefined();
  });

  it('closes as PAY_CANCELED when the provider never created the order and the pay can no longer arrive', async () => {
    w = cancelDue();
    w.clock.ms = START + TIMING.requestLifetimeMs;
    w.upay.script('cancel', notFound());
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0 });
    expect(stored().work).toBeUndefined();
  });

  it('keeps the cancel mark and looks again once the pay can no longer arrive, when the provider has no such order yet', async () => {
    w = cancelDue();
    w.upay.script('cancel', notFound());
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'CREATED', work: { step: 'query', due_at: START + TIMING.requestLifetimeMs } });
  });

  it('turns to querying while the cancel is in progress, counting the attempt', async () => {
    w = cancelDue(1);
    w.upay.script('cancel', { kind: 'in_progress', aborted: true, raw: raw('CANCEL_ABORT_IN_PROGRESS') });
    await pass(w);
    expect(stored().work).toEqual(work({ step: 'query', attempts: 2, due_at: NOW + TIMING.pollIntervalMs }));
    expect(stored().order_status).toBe('CREATED');
  });

  it.each(['UPAY_CANCEL_ORDER_NOOP', 'UPAY_CANCEL_INVALID_ORDER_STATE'])('turns to querying after %s', async (code) => {
    w = cancelDue();
    w.upay.script('cancel', rejected(code));
    await pass(w);
    expect(stored().work).toMatchObject({ step: 'query', attempts: 1 });
  });

  it.each(['timeout', 'connection_lost', 'bad_reply', 'server_error', 'not_sent'] as const)('sends the cancel again later after a %s, counting the attempt', async (kind) => {
    w = cancelDue(3);
    w.upay.script('cancel', transport(kind));
    await pass(w);
    expect(stored().work).toEqual(work({ step: 'cancel', attempts: 4, due_at: NOW + TIMING.pollIntervalMs }));
    expect(stored().attention).toBeUndefined();
  });

  /** Runs every pass when it falls due, until the order's work is done or `passes` are used up. */
  async function untilSettled(passes: number): Promise<void> {
    for (let n = 0; n < passes && stored().work; n += 1) {
      w.clock.ms = Math.max(w.clock.ms, stored().work?.due_at ?? w.clock.ms);
      await pass(w);
    }
  }

  const maintenance: CancelOutcome = { kind: 'transport', failure: { kind: 'server_error', code: 'MAINTENANCE_INPROGRESS', maintenance: true } };
  const badGateway: CancelOutcome = { kind: 'transport', failure: { kind: 'bad_reply', reason: 'HTTP status 502', httpStatus: 502 } };
  const refusedConnection: CancelOutcome = { kind: 'transport', failure: { kind: 'not_sent', cause: 'ECONNREFUSED' } };

  it.each([
    ['maintenance', maintenance],
    ['a 502', badGateway],
    ['a refused connection', refusedConnection],
    ['a timeout', transport('timeout')],
  ] as const)('cancels the order once a 5-minute outage (%s) over its deadline ends: no person is called', async (_label, reply) => {
    w = cancelDue(0);
    const outageEnds = NOW + 5 * 60_000;
    w.upay.always('cancel', () => (w.clock.ms < outageEnds ? reply : canceledReply(true)));
    await untilSettled(100);
    expect(stored()).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
    expect(stored().attention).toBeUndefined();
    // Backed off: a few dozen tries in the outage, not one every polling interval.
    expect(w.upay.callsOf('cancel').length).toBeLessThan(40);
  });

  it('keeps sending a cancel whose outcome stays unknown for hours, ever more slowly, then calls a person', async () => {
    w = cancelDue(0);
    w.upay.always('cancel', transport('timeout'));
    await untilSettled(500);
    const sent = w.upay.callsOf('cancel').length;
    expect(stored()).toMatchObject({ order_status: 'CREATED', attention: { reason: 'cancel: timeout for hours' } });
    expect(w.clock.ms - (START + 45_000)).toBeGreaterThanOrEqual(retryPatienceMs(TIMING));
    expect(sent).toBeGreaterThan(TIMING.maxAttempts);
    expect(sent).toBeLessThan(200);
    expect(stored().work).toBeUndefined();
  });

  it('keeps querying a cancel the provider reports in progress, then calls a person after hours', async () => {
    w = cancelDue(0);
    w.upay.always('cancel', { kind: 'in_progress', aborted: false, raw: raw('CANCEL_IN_PROGRESS') });
    w.upay.always('query', created());
    await untilSettled(1_000);
    expect(stored().attention?.reason).toMatch(/ for hours$/);
    expect(w.clock.ms - (START + 45_000)).toBeGreaterThanOrEqual(retryPatienceMs(TIMING));
  });

  it('calls a person when the provider refuses the cancel', async () => {
    w = cancelDue();
    w.upay.script('cancel', rejected('UPAY_TERMINAL_STATUS_ABNORMAL'));
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'CREATED', attention: { reason: 'UPAY_TERMINAL_STATUS_ABNORMAL' } });
    expect(stored().work).toBeUndefined();
  });

  it('calls a person on CANCEL_ERROR', async () => {
    w = cancelDue();
    w.upay.script('cancel', { kind: 'unknown', reason: 'CANCEL_ERROR', raw: raw('CANCEL_ERROR') });
    await pass(w);
    expect(stored().attention?.reason).toBe('cancel: CANCEL_ERROR');
    expect(stored().work).toBeUndefined();
  });

  it('closes a paid order an admin is cancelling, ending the mark', async () => {
    w = due(order({ reversal: 'cancel', work: work({ step: 'cancel' }) }));
    w.upay.script('cancel', canceledReply());
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
    expect(stored().reversal).toBeUndefined();
  });

  it('calls a person when the provider says it never had a paid order we are cancelling', async () => {
    w = due(order({ reversal: 'cancel', work: work({ step: 'cancel' }) }));
    w.upay.script('cancel', notFound());
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'PAID', attention: { reason: 'provider says UPAY_ORDER_NOT_EXISTS for an order we hold as PAID' } });
  });
});

describe('a reversal the provider does not show yet', () => {
  it('sends a cancel again while the provider still shows the order PAID', async () => {
    w = due(order({ reversal: 'cancel', work: work({ deadline_at: NOW }) }));
    w.upay.script('query', found(upayOrder()));
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'PAID', reversal: 'cancel', work: { step: 'cancel', attempts: 1, due_at: NOW + TIMING.pollIntervalMs } });
    expect(w.upay.methods()).toEqual(['query']);
  });

  it('only queries again, never resends, a revoke the provider still shows PAID', async () => {
    w = due(order({ reversal: 'revoke', work: work({ deadline_at: NOW }) }));
    w.upay.script('query', found(upayOrder()));
    await pass(w);
    expect(stored()).toMatchObject({ reversal: 'revoke', work: { step: 'query', attempts: 1 } });
  });

  it('calls a person when the provider still shows PAID after the allowed attempts, keeping the mark', async () => {
    w = due(order({ reversal: 'revoke', work: work({ attempts: TIMING.maxAttempts - 1 }) }));
    w.upay.script('query', found(upayOrder()));
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'PAID', reversal: 'revoke', attention: { reason: `revoke not confirmed by the provider after ${TIMING.maxAttempts} attempts` } });
    expect(stored().work).toBeUndefined();
  });

  it.each([
    ['open', created()],
    ['unreachable', transport('timeout')],
  ] as const)('sends a cancel again while the order is %s at the provider, counting the attempt', async (_label, reply) => {
    w = due(openOrder({ reversal: 'cancel', work: work({ deadline_at: START }) }));
    w.upay.script('query', reply);
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'CREATED', reversal: 'cancel', work: { step: 'cancel', attempts: 1 } });
    expect(w.upay.methods()).toEqual(['query']);
  });

  it('never resends a revoke: an open or unreachable order is only queried again', async () => {
    w = due(order({ reversal: 'revoke', work: work({ deadline_at: START }) }));
    w.upay.script('query', transport('timeout'));
    await pass(w);
    // Unanswered is not "not confirmed": it is asked again with backoff (half the time waited since the mark).
    expect(stored()).toMatchObject({ reversal: 'revoke', work: { step: 'query', attempts: 1, due_at: NOW + (NOW - START) / 2 } });
    expect(stored().attention).toBeUndefined();
    expect(w.upay.methods()).toEqual(['query']);
  });

  it('settles the reversal once the provider shows the order CANCELED', async () => {
    w = due(order({ reversal: 'cancel', work: work({ attempts: 2 }) }));
    w.upay.script('query', found(upayOrder({ order_status: 'CANCELED', net_amount: 0 })));
    await pass(w);
    expect(stored()).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
    expect(stored().reversal).toBeUndefined();
    expect(stored().work).toBeUndefined();
  });
});

describe('a query that changes nothing', () => {
  it('still moves the work on, so the step cannot spin, and calls a person after the allowed attempts', async () => {
    // A booked order that still has a query step due (left by an older version, or a race).
    w = due(order({ work: work({ attempts: 0 }) }));
    w.upay.always('query', found(upayOrder()));
    await pass(w);
    expect(stored().work).toEqual(work({ attempts: 1, due_at: NOW + TIMING.pollIntervalMs }));
    for (let passes = 0; passes < 10 && stored().work; passes += 1) {
      w.clock.ms = stored().work?.due_at ?? w.clock.ms;
      await pass(w);
    }
    expect(stored()).toMatchObject({ order_status: 'PAID', attention: { reason: `query verdict paid changed nothing after ${TIMING.maxAttempts} attempts` } });
    expect(w.upay.callsOf('query')).toHaveLength(TIMING.maxAttempts);
  });
});

describe('refund items', () => {
  const paid = () => order({ refund_committed: 300 });
  const refundDue = () => {
    const fresh = world({ now: NOW });
    fresh.ledger.seed(paid(), [refundItem({ work: { step: 'query', due_at: NOW, deadline_at: START, attempts: 1 } })]);
    return fresh;
  };

  it('runs a round of the refund exception flow for a due refund', async () => {
    w = refundDue();
    w.upay.script('query', found(upayOrder({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, client_tsn: 'sale-1-r-1', status: 'SUCCESS' })));
    expect(await pass(w)).toEqual({ processed: 1, errors: 0 });
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1').status).toBe('REFUND_SUCCESS');
    expect(stored()).toMatchObject({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, refunded_amount: 300 });
  });

  it('resends with the same number and counts the attempt when nothing is learnt', async () => {
    w = refundDue();
    w.upay.script('query', notFound());
    w.upay.script('refund', transport('timeout'));
    await pass(w);
    expect(w.upay.callsOf('refund').map((call) => call.request.refund_request_no)).toEqual(['r-1']);
    // Backed off: half the time waited since the refund was asked for.
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1').work).toMatchObject({ attempts: 2, due_at: NOW + (NOW - START) / 2 });
  });

  it('skips a refund that is not due yet, or already settled, even when handed a stale item', async () => {
    w = world({ now: NOW });
    w.ledger.seed(paid(), [
      refundItem({ refund_request_no: 'later', work: { step: 'query', due_at: NOW + 1, deadline_at: START, attempts: 0 } }),
      refundItem({ refund_request_no: 'settled', status: 'REFUND_SUCCESS', work: undefined }),
      refundItem({ refund_request_no: 'stuck', status: 'REFUND_ERROR', work: undefined }),
    ]);
    for (const no of ['later', 'settled', 'stuck', 'missing']) await advance(w.deps, { order_id: ORDER_ID, refund_request_no: no, due_at: NOW });
    expect(w.upay.calls).toEqual([]);
  });
});

describe('items not to be worked on', () => {
  it('skips an order not yet due, one already settled and one that vanished, even when handed stale items', async () => {
    w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work({ due_at: NOW + 1 }) }));
    w.ledger.seed(order({ client_sn: 'sale-2', sn: '7895000000000002' }));
    for (const orderId of [ORDER_ID, orderIdFor('sale-2'), orderIdFor('gone')]) await advance(w.deps, { order_id: orderId, due_at: NOW });
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.callCount('updateOrder')).toBe(0);
  });

  it('does not take items that are not due yet', async () => {
    w = due(openOrder({ work: work({ due_at: NOW + 1 }) }));
    expect(await pass(w)).toEqual({ processed: 0, errors: 0 });
    expect(w.upay.calls).toEqual([]);
  });

  it('skips an item another worker settled between listing and working on it', async () => {
    w = due(openOrder({ work: work() }));
    w.ledger.raceOn('getOrder', 1, ORDER_ID, { order_status: 'PAID', net_amount: 1000, work: null });
    expect(await pass(w)).toEqual({ processed: 1, errors: 0 });
    expect(w.upay.calls).toEqual([]);
  });

  it('does not move a step someone else moved meanwhile', async () => {
    w = due(openOrder({ work: work() }));
    w.upay.script('query', () => {
      w.ledger.writeAsAnother(ORDER_ID, { work: work({ step: 'cancel', due_at: NOW + 5 }) });
      return created();
    });
    await pass(w);
    expect(stored().work).toEqual(work({ step: 'cancel', due_at: NOW + 5 }));
  });
});

describe('claims', () => {
  it('two overlapping runs that both find a step due send it once: the step is claimed before it is sent', async () => {
    w = due(openOrder({ work: work() }));
    w.upay.always('query', created());
    const [a, b] = await Promise.all([pass(w), pass(w)]);
    expect(w.upay.callsOf('query')).toHaveLength(1);
    expect(a.processed + b.processed).toBe(2);
    expect(stored().work).toEqual(work({ due_at: NOW + TIMING.pollIntervalMs }));
  });

  it('two overlapping runs send a due deadline cancel once', async () => {
    w = due(openOrder({ reversal: 'cancel', work: work({ step: 'cancel' }) }));
    w.upay.always('cancel', canceledReply(true));
    await Promise.all([pass(w), pass(w), pass(w)]);
    expect(w.upay.callsOf('cancel')).toHaveLength(1);
    expect(stored().order_status).toBe('CANCELED');
  });

  it('two overlapping runs send a due refund round once', async () => {
    w = world({ now: NOW });
    w.ledger.seed(order({ refund_committed: 300 }), [refundItem({ work: { step: 'query', due_at: NOW, deadline_at: START, attempts: 0 } })]);
    w.upay.always('query', found(upayOrder({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, client_tsn: 'sale-1-r-1', status: 'SUCCESS' })));
    await Promise.all([pass(w), pass(w)]);
    expect(w.upay.callsOf('query')).toHaveLength(1);
    expect(w.ledger.mustRefund(ORDER_ID, 'r-1').status).toBe('REFUND_SUCCESS');
  });

  it('a step whose run died is due again once its claim runs out', async () => {
    w = due(openOrder({ work: work() }));
    w.upay.script('query', created());
    w.ledger.failOn('updateOrder', 2, new Error('the Lambda was killed here'));
    expect(await pass(w)).toEqual({ processed: 0, errors: 1 });
    expect(stored().work?.due_at).toBe(NOW + stepBudgetMs(TIMING));
  });
});
