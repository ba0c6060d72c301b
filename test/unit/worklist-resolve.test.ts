import { describe, expect, it } from 'vitest';
import { resolveCase, type CaseWriter, type RefundSettlement } from '../../lib/worklist/resolve.js';
import type { Order, Refund } from '../../lib/payments/model.js';
import { reverse } from '../../lib/payments/reversal.js';
import { advance } from '../../lib/payments/reconcile.js';
import { found, order, raw, refundItem, STORE, upayOrder, world, type World } from './support/payments.js';

const ATTENTION = { reason: 'provider order status PAY_ERROR', at: '2026-05-12T02:00:01.000Z' };

class RecordingCases implements CaseWriter {
  readonly settled: { order: Order; refund: Refund; settlement: RefundSettlement }[] = [];
  async settleRefundCase(order: Order, refund: Refund, settlement: RefundSettlement): Promise<boolean> {
    this.settled.push({ order, refund, settlement });
    return true;
  }
}

function setup(seeded: Order, refunds: Refund[] = []): World & { cases: RecordingCases } {
  const w = world();
  w.ledger.seed(seeded, refunds);
  return { ...w, cases: new RecordingCases() };
}

const request = (overrides: Partial<Parameters<typeof resolveCase>[1]> = {}) => ({ order_id: order().order_id, note: 'checked with Upay', by: 'ops@hq', role: 'ops', ...overrides });

describe('resolving an order case', () => {
  it('books the final state the provider now shows, without an outcome, marked as the provider’s', async () => {
    const w = setup(order({ order_status: 'PAY_ERROR', net_amount: 0, attention: ATTENTION }));
    w.upay.script('query', found(upayOrder({ order_status: 'PAID' })));
    const result = await resolveCase({ ...w.deps, cases: w.cases }, request());
    expect(result.kind).toBe('resolved');
    const booked = w.ledger.mustOrder(order().order_id);
    expect(booked).toMatchObject({ order_status: 'PAID', net_amount: 1000 });
    expect(booked.attention).toBeUndefined();
    expect(booked.resolutions).toEqual([expect.objectContaining({ source: 'provider', outcome: 'PAID', by: 'ops@hq', reason: ATTENTION.reason, provider: expect.objectContaining({ order_status: 'PAID' }) })]);
  });

  it('changes nothing when the provider shows no final state and no outcome is given', async () => {
    const seeded = order({ order_status: 'PAY_ERROR', net_amount: 0, attention: ATTENTION });
    const w = setup(seeded);
    w.upay.script('query', found(upayOrder({ order_status: 'PAY_ERROR', status: 'FAIL_ERROR' })));
    expect((await resolveCase({ ...w.deps, cases: w.cases }, request())).kind).toBe('not_final');
    expect(w.ledger.mustOrder(seeded.order_id)).toEqual(seeded);
  });

  it('books the person’s outcome as manual, with the provider’s last reply, when the provider is not final', async () => {
    const w = setup(order({ order_status: 'PAY_ERROR', net_amount: 0, attention: ATTENTION }));
    w.upay.script('query', { kind: 'transport', failure: { kind: 'timeout', timeoutMs: 8_000 } });
    const result = await resolveCase({ ...w.deps, cases: w.cases }, request({ outcome: 'PAY_CANCELED' }));
    expect(result.kind).toBe('resolved');
    expect(w.ledger.mustOrder(order().order_id)).toMatchObject({ order_status: 'PAY_CANCELED', net_amount: 0, resolutions: [{ source: 'manual', outcome: 'PAY_CANCELED' }] });
  });

  it('refuses to book a reversal of an order with refunds, and an order with no open case', async () => {
    const w = setup(order({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 300, refund_committed: 300, net_amount: 700, attention: ATTENTION }));
    w.upay.always('query', { kind: 'transport', failure: { kind: 'timeout', timeoutMs: 8_000 } });
    expect(await resolveCase({ ...w.deps, cases: w.cases }, request({ outcome: 'CANCELED' }))).toMatchObject({ kind: 'conflict', field: 'outcome' });
    const quiet = setup(order());
    expect(await resolveCase({ ...quiet.deps, cases: quiet.cases }, request({ outcome: 'PAID' }))).toMatchObject({ kind: 'conflict', field: 'order_id' });
  });

  it('leaves an order alone while a reversal of it is still under way, so a cancel in flight is not booked over', async () => {
    const w = setup(order({ order_status: 'PAY_ERROR', net_amount: 0, attention: ATTENTION }));
    const orderId = order().order_id;
    // An admin cancels the PAY_ERROR order; the provider is still cancelling it.
    w.upay.script('cancel', { kind: 'in_progress', aborted: false, raw: raw('CANCEL_IN_PROGRESS') });
    expect((await reverse(w.deps, { order_id: orderId }, STORE, 'cancel', 'admin@hq')).kind).toBe('done');
    // A person books PAID meanwhile (the provider, if asked, cannot answer).
    expect(await resolveCase({ ...w.deps, cases: w.cases }, request({ outcome: 'PAID' }))).toMatchObject({ kind: 'conflict' });
    // The provider finishes the cancel; the step timer's next look books what it shows.
    const due = w.ledger.mustOrder(orderId).work?.due_at;
    expect(due).toBeDefined();
    w.clock.ms = due ?? 0;
    w.upay.script('query', found(upayOrder({ order_status: 'CANCELED', net_amount: 0 })));
    await advance(w.deps, { order_id: orderId, due_at: w.clock.ms });
    expect(w.ledger.mustOrder(orderId)).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
  });

  it('does not let another store resolve it: it does not exist there', async () => {
    const w = setup(order({ order_status: 'PAY_ERROR', attention: ATTENTION }));
    expect(await resolveCase({ ...w.deps, cases: w.cases }, request({ store_id: 'store-2', outcome: 'PAID' }))).toEqual({ kind: 'not_found', field: 'order_id' });
    expect(w.upay.calls).toEqual([]);
  });
});

