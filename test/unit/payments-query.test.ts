// Query answers from the ledger and asks the provider only while the order is not final (or on
// request); every settlement goes through one optimistic-concurrency loop.
import { afterEach, describe, expect, it } from 'vitest';
import { findOrder, queryOrder } from '../../lib/payments/query.js';
import { applyChanges, settle } from '../../lib/payments/settle.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { found, notFound, openOrder, order, PROVIDER_SN, START, STORE, TIMING, transport, upayOrder, world, type World } from './support/payments.js';

const ORDER_ID = orderIdFor('sale-1');
let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

describe('finding an order', () => {
  it('finds it by our order id, by client_sn and by the provider sn', async () => {
    w = world();
    w.ledger.seed(order());
    expect((await findOrder(w.deps, { order_id: ORDER_ID }, STORE))?.order.order_id).toBe(ORDER_ID);
    expect((await findOrder(w.deps, { client_sn: 'sale-1' }, STORE))?.order.order_id).toBe(ORDER_ID);
    expect((await findOrder(w.deps, { sn: PROVIDER_SN }, STORE))?.order.order_id).toBe(ORDER_ID);
  });

  it('does not find another store’s order, by any reference', async () => {
    w = world();
    w.ledger.seed(order());
    expect(await findOrder(w.deps, { order_id: ORDER_ID }, 'store-2')).toBeUndefined();
    expect(await findOrder(w.deps, { client_sn: 'sale-1' }, 'store-2')).toBeUndefined();
    expect(await findOrder(w.deps, { sn: PROVIDER_SN }, 'store-2')).toBeUndefined();
  });

  it('finds nothing for an unknown reference', async () => {
    w = world();
    expect(await findOrder(w.deps, { sn: '7895000000000999' }, STORE)).toBeUndefined();
    expect(await findOrder(w.deps, { client_sn: 'nope' }, STORE)).toBeUndefined();
  });
});

describe('querying an order', () => {
  it('answers a final order from the ledger without asking the provider', async () => {
    w = world();
    w.ledger.seed(order());
    expect((await queryOrder(w.deps, { order_id: ORDER_ID }, STORE))?.order.order_status).toBe('PAID');
    expect(w.upay.calls).toEqual([]);
  });

  it('asks the provider about a final order when a refresh is asked for', async () => {
    w = world();
    w.ledger.seed(order());
    w.upay.script('query', found(upayOrder()));
    await queryOrder(w.deps, { order_id: ORDER_ID }, STORE, true);
    expect(w.upay.callsOf('query').map((call) => call.request)).toEqual([{ sn: PROVIDER_SN }]);
  });

  it('refreshes an open order by client_sn while the provider sn is unknown, and settles what it hears', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.upay.script('query', found(upayOrder()));
    const answer = await queryOrder(w.deps, { order_id: ORDER_ID }, STORE);
    expect(w.upay.callsOf('query')[0]).toMatchObject({ request: { client_sn: 'sale-1' }, options: { timeoutMs: TIMING.providerTimeoutMs } });
    expect(answer?.order).toMatchObject({ order_status: 'PAID', sn: PROVIDER_SN });
    expect(w.ledger.mustOrder(ORDER_ID).order_status).toBe('PAID');
  });

  it('refreshes a final order that still needs a person, and one with a reversal in flight', async () => {
    w = world();
    w.ledger.seed(order({ attention: { reason: 'look', at: new Date(START).toISOString() } }));
    w.ledger.seed(order({ client_sn: 'sale-2', sn: '7895000000000002', reversal: 'revoke' }));
    w.upay.script('query', found(upayOrder()), found(upayOrder({ client_sn: 'sale-2', sn: '7895000000000002' })));
    await queryOrder(w.deps, { order_id: ORDER_ID }, STORE);
    await queryOrder(w.deps, { client_sn: 'sale-2' }, STORE);
    expect(w.upay.callsOf('query')).toHaveLength(2);
  });

  it('keeps an open order as it is when the provider cannot be reached or does not know it yet', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.upay.script('query', transport('timeout'), notFound());
    await queryOrder(w.deps, { order_id: ORDER_ID }, STORE);
    await queryOrder(w.deps, { order_id: ORDER_ID }, STORE);
    expect(w.ledger.mustOrder(ORDER_ID)).toEqual(openOrder());
    expect(w.ledger.callCount('updateOrder')).toBe(0);
  });

  it('does not ask the provider about another store’s order', async () => {
    w = world();
    w.ledger.seed(openOrder());
    expect(await queryOrder(w.deps, { order_id: ORDER_ID }, 'store-2', true)).toBeUndefined();
    expect(w.upay.calls).toEqual([]);
  });
});

