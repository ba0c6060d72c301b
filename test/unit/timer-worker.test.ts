// The timer's worker and the sweep with fakes: a due wake-up runs its step and schedules the
// next one; an early one is sent again for its time; a duplicate or stale one changes nothing;
// a step that throws fails only its own message; the sweep wakes only what is overdue past
// its grace. Pay, precreate, refund and reversal schedule only what they leave open.
import { describe, expect, it } from 'vitest';
import { advance, advanceBatch } from '../../lib/payments/reconcile.js';
import { sweep } from '../../lib/payments/sweep.js';
import { pay } from '../../lib/payments/pay.js';
import { orderIdFor, type Work } from '../../lib/payments/model.js';
import { timerBody } from '../../lib/timer/index.js';
import { found, openOrder, order, PROVIDER_SN, START, TIMING, upayOrder, world, raw, refundItem } from './support/payments.js';

const NOW = START + 10_000;
const ORDER_ID = orderIdFor('sale-1');
const work = (overrides: Partial<Work> = {}): Work => ({ step: 'query', due_at: NOW, deadline_at: START + 45_000, attempts: 0, ...overrides });
const created = () => found(upayOrder({ order_status: 'CREATED', status: 'IN_PROG', net_amount: 0 }));

describe('a wake-up', () => {
  it('runs the due step and schedules the next one at its new due time', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work() }));
    w.upay.script('query', created());
    expect(await advance(w.deps, { order_id: ORDER_ID, due_at: NOW })).toBe('stepped');
    expect(w.upay.callsOf('query')).toHaveLength(1);
    expect(w.timer.scheduled).toEqual([{ order_id: ORDER_ID, due_at: NOW + TIMING.pollIntervalMs }]);
  });

  it('schedules nothing once the step settled the order', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work() }));
    w.upay.script('query', found(upayOrder()));
    expect(await advance(w.deps, { order_id: ORDER_ID, due_at: NOW })).toBe('stepped');
    expect(w.ledger.mustOrder(ORDER_ID).order_status).toBe('PAID');
    expect(w.timer.scheduled).toEqual([]);
  });

  it('arriving early (a step beyond SQS\'s 15 minutes) is sent again for its time, without a provider call', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work({ due_at: NOW + 20 * 60_000 }) }));
    expect(await advance(w.deps, { order_id: ORDER_ID, due_at: NOW + 20 * 60_000 })).toBe('rescheduled');
    expect(w.timer.scheduled).toEqual([{ order_id: ORDER_ID, due_at: NOW + 20 * 60_000 }]);
    expect(w.ledger.mustOrder(ORDER_ID).version).toBe(openOrder().version);
  });

  it('a duplicate of a wake-up whose step already ran is dropped: one provider call, one next wake-up', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work() }));
    w.upay.script('query', created());
    const message = { order_id: ORDER_ID, due_at: NOW };
    expect(await advance(w.deps, message)).toBe('stepped');
    expect(await advance(w.deps, message)).toBe('dropped');
    expect(w.upay.callsOf('query')).toHaveLength(1);
    expect(w.timer.scheduled).toHaveLength(1);
  });

  it('two copies at once send the step once: only the one that claims it schedules the next', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work() }));
    w.upay.always('query', created());
    const message = { order_id: ORDER_ID, due_at: NOW };
    const results = await Promise.all([advance(w.deps, message), advance(w.deps, message)]);
    expect(results.sort()).toEqual(['dropped', 'stepped']);
    expect(w.upay.callsOf('query')).toHaveLength(1);
    expect(w.timer.scheduled).toHaveLength(1);
  });

  it('whose claim loses to a write that left the step as it was (a GET learning the sn) still runs the step', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ sn: undefined, work: work() }));
    // Between the worker's read and its claim, another writer changes the order but not its step.
    w.ledger.raceOn('updateOrder', 1, ORDER_ID, { sn: PROVIDER_SN });
    w.upay.script('query', created());
    expect(await advance(w.deps, { order_id: ORDER_ID, due_at: NOW })).toBe('stepped');
    expect(w.upay.callsOf('query')).toHaveLength(1);
    expect(w.timer.scheduled).toEqual([{ order_id: ORDER_ID, due_at: NOW + TIMING.pollIntervalMs }]);
  });

  it('for a settled order, or a refund no longer in flight, is dropped', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(order(), [refundItem({ status: 'REFUND_SUCCESS' })]);
    expect(await advance(w.deps, { order_id: ORDER_ID, due_at: NOW })).toBe('dropped');
    expect(await advance(w.deps, { order_id: ORDER_ID, refund_request_no: 'r-1', due_at: NOW })).toBe('dropped');
    expect(await advance(w.deps, { order_id: orderIdFor('nobody'), due_at: NOW })).toBe('dropped');
    expect(w.timer.scheduled).toEqual([]);
  });

  it('of a refund runs the refund\'s step and schedules the refund\'s next one', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(order({ refund_committed: 300 }), [refundItem({ work: work({ deadline_at: START }) })]);
    w.upay.script('query', found(upayOrder({ order_status: 'PAID', client_tsn: 'other', status: 'SUCCESS' })));
    w.upay.script('refund', { kind: 'unknown', failure: { kind: 'timeout' } } as never);
    await advance(w.deps, { order_id: ORDER_ID, refund_request_no: 'r-1', due_at: NOW });
    expect(w.timer.scheduled.every((item) => item.refund_request_no === 'r-1')).toBe(true);
  });

  it('is not failed when its next wake-up cannot be sent: the step stands, the sweep takes it', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work() }));
    w.upay.script('query', created());
    w.timer.failing = true;
    expect(await advance(w.deps, { order_id: ORDER_ID, due_at: NOW })).toBe('stepped');
    expect(w.ledger.mustOrder(ORDER_ID).work?.due_at).toBe(NOW + TIMING.pollIntervalMs);
    expect(w.telemetry.total('StepsUnscheduled')).toBe(1);
  });
});