describe('resolving a refund case', () => {
  const erred = refundItem({ status: 'REFUND_ERROR', attention: { reason: 'REFUND_ERROR', at: ATTENTION.at }, refund_amount: 300 });
  const paid = order({ refund_committed: 300 });

  it('books the refund as the provider’s latest transaction shows it', async () => {
    const w = setup(paid, [erred]);
    w.upay.script('query', found(upayOrder({ order_status: 'PARTIAL_REFUNDED', status: 'SUCCESS', client_tsn: `sale-1-${erred.refund_request_no}`, net_amount: 700 })));
    expect((await resolveCase({ ...w.deps, cases: w.cases }, request({ refund_request_no: erred.refund_request_no }))).kind).toBe('resolved');
    const [booked] = w.cases.settled;
    expect(booked?.settlement).toMatchObject({ refunded: 300, released: 0, refund: { status: 'REFUND_SUCCESS', attention: null }, order: { order_status: 'PARTIAL_REFUNDED' } });
    expect(booked?.settlement.order.resolutions).toEqual([expect.objectContaining({ source: 'provider', refund_request_no: erred.refund_request_no })]);
  });

  it('frees the reserved amount when the person books REFUND_FAIL, and answers not_final without an outcome', async () => {
    const w = setup(paid, [erred]);
    w.upay.always('query', { ...found(upayOrder()), raw: raw('SUCCESS') });
    expect((await resolveCase({ ...w.deps, cases: w.cases }, request({ refund_request_no: erred.refund_request_no }))).kind).toBe('not_final');
    expect(w.cases.settled).toEqual([]);
    await resolveCase({ ...w.deps, cases: w.cases }, request({ refund_request_no: erred.refund_request_no, outcome: 'REFUND_FAIL' }));
    expect(w.cases.settled[0]?.settlement).toMatchObject({ refunded: 0, released: 300, refund: { status: 'REFUND_FAIL' } });
  });

  it('never books more refunded than paid', async () => {
    const w = setup(order({ refunded_amount: 800, net_amount: 200, refund_committed: 1100, order_status: 'PARTIAL_REFUNDED' }), [erred]);
    w.upay.always('query', found(upayOrder()));
    expect(await resolveCase({ ...w.deps, cases: w.cases }, request({ refund_request_no: erred.refund_request_no, outcome: 'REFUND_SUCCESS' }))).toMatchObject({ kind: 'conflict', field: 'outcome' });
    expect(w.cases.settled).toEqual([]);
  });
});
