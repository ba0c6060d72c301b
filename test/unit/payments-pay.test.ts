// Pay (B scans C) with fakes: the order is recorded with its next step before the provider is
// called; a final reply settles it at once; an open one is polled inside the request window and
// then left, still CREATED and due, to the step timer.
import { afterEach, describe, expect, it } from 'vitest';
import { pay } from '../../lib/payments/pay.js';
import { orderIdFor, type Order } from '../../lib/payments/model.js';
import { KeyNotFoundError } from '../../lib/keys/index.js';
import { UpayRequestError, type PayOutcome, type QueryOutcome } from '../../lib/upay/index.js';
import type { OpenResult } from '../../lib/payments/open-order.js';
import { expectOnlyScriptedCalls, type UpayCall } from './support/fake-upay.js';
import { signingKey } from './support/fakes.js';
import { found, payRequest, raw, rejected, START, STORE, TERMINAL, TIMING, transport, upayOrder, world, type World } from './support/payments.js';

const ORDER_ID = orderIdFor('sale-1');
const input = (overrides: Parameters<typeof payRequest>[0] = {}, store = STORE, terminal = TERMINAL) => ({ store_id: store, terminal_sn: terminal, request: payRequest(overrides) });
const paidReply = (): PayOutcome => ({ kind: 'paid', order: upayOrder(), raw: raw('PAY_SUCCESS') });
const inProgress = (): PayOutcome => ({ kind: 'in_progress', order: upayOrder({ order_status: 'CREATED', status: 'IN_PROG' }), raw: raw('PAY_IN_PROGRESS') });
const stillCreated = (): QueryOutcome => found(upayOrder({ order_status: 'CREATED', status: 'IN_PROG' }));

function orderOf(result: OpenResult): Order {
  if (result.kind === 'conflict') throw new Error(`unexpected conflict: ${result.message}`);
  return result.found.order;
}

let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

describe('pay answered at once', () => {
  it('settles PAY_SUCCESS as PAID with exactly one provider call and no polling', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    const result = await pay(w.deps, input());
    expect(result.kind).toBe('created');
    expect(orderOf(result)).toMatchObject({ order_status: 'PAID', total_amount: 1000, net_amount: 1000, sn: '7895000000000001', trade_no: '4200001234' });
    expect(orderOf(result).work).toBeUndefined();
    expect(w.upay.methods()).toEqual(['pay']);
    expect(w.clock.sleeps).toEqual([]);
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ order_status: 'PAID', provider: { biz_result_code: 'PAY_SUCCESS', order_status: 'PAID' } });
    expect(w.ledger.mustOrder(ORDER_ID).work).toBeUndefined();
  });

  it('records the order, CREATED with its next step and deadline, before the provider is called', async () => {
    w = world();
    let seen: Order | undefined;
    w.upay.script('pay', () => {
      seen = w.ledger.order(ORDER_ID);
      return paidReply();
    });
    await pay(w.deps, input());
    expect(seen).toMatchObject({
      order_status: 'CREATED',
      store_id: STORE,
      terminal_sn: TERMINAL,
      total_amount: 1000,
      net_amount: 0,
      refund_committed: 0,
      // The step timer leaves it alone while this request may still be polling it.
      work: { step: 'query', due_at: START + TIMING.requestLifetimeMs, deadline_at: START + TIMING.payDeadlineMs, attempts: 0 },
    });
  });

  it('signs with the terminal’s key, sends the request as given with our notify URL and the provider timeout', async () => {
    w = world({ notifyUrl: 'https://api.test/v1/upay/notify' });
    w.upay.script('pay', paidReply());
    await pay(w.deps, input({ description: 'green tea' }));
    const [call] = w.upay.callsOf('pay') as [UpayCall<'pay'>];
    expect(call.credentials).toEqual({ sn: TERMINAL, key: signingKey(TERMINAL) });
    expect(call.request).toEqual({ ...payRequest({ description: 'green tea' }), notify_url: 'https://api.test/v1/upay/notify' });
    expect(call.options).toEqual({ timeoutMs: TIMING.providerTimeoutMs });
  });

  it('sends no notify URL when none is configured', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    await pay(w.deps, input());
    expect(w.upay.callsOf('pay')[0]?.request).not.toHaveProperty('notify_url');
  });

  it('closes PAY_FAIL as PAY_CANCELED with the provider codes, without polling', async () => {
    w = world();
    w.upay.script('pay', { kind: 'failed', error_code: 'INSUFFICIENT_FUND', order: upayOrder({ order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED', net_amount: 0 }), raw: raw('PAY_FAIL', 'INSUFFICIENT_FUND') });
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0, provider: { biz_error_code: 'INSUFFICIENT_FUND', status: 'FAIL_CANCELED' } });
    expect(order.work).toBeUndefined();
    expect(w.upay.methods()).toEqual(['pay']);
  });

  it('flags PAY_FAIL_ERROR for a person: neither paid nor failed, and not polled', async () => {
    w = world();
    w.upay.script('pay', { kind: 'unknown', reason: 'PAY_FAIL_ERROR', order: upayOrder({ order_status: 'PAY_ERROR', status: 'FAIL_ERROR' }), raw: raw('PAY_FAIL_ERROR') });
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAY_ERROR', attention: { reason: 'PAY_FAIL_ERROR' } });
    expect(order.work).toBeUndefined();
    expect(w.upay.methods()).toEqual(['pay']);
    expect(w.telemetry.total('NeedsAttention')).toBe(1);
  });

  it('flags CLIENT_SN_CONFLICT at the provider for a person, keeping the order CREATED', async () => {
    w = world();
    w.upay.script('pay', rejected('CLIENT_SN_CONFLICT'));
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'CREATED', attention: { reason: 'CLIENT_SN_CONFLICT at the provider' } });
    expect(order.work).toBeUndefined();
    expect(w.upay.methods()).toEqual(['pay']);
  });
});