describe('a batch of wake-ups', () => {
  it('reports only the message whose step threw; a malformed message is dropped, not retried', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ client_sn: 'a', work: work() })).seed(openOrder({ client_sn: 'b', work: work() }));
    // The first read is message 1's (the batch starts every message at once, in order).
    w.ledger.failOn('getOrder', 1, new Error('throttled'));
    w.upay.always('query', created());
    const result = await advanceBatch(w.deps)([
      { id: '1', body: timerBody({ order_id: orderIdFor('a'), due_at: NOW }) },
      { id: '2', body: timerBody({ order_id: orderIdFor('b'), due_at: NOW }) },
      { id: '3', body: 'not json' },
    ]);
    expect(result.failed).toEqual(['1']);
    expect(w.ledger.mustOrder(orderIdFor('b')).work?.due_at).toBe(NOW + TIMING.pollIntervalMs);
    expect(w.telemetry.total('TimerWakeUps_error')).toBe(1);
    expect(w.telemetry.total('TimerWakeUps_malformed')).toBe(1);
    expect(w.telemetry.total('TimerWakeUps_stepped')).toBe(1);
  });
});

describe('the sweep', () => {
  it('wakes only items overdue past the grace, and reports the oldest one\'s age', async () => {
    const w = world({ now: NOW });
    w.ledger
      .seed(openOrder({ client_sn: 'lost', work: work({ due_at: NOW - 90_000 }) }))
      .seed(openOrder({ client_sn: 'on-its-way', work: work({ due_at: NOW - 1_000 }) }))
      .seed(openOrder({ client_sn: 'later', work: work({ due_at: NOW + 5_000 }) }))
      .seed(order({ client_sn: 'paid', refund_committed: 300 }), [refundItem({ order_id: orderIdFor('paid'), work: work({ due_at: NOW - 70_000 }) })]);
    const report = await sweep(w.deps, { graceMs: 60_000, limitPerShard: 100 });
    expect(report).toEqual({ woken: 2, unsent: 0, backlogAgeMs: 90_000 });
    expect(w.timer.scheduled).toEqual([
      { order_id: orderIdFor('lost'), due_at: NOW - 90_000 },
      { order_id: orderIdFor('paid'), refund_request_no: 'r-1', due_at: NOW - 70_000 },
    ]);
  });

  it('reports an empty backlog', async () => {
    const w = world({ now: NOW });
    expect(await sweep(w.deps, { graceMs: 60_000, limitPerShard: 100 })).toEqual({ woken: 0, unsent: 0, backlogAgeMs: 0 });
  });
  it('still reports the backlog when its wake-ups cannot be sent (the figure its alarm watches must not stop with the queue)', async () => {
    const w = world({ now: NOW });
    w.ledger.seed(openOrder({ work: work({ due_at: NOW - 90_000 }) }));
    w.timer.failing = true;
    const report = await sweep(w.deps, { graceMs: 60_000, limitPerShard: 100 }).catch((error: Error) => error.message);
    expect(report).toEqual({ woken: 0, unsent: 1, backlogAgeMs: 90_000 });
    expect(w.telemetry.messages('error')).toContain('sweep could not send its wake-ups');
  });
});