describe('settling under concurrency', () => {
  it('re-reads after a lost race and decides again on what is now stored', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.ledger.raceOn('updateOrder', 1, ORDER_ID, { order_status: 'PAY_CANCELED', net_amount: 0, work: null });
    const decided: string[] = [];
    const result = await applyChanges(w.deps, openOrder(), (current) => {
      decided.push(current.order_status);
      return current.order_status === 'CREATED' ? { order_status: 'PAID' } : undefined;
    });
    expect(decided).toEqual(['CREATED', 'PAY_CANCELED']);
    expect(result.order_status).toBe('PAY_CANCELED');
    expect(w.ledger.mustOrder(ORDER_ID).order_status).toBe('PAY_CANCELED');
  });

  it('applies a settlement exactly once when it loses a race to the same settlement', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.ledger.raceOn('updateOrder', 1, ORDER_ID, { order_status: 'PAID', net_amount: 1000, work: null });
    const result = await settle(w.deps, openOrder(), { kind: 'paid', order: upayOrder() }, undefined);
    expect(result.order_status).toBe('PAID');
    expect(w.ledger.callCount('updateOrder')).toBe(1);
  });

  it('gives up with an error after five lost races in a row', async () => {
    w = world();
    w.ledger.seed(openOrder());
    for (let call = 1; call <= 5; call += 1) w.ledger.raceOn('updateOrder', call, ORDER_ID);
    await expect(applyChanges(w.deps, openOrder(), () => ({ description: 'mine' }))).rejects.toThrow('too many concurrent updates');
    expect(w.ledger.callCount('updateOrder')).toBe(5);
  });

  it('wins on the fifth attempt after four lost races', async () => {
    w = world();
    w.ledger.seed(openOrder());
    for (let call = 1; call <= 4; call += 1) w.ledger.raceOn('updateOrder', call, ORDER_ID);
    expect((await applyChanges(w.deps, openOrder(), () => ({ description: 'mine' }))).description).toBe('mine');
  });

  it('fails loudly if the order vanished', async () => {
    w = world();
    await expect(applyChanges(w.deps, openOrder(), () => ({ description: 'mine' }))).rejects.toThrow('vanished');
  });

  it('counts and logs a change that calls a person, and only such a change', async () => {
    w = world();
    w.ledger.seed(openOrder());
    await applyChanges(w.deps, openOrder(), () => ({ description: 'plain' }));
    expect(w.telemetry.total('NeedsAttention')).toBe(0);
    await applyChanges(w.deps, w.ledger.mustOrder(ORDER_ID), () => ({ attention: { reason: 'look', at: 'now' } }));
    expect(w.telemetry.total('NeedsAttention')).toBe(1);
    expect(w.telemetry.lines).toContainEqual({ level: 'warn', message: 'order needs attention', fields: { order_id: ORDER_ID, reason: 'look' } });
  });

  it('writes nothing when the decision is to change nothing', async () => {
    w = world();
    w.ledger.seed(openOrder());
    const result = await applyChanges(w.deps, openOrder(), () => undefined);
    expect(result).toEqual(openOrder());
    expect(w.ledger.callCount('updateOrder')).toBe(0);
  });
});

describe('reads of an open order', () => {
  it('ask the provider at most once per polling interval; the others answer from the ledger', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.upay.always('query', found(upayOrder({ order_status: 'CREATED', status: 'IN_PROG', net_amount: 0 })));
    const answers = await Promise.all(Array.from({ length: 30 }, () => queryOrder(w.deps, { order_id: ORDER_ID }, STORE)));
    expect(answers.every((answer) => answer?.order.order_status === 'CREATED')).toBe(true);
    w.clock.advance(TIMING.pollIntervalMs - 1);
    await Promise.all(Array.from({ length: 30 }, () => queryOrder(w.deps, { order_id: ORDER_ID }, STORE, true)));
    expect(w.upay.callsOf('query')).toHaveLength(1);
    w.clock.advance(1);
    await queryOrder(w.deps, { order_id: ORDER_ID }, STORE);
    expect(w.upay.callsOf('query')).toHaveLength(2);
  });
});