describe('pay still open after the first reply', () => {
  it('polls query by client_sn after PAY_IN_PROGRESS and settles PAID within the request', async () => {
    w = world();
    w.upay.script('pay', inProgress());
    w.upay.script('query', stillCreated(), found(upayOrder()));
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAID', net_amount: 1000 });
    expect(order.work).toBeUndefined();
    expect(w.upay.methods()).toEqual(['pay', 'query', 'query']);
    expect(w.upay.callsOf('query').map((call) => call.request)).toEqual([{ client_sn: 'sale-1' }, { client_sn: 'sale-1' }]);
    expect(w.clock.sleeps).toEqual([TIMING.pollIntervalMs, TIMING.pollIntervalMs]);
  });

  it('settles PAY_CANCELED found while polling', async () => {
    w = world();
    w.upay.script('pay', inProgress());
    w.upay.script('query', found(upayOrder({ order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED', net_amount: 0 })));
    expect(orderOf(await pay(w.deps, input()))).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0 });
    expect(w.upay.methods()).toEqual(['pay', 'query']);
  });

  it('answers CREATED with work due for the step timer when the window closes, having polled at the interval', async () => {
    w = world();
    const pollTimes: number[] = [];
    w.upay.script('pay', inProgress());
    w.upay.always('query', () => {
      pollTimes.push(w.clock.now() - START);
      return stillCreated();
    });
    const order = orderOf(await pay(w.deps, input()));
    expect(order.order_status).toBe('CREATED');
    expect(order.attention).toBeUndefined();
    expect(order.work).toEqual({ step: 'query', due_at: START + 35_000, deadline_at: START + 45_000, attempts: 0 });
    // 20 s window, 3 s interval, 8 s provider timeout: a poll starts only if it would end, at
    // its timeout, inside the window — the last one starts at 12 s (12 + 8 = 20).
    expect(pollTimes).toEqual([3_000, 6_000, 9_000, 12_000]);
    expect(w.clock.sleeps.every((ms) => ms === TIMING.pollIntervalMs)).toBe(true);
    expect(w.ledger.mustOrder(ORDER_ID)).toMatchObject({ order_status: 'CREATED', work: { due_at: START + 35_000 } });
  });

  it('counts time spent waiting for the provider against the window', async () => {
    w = world();
    const pollTimes: number[] = [];
    w.upay.script('pay', () => {
      w.clock.advance(TIMING.providerTimeoutMs);
      return transport('timeout');
    });
    w.upay.always('query', () => {
      pollTimes.push(w.clock.now() - START);
      w.clock.advance(1_000);
      return stillCreated();
    });
    const order = orderOf(await pay(w.deps, input()));
    // Pay took 8 s: 8 + 3 + 8 ≤ 20 allows one poll at 11 s; then 12 + 3 + 8 > 20.
    expect(pollTimes).toEqual([11_000]);
    expect(w.clock.now() - START).toBeLessThanOrEqual(TIMING.inRequestMs);
    expect(order).toMatchObject({ order_status: 'CREATED', work: { step: 'query', due_at: START + 35_000 } });
  });

  it('polls once when the window holds exactly one interval plus one provider timeout, and not at all when it holds less', async () => {
    w = world({ timing: { inRequestMs: 11_000 } });
    w.upay.script('pay', inProgress());
    w.upay.always('query', stillCreated());
    await pay(w.deps, input());
    expect(w.upay.methods()).toEqual(['pay', 'query']);

    w = world({ timing: { inRequestMs: 10_999 } });
    w.upay.script('pay', inProgress());
    await pay(w.deps, input());
    expect(w.upay.methods()).toEqual(['pay']);
  });

  it('keeps polling through query failures and settles when the order shows up', async () => {
    w = world();
    w.upay.script('pay', transport('connection_lost'));
    w.upay.script('query', transport('timeout'), { kind: 'not_found', raw: raw('FAIL', 'UPAY_ORDER_NOT_EXISTS') }, found(upayOrder()));
    expect(orderOf(await pay(w.deps, input()))).toMatchObject({ order_status: 'PAID' });
    expect(w.upay.methods()).toEqual(['pay', 'query', 'query', 'query']);
  });

  it('treats a 500 during pay as unknown: it queries instead of failing the order', async () => {
    w = world();
    w.upay.script('pay', transport('server_error'));
    w.upay.script('query', found(upayOrder()));
    expect(orderOf(await pay(w.deps, input()))).toMatchObject({ order_status: 'PAID' });
    expect(w.upay.methods()).toEqual(['pay', 'query']);
  });

  it('stops polling as soon as the order needs a person', async () => {
    w = world();
    w.upay.script('pay', inProgress());
    w.upay.script('query', found(upayOrder({ order_status: 'PAY_ERROR', status: 'FAIL_ERROR' })));
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAY_ERROR', attention: { reason: 'provider order status PAY_ERROR' } });
    expect(w.upay.methods()).toEqual(['pay', 'query']);
  });
});

describe('pay that was never sent', () => {
  it('closes as PAY_CANCELED (not unknown) when the signer throws before sending', async () => {
    w = world();
    w.signer.failure = new KeyNotFoundError('no key for terminal');
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0 });
    expect(order.attention).toBeUndefined();
    expect(order.work).toBeUndefined();
    expect(w.upay.calls).toEqual([]);
    expect(w.telemetry.total('Pay_transport')).toBe(1);
    expect(w.telemetry.lines).toContainEqual({ level: 'error', message: 'provider call not sent', fields: { terminal_sn: TERMINAL, error: 'KeyNotFoundError' } });
  });

  it.each(['not_sent', 'illegal_sign', 'client_error'] as const)('closes as PAY_CANCELED without polling after a %s failure', async (kind) => {
    w = world();
    w.upay.script('pay', transport(kind));
    expect(orderOf(await pay(w.deps, input()))).toMatchObject({ order_status: 'PAY_CANCELED' });
    expect(w.upay.methods()).toEqual(['pay']);
  });

  it('does not send a pay held up past the request window (a Lambda frozen after its early answer), so it cannot reach the provider after the step timer stopped waiting for it', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    const signer = w.deps.signer;
    // Held up before sending for longer than a request lives: the step timer may have closed the order meanwhile.
    w.deps.signer = { call: (terminalSn, send) => (w.clock.advance(TIMING.requestLifetimeMs), signer.call(terminalSn, send)) };
    const result = await pay(w.deps, input());
    expect(w.upay.methods()).toEqual([]);
    expect(orderOf(result)).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0 });
  });

  it('refuses a request the provider would refuse before recording or sending anything', async () => {
    w = world();
    await expect(pay(w.deps, input({ subject: 'x'.repeat(65) }))).rejects.toThrow(UpayRequestError);
    await expect(pay(w.deps, input({ total_amount: 10.5 }))).rejects.toThrow(UpayRequestError);
    expect(w.ledger.orderCount()).toBe(0);
    expect(w.upay.calls).toEqual([]);
  });
});