describe('pay with the default in-request wait (0)', () => {
  const payInput = { store_id: 'store-1', terminal_sn: '100000000000000001', request: { client_sn: 'sale-1', total_amount: 1000, dynamic_id: '280000000000000000', subject: 'tea', operator: 'ann' } };

  it('answers in progress at once, its first poll an interval away, in the same write as the answer, and schedules it', async () => {
    const w = world({ now: NOW, timing: { inRequestMs: 0 } });
    w.upay.script('pay', { kind: 'in_progress', order: upayOrder({ order_status: 'CREATED', status: 'IN_PROG', net_amount: 0 }), raw: raw('PAY_IN_PROGRESS') } as never);
    const result = await pay(w.deps, payInput);
    expect(result.kind === 'created' && result.found.order.order_status).toBe('CREATED');
    expect(w.clock.sleeps).toEqual([]);
    expect(w.upay.callsOf('query')).toHaveLength(0);
    expect(w.ledger.calls.filter((call) => call.method === 'createOrder' || call.method === 'updateOrder')).toHaveLength(2);
    expect(w.ledger.mustOrder(ORDER_ID).work?.due_at).toBe(NOW + TIMING.pollIntervalMs);
    expect(w.timer.scheduled).toEqual([{ order_id: ORDER_ID, due_at: NOW + TIMING.pollIntervalMs }]);
  });

  it('paid at once: two writes, no read and no wake-up', async () => {
    const w = world({ now: NOW, timing: { inRequestMs: 0 } });
    w.upay.script('pay', { kind: 'paid', order: upayOrder(), raw: raw('PAY_SUCCESS') } as never);
    await pay(w.deps, payInput);
    expect(w.ledger.calls.map((call) => call.method)).toEqual(['createOrder', 'updateOrder']);
    expect(w.timer.scheduled).toEqual([]);
  });

  it('answers even when the wake-up cannot be sent: the order is stored and due, the sweep takes it', async () => {
    const w = world({ now: NOW, timing: { inRequestMs: 0 } });
    w.upay.script('pay', { kind: 'in_progress', order: upayOrder({ order_status: 'CREATED', status: 'IN_PROG', net_amount: 0 }), raw: raw('PAY_IN_PROGRESS') } as never);
    w.timer.failing = true;
    const result = await pay(w.deps, payInput);
    expect(result.kind).toBe('created');
    expect(w.ledger.mustOrder(ORDER_ID).work).toBeDefined();
    expect(w.telemetry.messages('warn')).toContain('steps not scheduled; the sweep takes them once overdue');
  });
});
