// The fakes the flow tests rely on keep the adapters' semantics (lib/store/ledger.ts,
// lib/store/terminal-registry.ts): if a fake drifted, the flow tests would prove nothing.
import { describe, expect, it } from 'vitest';
import { FakeLedger } from './support/fake-ledger.js';
import { FakeRegistry } from './support/fake-terminals.js';
import { ScriptedUpay } from './support/fake-upay.js';
import { openOrder, order, refundItem, START } from './support/payments.js';
import { terminal } from './support/terminals.js';

const paid = () => order({ refund_committed: 0 });
const ID = paid().order_id;

describe('the fake ledger', () => {
  it('creates an order only if its id is free, else returns the holder with its refunds', async () => {
    const ledger = new FakeLedger();
    expect(await ledger.createOrder(paid())).toEqual({ created: true });
    ledger.seed(ledger.mustOrder(ID), [refundItem()]);
    expect(await ledger.createOrder(order({ total_amount: 1, attempt_id: 'another-request' }))).toEqual({ created: false, existing: { order: paid(), refunds: [refundItem()] } });
  });

  it('takes a create that finds its own attempt_id for its own committed write', async () => {
    const ledger = new FakeLedger().seed(paid());
    expect(await ledger.createOrder(paid())).toEqual({ created: true });
  });

  it('updates only at the version read, moves the version, removes attributes set to null', async () => {
    const ledger = new FakeLedger().seed(openOrder());
    const updated = await ledger.updateOrder(openOrder(), { description: 'x', work: null });
    expect(updated).toMatchObject({ description: 'x', version: openOrder().version + 1 });
    expect(updated).not.toHaveProperty('work');
    expect(await ledger.updateOrder(openOrder(), { description: 'stale' })).toBeUndefined();
    expect(await ledger.updateOrder(openOrder({ client_sn: 'missing' }), { description: 'x' })).toBeUndefined();
  });

  it('hands out copies: changing a returned order changes nothing stored', async () => {
    const ledger = new FakeLedger().seed(openOrder());
    const found = await ledger.getOrder(ID);
    if (found?.order.work) found.order.work.due_at = 0;
    expect(ledger.mustOrder(ID).work?.due_at).toBe(openOrder().work?.due_at);
  });

  it('reserves a refund up to exactly the total, and refuses one cent more', async () => {
    const ledger = new FakeLedger().seed(paid());
    expect(await ledger.reserveRefund(paid(), refundItem({ refund_request_no: 'a', refund_amount: 600 }))).toEqual({ kind: 'reserved' });
    expect(await ledger.reserveRefund(paid(), refundItem({ refund_request_no: 'b', refund_amount: 401 }))).toEqual({ kind: 'refused' });
    expect(await ledger.reserveRefund(paid(), refundItem({ refund_request_no: 'c', refund_amount: 400 }))).toEqual({ kind: 'reserved' });
    expect(ledger.mustOrder(ID).refund_committed).toBe(1000);
    expect(ledger.refund(ID, 'b')).toBeUndefined();
  });

  it('refuses a reservation on an order not PAID/PARTIAL_REFUNDED, under a reversal, or whose total changed', async () => {
    for (const stored of [order({ order_status: 'CREATED' }), order({ order_status: 'REFUNDED' }), order({ reversal: 'revoke' }), order({ total_amount: 2000 })]) {
      const ledger = new FakeLedger().seed(stored);
      expect(await ledger.reserveRefund(paid(), refundItem())).toEqual({ kind: 'refused' });
      expect(ledger.mustOrder(ID).refund_committed).toBe(0);
    }
    expect(await new FakeLedger().seed(order({ order_status: 'PARTIAL_REFUNDED' })).reserveRefund(paid(), refundItem())).toEqual({ kind: 'reserved' });
  });

  it('answers an existing refund_request_no with the stored refund, reserving nothing', async () => {
    const ledger = new FakeLedger().seed(order({ refund_committed: 300 }), [refundItem()]);
    expect(await ledger.reserveRefund(paid(), refundItem({ refund_amount: 999, attempt_id: 'another-request' }))).toEqual({ kind: 'exists', refund: refundItem() });
    expect(await ledger.reserveRefund(paid(), refundItem())).toEqual({ kind: 'reserved' });
    expect(ledger.mustOrder(ID).refund_committed).toBe(300);
  });

  it('answers busy, writing nothing, on an injected transaction conflict', async () => {
    const ledger = new FakeLedger().seed(paid(), [refundItem({ refund_request_no: 'x' })]).conflictOn('reserveRefund', 1).conflictOn('settleRefund', 1);
    expect(await ledger.reserveRefund(paid(), refundItem())).toEqual({ kind: 'busy' });
    expect(await ledger.settleRefund(refundItem({ refund_request_no: 'x' }), { status: 'REFUND_FAIL' }, { refunded: false })).toBe(false);
    expect(ledger.mustOrder(ID).refund_committed).toBe(0);
    expect(ledger.mustRefund(ID, 'x').status).toBe('REFUND_IN_PROGRESS');
  });

  it('books a refund as done only at the refunded amount it was computed from', async () => {
    const ledger = new FakeLedger().seed(order({ refund_committed: 300, refunded_amount: 100, net_amount: 900 }), [refundItem()]);
    expect(await ledger.settleRefund(refundItem(), { status: 'REFUND_SUCCESS' }, { refunded: true, refundedBefore: 0 })).toBe(false);
    expect(await ledger.settleRefund(refundItem(), { status: 'REFUND_SUCCESS' }, { refunded: true, refundedBefore: 100 })).toBe(true);
    expect(ledger.mustOrder(ID)).toMatchObject({ refunded_amount: 400, net_amount: 600 });
  });

  it('settles a refund once, moving refunded and net, or releasing the reservation', async () => {
    const ledger = new FakeLedger().seed(order({ refund_committed: 600 }), [refundItem({ refund_request_no: 'a' }), refundItem({ refund_request_no: 'b' })]);
    expect(await ledger.settleRefund(refundItem({ refund_request_no: 'a' }), { status: 'REFUND_SUCCESS', work: null }, { refunded: true, refundedBefore: 0 }, { order_status: 'PARTIAL_REFUNDED' })).toBe(true);
    expect(await ledger.settleRefund(refundItem({ refund_request_no: 'a' }), { status: 'REFUND_SUCCESS' }, { refunded: true, refundedBefore: 300 })).toBe(false);
    expect(await ledger.settleRefund(refundItem({ refund_request_no: 'b' }), { status: 'REFUND_FAIL', work: null }, { refunded: false })).toBe(true);
    expect(ledger.mustOrder(ID)).toMatchObject({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 300, net_amount: 700, refund_committed: 300 });
    expect(ledger.mustRefund(ID, 'a').work).toBeUndefined();
  });

  it('updates a refund only at the version read', async () => {
    const ledger = new FakeLedger().seed(paid(), [refundItem()]);
    expect(await ledger.updateRefund(refundItem(), { operator: 'x' })).toBe(true);
    expect(await ledger.updateRefund(refundItem(), { operator: 'y' })).toBe(false);
    expect(ledger.mustRefund(ID, 'r-1')).toMatchObject({ operator: 'x', version: 2 });
  });

  it('lists orders and refunds with work due by now, oldest first, up to the limit', async () => {
    const ledger = new FakeLedger()
      .seed(openOrder({ client_sn: 'late', work: { step: 'query', due_at: START + 5, deadline_at: 0, attempts: 0 } }))
      .seed(openOrder({ client_sn: 'early', work: { step: 'query', due_at: START + 1, deadline_at: 0, attempts: 0 } }))
      .seed(openOrder({ client_sn: 'future', work: { step: 'query', due_at: START + 99, deadline_at: 0, attempts: 0 } }))
      .seed(order({ client_sn: 'paid' }), [refundItem({ order_id: order({ client_sn: 'paid' }).order_id, work: { step: 'query', due_at: START + 3, deadline_at: 0, attempts: 0 } })]);
    const due = await ledger.due(START + 10, 10);
    expect(due.map((item) => item.due_at)).toEqual([START + 1, START + 3, START + 5]);
    expect(due[1]).toMatchObject({ type: 'refund', refund_request_no: 'r-1' });
    expect(await ledger.due(START + 10, 2)).toHaveLength(2);
  });

  it('runs hooks before the Nth call: a concurrent writer, or a failure', async () => {
    const ledger = new FakeLedger().seed(openOrder());
    ledger.raceOn('updateOrder', 1, ID, { description: 'theirs' });
    expect(await ledger.updateOrder(openOrder(), { description: 'mine' })).toBeUndefined();
    expect(ledger.mustOrder(ID).description).toBe('theirs');
    ledger.failOn('getOrder', 2, new Error('down'));
    await ledger.getOrder(ID);
    await expect(ledger.getOrder(ID)).rejects.toThrow('down');
    expect(await ledger.getOrder(ID)).toBeDefined();
  });
});