describe('the same client_sn again', () => {
  it('replays the stored order for the same request, with no second provider call', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    const first = await pay(w.deps, input());
    w.clock.advance(60_000);
    const second = await pay(w.deps, input());
    expect(second.kind).toBe('replayed');
    expect(orderOf(second)).toEqual(orderOf(first));
    expect(w.upay.methods()).toEqual(['pay']);
  });

  it('replays an order that is still open without polling it', async () => {
    w = world();
    w.upay.script('pay', inProgress());
    w.upay.always('query', stillCreated());
    await pay(w.deps, input());
    const calls = w.upay.calls.length;
    const again = await pay(w.deps, input());
    expect(again.kind).toBe('replayed');
    expect(orderOf(again).order_status).toBe('CREATED');
    expect(w.upay.calls.length).toBe(calls);
  });

  it('is a conflict with a different amount, and the stored order is untouched', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    await pay(w.deps, input());
    const before = w.ledger.mustOrder(ORDER_ID);
    const again = await pay(w.deps, input({ total_amount: 999 }));
    expect(again).toEqual({ kind: 'conflict', message: 'client_sn sale-1 is already used by another order' });
    expect(w.ledger.mustOrder(ORDER_ID)).toEqual(before);
    expect(w.upay.methods()).toEqual(['pay']);
  });

  it('is a conflict for any other field, another terminal or another store', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    await pay(w.deps, input());
    expect((await pay(w.deps, input({ dynamic_id: '130000000000000002' }))).kind).toBe('conflict');
    expect((await pay(w.deps, input({}, STORE, '100000000000000002'))).kind).toBe('conflict');
    expect((await pay(w.deps, input({}, 'store-2'))).kind).toBe('conflict');
    expect(w.upay.methods()).toEqual(['pay']);
  });

  it('is a replay when only the order of fields or an absent optional field differs', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    await pay(w.deps, input());
    const reordered = { store_id: STORE, terminal_sn: TERMINAL, request: { operator: 'ann', subject: 'tea', dynamic_id: '130000000000000001', total_amount: 1000, client_sn: 'sale-1', description: undefined } };
    expect((await pay(w.deps, reordered)).kind).toBe('replayed');
  });
});

