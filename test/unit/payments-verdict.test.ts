// The order state machine: what each provider order_status means (verdictOf), and the one
// ledger change each verdict makes to each order we hold (changesFor). Pure functions.
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderStatus } from '../../lib/upay/index.js';
import { attentionChanges, changesFor, providerState, verdictOf, type Verdict } from '../../lib/payments/verdict.js';
import { openOrder, order, PROVIDER_SN, raw, START, upayOrder } from './support/payments.js';

const NOW = START + 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('what a provider order_status means', () => {
  const expected: Record<OrderStatus, Verdict['kind']> = {
    PAID: 'paid',
    PARTIAL_REFUNDED: 'paid',
    REFUNDED: 'paid',
    PAY_CANCELED: 'not_paid',
    CANCELED: 'canceled',
    CREATED: 'open',
    CANCEL_INPROGRESS: 'open',
    PAY_ERROR: 'attention',
    REFUND_ERROR: 'attention',
    CANCEL_ERROR: 'attention',
    INVALID_STATUS_CODE: 'attention',
  };

  it('has a verdict for every order_status the protocol names', () => {
    expect(Object.keys(expected).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it.each(ORDER_STATUSES)('%s gives the expected verdict and carries the provider order', (status) => {
    const provider = upayOrder({ order_status: status });
    const verdict = verdictOf(provider);
    expect(verdict.kind).toBe(expected[status]);
    expect(verdict.order).toBe(provider);
  });

  it('names PAY_CANCELED as the reason nothing was paid', () => {
    expect(verdictOf(upayOrder({ order_status: 'PAY_CANCELED' }))).toMatchObject({ kind: 'not_paid', reason: 'PAY_CANCELED' });
  });

  it('names the open status as the reason to look again', () => {
    expect(verdictOf(upayOrder({ order_status: 'CANCEL_INPROGRESS' }))).toMatchObject({ kind: 'open', reason: 'CANCEL_INPROGRESS' });
  });

  it.each(['PAY_ERROR', 'REFUND_ERROR', 'CANCEL_ERROR', 'INVALID_STATUS_CODE'] as const)('calls a person for %s, naming the status', (status) => {
    expect(verdictOf(upayOrder({ order_status: status }))).toMatchObject({ kind: 'attention', reason: `provider order status ${status}` });
  });
});

describe('the provider state kept with an order', () => {
  it('keeps the raw codes, the transaction status and the order status', () => {
    expect(providerState(raw('PAY_SUCCESS'), upayOrder({ status: 'SUCCESS', order_status: 'PAID' }))).toEqual({
      result_code: '200',
      biz_result_code: 'PAY_SUCCESS',
      status: 'SUCCESS',
      order_status: 'PAID',
    });
  });

  it('is empty when there was neither a reply nor an order', () => {
    expect(providerState(undefined)).toEqual({});
  });
});

describe('a PAID report', () => {
  const paid = (overrides = {}): Verdict => ({ kind: 'paid', order: upayOrder(overrides) });

  it('books an open order as PAID with the provider identity, clearing its work and attention', () => {
    const changes = changesFor(openOrder({ sn: undefined }), paid(), raw('SUCCESS'), NOW);
    expect(changes).toEqual({
      sn: '7895000000000001',
      trade_no: '4200001234',
      payway: '3',
      sub_payway: '1',
      order_status: 'PAID',
      net_amount: 1000,
      finished_at: iso(START + 1_500),
      work: null,
      attention: null,
      provider: { result_code: '200', biz_result_code: 'SUCCESS', status: 'SUCCESS', order_status: 'PAID' },
    });
  });

  it('takes the finish time from the clock when the provider gives none', () => {
    expect(changesFor(openOrder(), paid({ finish_time: undefined }), undefined, NOW)).toMatchObject({ finished_at: iso(NOW) });
  });

  it('leaves out identity fields the provider did not send', () => {
    const changes = changesFor(openOrder(), paid({ trade_no: undefined, payway: undefined, sub_payway: undefined }), undefined, NOW) ?? {};
    expect(Object.keys(changes)).not.toContain('trade_no');
    expect(Object.keys(changes)).not.toContain('payway');
    expect(Object.keys(changes)).not.toContain('sub_payway');
  });

  it.each(['PAY_ERROR', 'CANCEL_ERROR'] as const)('resolves an order we hold as %s to PAID and clears its attention', (status) => {
    const current = openOrder({ order_status: status, attention: { reason: 'x', at: iso(START) }, work: undefined });
    expect(changesFor(current, paid(), undefined, NOW)).toMatchObject({ order_status: 'PAID', attention: null });
  });

  it.each(['PARTIAL_REFUNDED', 'REFUNDED'] as const)('also books a %s report on an open order as paid', (status) => {
    expect(changesFor(openOrder(), paid({ order_status: status, net_amount: 400 }), undefined, NOW)).toMatchObject({ order_status: 'PAID', net_amount: 1000 });
  });

  it('computes net from our own refunds, never from the provider', () => {
    const current = openOrder({ order_status: 'PAY_ERROR', refunded_amount: 200 });
    expect(changesFor(current, paid({ net_amount: 1000 }), undefined, NOW)).toMatchObject({ net_amount: 800 });
  });

  it.each(['PAID', 'PARTIAL_REFUNDED', 'REFUNDED'] as const)('changes nothing on an order already %s', (status) => {
    expect(changesFor(order({ order_status: status }), paid(), undefined, NOW)).toBeUndefined();
  });

  it.each(['PAY_CANCELED', 'CANCELED'] as const)('calls a person for an order we closed as %s: money moved after all', (status) => {
    const changes = changesFor(order({ order_status: status, net_amount: 0 }), paid(), raw('SUCCESS'), NOW);
    expect(changes).toEqual({
      attention: { reason: `provider reports the order PAID; we hold it as ${status}`, at: iso(NOW) },
      work: null,
      provider: { result_code: '200', biz_result_code: 'SUCCESS', status: 'SUCCESS', order_status: 'PAID' },
    });
  });

  it('does not write the same PAID-after-close attention twice', () => {
    const current = order({ order_status: 'PAY_CANCELED', net_amount: 0, attention: { reason: 'provider reports the order PAID; we hold it as PAY_CANCELED', at: iso(START) } });
    expect(changesFor(current, paid(), undefined, NOW)).toBeUndefined();
  });

  it('never books a payment while our reversal of it is in flight', () => {
    expect(changesFor(order({ reversal: 'revoke' }), paid(), undefined, NOW)).toBeUndefined();
    expect(changesFor(order({ reversal: 'cancel' }), paid(), undefined, NOW)).toBeUndefined();
  });

  it('never books an open payment as PAID while our cancel of it is in flight', () => {
    expect(changesFor(openOrder({ reversal: 'cancel' }), paid(), undefined, NOW)).toBeUndefined();
    expect(changesFor(openOrder({ order_status: 'CANCEL_ERROR', reversal: 'cancel' }), paid(), undefined, NOW)).toBeUndefined();
  });
});

describe('a total that differs from ours', () => {
  const verdicts: Verdict[] = [
    { kind: 'paid', order: upayOrder({ total_amount: 999 }) },
    { kind: 'not_paid', reason: 'PAY_CANCELED', order: upayOrder({ total_amount: 999, order_status: 'PAY_CANCELED' }) },
    { kind: 'canceled', order: upayOrder({ total_amount: 999, order_status: 'CANCELED' }) },
    { kind: 'open', reason: 'CREATED', order: upayOrder({ total_amount: 999, order_status: 'CREATED' }) },
    { kind: 'attention', reason: 'provider order status PAY_ERROR', order: upayOrder({ total_amount: 999, order_status: 'PAY_ERROR' }) },
  ];

  it.each(verdicts)('calls a person instead of applying a $kind verdict, keeping our status', (verdict) => {
    const changes = changesFor(openOrder(), verdict, raw('SUCCESS'), NOW);
    expect(changes).toEqual({
      attention: { reason: 'provider total 999 differs from ours 1000', at: iso(NOW) },
      work: null,
      provider: providerState(raw('SUCCESS'), verdict.order),
    });
  });

  it('is checked in cents exactly: one cent off is a mismatch', () => {
    expect(changesFor(openOrder(), { kind: 'paid', order: upayOrder({ total_amount: 1001 }) }, undefined, NOW)).toMatchObject({
      attention: { reason: 'provider total 1001 differs from ours 1000' },
    });
  });
});

describe('a not-paid verdict', () => {
  it('closes an open order as PAY_CANCELED with nothing netted', () => {
    const verdict: Verdict = { kind: 'not_paid', reason: 'PAY_CANCELED', order: upayOrder({ order_status: 'PAY_CANCELED', net_amount: 0 }) };
    expect(changesFor(openOrder(), verdict, raw('SUCCESS'), NOW)).toEqual({
      sn: '7895000000000001',
      trade_no: '4200001234',
      payway: '3',
      sub_payway: '1',
      order_status: 'PAY_CANCELED',
      net_amount: 0,
      failure_reason: 'PAY_CANCELED',
      reversal: null,
      finished_at: iso(NOW),
      work: null,
      attention: null,
      provider: { result_code: '200', biz_result_code: 'SUCCESS', status: 'SUCCESS', order_status: 'PAY_CANCELED' },
    });
  });

  it('closes an open order even without a provider order (nothing was created)', () => {
    expect(changesFor(openOrder(), { kind: 'not_paid', reason: 'UPAY_ORDER_NOT_EXISTS' }, undefined, NOW)).toEqual({
      order_status: 'PAY_CANCELED',
      net_amount: 0,
      failure_reason: 'UPAY_ORDER_NOT_EXISTS',
      reversal: null,
      finished_at: iso(NOW),
      work: null,
      attention: null,
      provider: {},
    });
  });

  it('ends our cancel of an open order the provider closed: the mark comes off with it', () => {
    expect(changesFor(openOrder({ reversal: 'cancel' }), { kind: 'not_paid', reason: 'UPAY_ORDER_NOT_EXISTS' }, undefined, NOW)).toMatchObject({ order_status: 'PAY_CANCELED', reversal: null });
  });

  it('changes nothing on an order already PAY_CANCELED', () => {
    expect(changesFor(order({ order_status: 'PAY_CANCELED' }), { kind: 'not_paid', reason: 'PAY_CANCELED' }, undefined, NOW)).toBeUndefined();
  });

  it('does not write the same attention twice for a closed order it disagrees with', () => {
    const reason = 'provider says PAY_CANCELED for an order we hold as PAID';
    expect(changesFor(order({ attention: { reason, at: iso(START) } }), { kind: 'not_paid', reason: 'PAY_CANCELED' }, undefined, NOW)).toBeUndefined();
  });

  it.each(['PAID', 'PARTIAL_REFUNDED', 'REFUNDED', 'CANCELED', 'PAY_ERROR'] as const)('for an order we hold as %s calls a person and keeps our status', (status) => {
    const changes = changesFor(order({ order_status: status }), { kind: 'not_paid', reason: 'PAY_CANCELED', order: upayOrder({ order_status: 'PAY_CANCELED' }) }, undefined, NOW);
    expect(changes).toMatchObject({ attention: { reason: `provider says PAY_CANCELED for an order we hold as ${status}`, at: iso(NOW) }, work: null });
    expect(changes).not.toHaveProperty('order_status');
    expect(changes).not.toHaveProperty('net_amount');
  });
});

describe('a canceled verdict', () => {
  it('closes a paid order as CANCELED with nothing netted, ending the reversal', () => {
    const changes = changesFor(order({ reversal: 'revoke', work: { step: 'query', due_at: NOW, deadline_at: NOW, attempts: 0 } }), { kind: 'canceled', order: upayOrder({ order_status: 'CANCELED', net_amount: 0 }) }, raw('CANCEL_SUCCESS'), NOW);
    expect(changes).toMatchObject({ order_status: 'CANCELED', net_amount: 0, reversal: null, work: null, attention: null, finished_at: iso(NOW) });
  });

  it('closes an open order as CANCELED even without a provider order', () => {
    expect(changesFor(openOrder(), { kind: 'canceled' }, undefined, NOW)).toMatchObject({ order_status: 'CANCELED', net_amount: 0, work: null });
  });

  it('changes nothing on an order already CANCELED', () => {
    expect(changesFor(order({ order_status: 'CANCELED', net_amount: 0 }), { kind: 'canceled' }, undefined, NOW)).toBeUndefined();
  });

  it('calls a person for an order that has refunds, instead of zeroing it', () => {
    const changes = changesFor(order({ order_status: 'PARTIAL_REFUNDED', refunded_amount: 300, refund_committed: 300, net_amount: 700 }), { kind: 'canceled' }, undefined, NOW);
    expect(changes).toMatchObject({ attention: { reason: 'provider reports CANCELED for an order with refunds' }, work: null });
    expect(changes).not.toHaveProperty('order_status');
  });

  it('calls a person for an order with a refund still in flight', () => {
    const changes = changesFor(order({ refund_committed: 1 }), { kind: 'canceled' }, undefined, NOW);
    expect(changes).toMatchObject({ attention: { reason: 'provider reports CANCELED for an order with refunds' } });
  });
});

describe('an open verdict', () => {
  it('changes nothing without a provider order, or with one whose sn we hold', () => {
    expect(changesFor(openOrder({ sn: PROVIDER_SN }), { kind: 'open', reason: 'CREATED', order: upayOrder({ order_status: 'CREATED' }) }, undefined, NOW)).toBeUndefined();
    expect(changesFor(openOrder(), { kind: 'open', reason: 'query: timeout' }, undefined, NOW)).toBeUndefined();
  });

  it('stores the sn of a reply that carries one, so the order can be found by it', () => {
    expect(changesFor(openOrder(), { kind: 'open', reason: 'PAY_IN_PROGRESS', order: upayOrder({ order_status: 'CREATED' }) }, undefined, NOW)).toMatchObject({ sn: PROVIDER_SN });
  });
});

describe('an attention verdict', () => {
  it('flags the order, stops its work and takes the provider status', () => {
    const verdict: Verdict = { kind: 'attention', reason: 'provider order status PAY_ERROR', order: upayOrder({ order_status: 'PAY_ERROR' }) };
    expect(changesFor(openOrder(), verdict, raw('PAY_FAIL_ERROR'), NOW)).toEqual({
      // The sn of a failed order is how a person finds it at the provider.
      sn: PROVIDER_SN,
      trade_no: '4200001234',
      payway: '3',
      sub_payway: '1',
      attention: { reason: 'provider order status PAY_ERROR', at: iso(NOW) },
      work: null,
      provider: { result_code: '200', biz_result_code: 'PAY_FAIL_ERROR', status: 'SUCCESS', order_status: 'PAY_ERROR' },
      order_status: 'PAY_ERROR',
    });
  });

  it('keeps our status when the provider sent no order', () => {
    const changes = changesFor(openOrder(), { kind: 'attention', reason: 'CLIENT_SN_CONFLICT at the provider' }, undefined, NOW);
    expect(changes).toMatchObject({ attention: { reason: 'CLIENT_SN_CONFLICT at the provider' }, work: null });
    expect(changes).not.toHaveProperty('order_status');
  });

  it('keeps the status of an order that had settled', () => {
    const changes = changesFor(order(), { kind: 'attention', reason: 'provider order status REFUND_ERROR', order: upayOrder({ order_status: 'REFUND_ERROR' }) }, undefined, NOW);
    expect(changes).toMatchObject({ attention: { reason: 'provider order status REFUND_ERROR' } });
    expect(changes).not.toHaveProperty('order_status');
  });

  it('changes nothing when the same reason is already recorded and nothing is scheduled', () => {
    const current = openOrder({ attention: { reason: 'same', at: iso(START) }, work: undefined });
    expect(changesFor(current, { kind: 'attention', reason: 'same' }, undefined, NOW)).toBeUndefined();
  });

  it('still stops the work of an order flagged for the same reason but scheduled again', () => {
    const current = openOrder({ attention: { reason: 'same', at: iso(START) } });
    expect(changesFor(current, { kind: 'attention', reason: 'same' }, undefined, NOW)).toMatchObject({ work: null });
  });

  it('records a new reason over an older one', () => {
    const current = openOrder({ attention: { reason: 'older', at: iso(START) }, work: undefined });
    expect(changesFor(current, { kind: 'attention', reason: 'newer' }, undefined, NOW)).toMatchObject({ attention: { reason: 'newer', at: iso(NOW) } });
  });
});

describe('attention changes', () => {
  it('stop the work and stamp the reason with the time', () => {
    expect(attentionChanges('look', NOW)).toEqual({ attention: { reason: 'look', at: iso(NOW) }, work: null });
    expect(attentionChanges('look', NOW, { order_status: 'PAY_ERROR' })).toEqual({ attention: { reason: 'look', at: iso(NOW) }, work: null, provider: { order_status: 'PAY_ERROR' } });
  });
});