describe('the fake registry', () => {
  it('claims an activation once; a lapsed claim is interrupted until released; a claim that names a terminal stays', async () => {
    const registry = new FakeRegistry();
    expect(await registry.claimActivation('s', 'd', 1_000, 100)).toEqual({ kind: 'claimed' });
    expect(await registry.claimActivation('s', 'd', 1_100, 100)).toEqual({ kind: 'busy' });
    expect(await registry.claimActivation('s', 'd', 1_101, 100)).toEqual({ kind: 'interrupted', since: 1_000 });
    await registry.releaseActivation('s', 'd', 1_101);
    expect(await registry.claimActivation('s', 'd', 1_102, 100)).toEqual({ kind: 'claimed' });
    await registry.register(terminal({ store_id: 's', device_id: 'd' }));
    expect(await registry.claimActivation('s', 'd', 9_999_999, 100)).toEqual({ kind: 'activated', terminal_sn: terminal().terminal_sn });
  });

  it('leases a check-in to one owner at a time, parked terminals only when forced, and finishes only for the owner', async () => {
    const registry = new FakeRegistry().seed(terminal());
    const sn = terminal().terminal_sn;
    expect((await registry.acquireCheckinLease(sn, 'a', 1_000, 100)).kind).toBe('leased');
    expect((await registry.acquireCheckinLease(sn, 'b', 1_100, 100)).kind).toBe('busy');
    expect(await registry.finishCheckin(sn, 'b', { status: 'parked', clear_in_flight: true })).toBe(false);
    expect(await registry.finishCheckin(sn, 'a', { status: 'parked', clear_in_flight: true })).toBe(true);
    expect((await registry.acquireCheckinLease(sn, 'c', 1_200, 100)).kind).toBe('parked');
    expect((await registry.acquireCheckinLease(sn, 'c', 1_200, 100, true)).kind).toBe('leased');
    expect((await registry.acquireCheckinLease('nope', 'c', 1_200, 100)).kind).toBe('not_found');
  });

  it('never leases a retired terminal, even forced', async () => {
    const registry = new FakeRegistry().seed(terminal({ status: 'retired' }));
    expect((await registry.acquireCheckinLease(terminal().terminal_sn, 'a', 1_000, 100, true)).kind).toBe('retired');
  });
});

describe('the scripted provider', () => {
  it('answers from the queue, then the standing answer, and records unscripted calls', async () => {
    const upay = new ScriptedUpay().script('query', { kind: 'not_found', raw: { result_code: '200' } });
    const credentials = { sn: 't', key: 'k' };
    expect((await upay.query(credentials, { client_sn: 'x' })).kind).toBe('not_found');
    await expect(upay.query(credentials, { client_sn: 'x' })).rejects.toThrow('unscripted upay.query call');
    expect(upay.unscripted).toEqual(['query']);
    upay.always('query', { kind: 'rejected', raw: { result_code: '200' } });
    expect((await upay.query(credentials, { client_sn: 'x' })).kind).toBe('rejected');
    expect(upay.methods()).toEqual(['query', 'query', 'query']);
  });
});