describe('pay racing another writer', () => {
  it('does not overwrite a settlement another writer made meanwhile: the lost race re-reads and finds nothing to do', async () => {
    w = world();
    // While our pay call is out, a notify callback settles the order PAID.
    w.upay.script('pay', () => {
      w.ledger.writeAsAnother(ORDER_ID, { order_status: 'PAID', net_amount: 1000, sn: '7895000000000001', description: 'settled by notify', work: null });
      return transport('timeout');
    });
    w.upay.script('query', found(upayOrder()));
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAID', description: 'settled by notify' });
    expect(w.ledger.callCount('updateOrder')).toBe(1);
    expect(w.ledger.callCount('getOrder')).toBe(1);
    // Version 1 at creation, 2 after the other writer; our write never landed.
    expect(w.ledger.mustOrder(ORDER_ID).version).toBe(2);
  });

  it('settles on the re-read order when its conditional write loses a race', async () => {
    w = world();
    w.upay.script('pay', paidReply());
    w.ledger.raceOn('updateOrder', 1, ORDER_ID, { description: 'touched by someone else' });
    const order = orderOf(await pay(w.deps, input()));
    expect(order).toMatchObject({ order_status: 'PAID', description: 'touched by someone else' });
    expect(w.ledger.callCount('updateOrder')).toBe(2);
    expect(w.ledger.callCount('getOrder')).toBe(1);
  });
});
