// Every provider reply a flow can get, judged into a verdict in exactly one place.
import { describe, expect, it } from 'vitest';
import { payVerdict, precreateVerdict, queryVerdict, reversalVerdict } from '../../lib/payments/outcomes.js';
import type { CancelOutcome, TransportFailure } from '../../lib/upay/index.js';
import { FAILURE_KINDS, FAILURES, MAYBE_APPLIED, NOT_APPLIED, found, notFound, raw, rejected, transport, upayOrder } from './support/payments.js';

const provider = upayOrder();
const qrOrder = { ...upayOrder({ order_status: 'CREATED', status: 'CREATED' }), qr_code: 'https://qr.test/abc' };
const reasonFor = (action: string, kind: TransportFailure['kind']) => {
  const failure = FAILURES[kind];
  return `${action}: ${kind}${'code' in failure ? ` ${failure.code}` : ''}`;
};

describe('the failure-kind tables used below', () => {
  it('split every transport failure kind into not-applied and maybe-applied', () => {
    expect([...NOT_APPLIED, ...MAYBE_APPLIED].sort()).toEqual([...FAILURE_KINDS].sort());
  });
});

describe('a pay reply', () => {
  it('PAY_SUCCESS is paid, with the order', () => {
    expect(payVerdict({ kind: 'paid', order: provider, raw: raw('PAY_SUCCESS') })).toEqual({ kind: 'paid', order: provider });
  });

  it('PAY_FAIL is not paid, for the provider error code', () => {
    expect(payVerdict({ kind: 'failed', error_code: 'INSUFFICIENT_FUND', order: provider, raw: raw('PAY_FAIL', 'INSUFFICIENT_FUND') })).toEqual({
      kind: 'not_paid',
      reason: 'INSUFFICIENT_FUND',
      order: provider,
    });
  });

  it('PAY_FAIL without a code or order is not paid, for PAY_FAIL', () => {
    expect(payVerdict({ kind: 'failed', raw: raw('PAY_FAIL') })).toEqual({ kind: 'not_paid', reason: 'PAY_FAIL' });
  });

  it('PAY_IN_PROGRESS is open', () => {
    expect(payVerdict({ kind: 'in_progress', order: provider, raw: raw('PAY_IN_PROGRESS') })).toEqual({ kind: 'open', reason: 'PAY_IN_PROGRESS', order: provider });
    expect(payVerdict({ kind: 'in_progress', raw: raw('PAY_IN_PROGRESS') })).toEqual({ kind: 'open', reason: 'PAY_IN_PROGRESS' });
  });

  it('an unknown outcome (PAY_FAIL_ERROR) calls a person, never fails or pays', () => {
    expect(payVerdict({ kind: 'unknown', reason: 'PAY_FAIL_ERROR', order: provider, raw: raw('PAY_FAIL_ERROR') })).toEqual({ kind: 'attention', reason: 'PAY_FAIL_ERROR', order: provider });
    expect(payVerdict({ kind: 'unknown', reason: 'PAY_FAIL_IN_PROGRESS', raw: raw('PAY_FAIL_IN_PROGRESS') })).toEqual({ kind: 'attention', reason: 'PAY_FAIL_IN_PROGRESS' });
  });

  it('CLIENT_SN_CONFLICT calls a person: the provider holds someone else’s order under our client_sn', () => {
    expect(payVerdict(rejected('CLIENT_SN_CONFLICT'))).toEqual({ kind: 'attention', reason: 'CLIENT_SN_CONFLICT at the provider' });
  });

  it('any other refusal is not paid, for its code (or PAY_REJECTED)', () => {
    expect(payVerdict(rejected('INVALID_BARCODE'))).toEqual({ kind: 'not_paid', reason: 'INVALID_BARCODE' });
    expect(payVerdict(rejected())).toEqual({ kind: 'not_paid', reason: 'PAY_REJECTED' });
  });

  it.each(['not_sent', 'illegal_sign', 'client_error'] as const)('a %s transport failure is not paid: nothing was applied', (kind) => {
    expect(payVerdict(transport(kind))).toEqual({ kind: 'not_paid', reason: reasonFor('pay', kind) });
  });

  it('a 500 during pay is deliberately unknown (open): the order may already exist', () => {
    expect(payVerdict(transport('server_error'))).toEqual({ kind: 'open', reason: 'pay: server_error UNKNOWN_SYSTEM_ERROR' });
    expect(payVerdict({ kind: 'transport', failure: { kind: 'server_error', code: 'MAINTENANCE_INPROGRESS', maintenance: true } })).toEqual({
      kind: 'open',
      reason: 'pay: server_error MAINTENANCE_INPROGRESS',
    });
  });

  it.each(MAYBE_APPLIED)('a %s transport failure is open: only a query can tell', (kind) => {
    expect(payVerdict(transport(kind))).toEqual({ kind: 'open', reason: reasonFor('pay', kind) });
  });
});

describe('a precreate reply', () => {
  it('PRECREATE_SUCCESS is open, with the order and its QR code', () => {
    expect(precreateVerdict({ kind: 'created', order: qrOrder, raw: raw('PRECREATE_SUCCESS') })).toEqual({ kind: 'open', reason: 'PRECREATE_SUCCESS', order: qrOrder });
  });

  it('PRECREATE_FAIL is not paid, for its code (or PRECREATE_FAIL)', () => {
    expect(precreateVerdict({ kind: 'failed', error_code: 'TRADE_FAILED', raw: raw('PRECREATE_FAIL', 'TRADE_FAILED') })).toEqual({ kind: 'not_paid', reason: 'TRADE_FAILED' });
    expect(precreateVerdict({ kind: 'failed', order: provider, raw: raw('PRECREATE_FAIL') })).toEqual({ kind: 'not_paid', reason: 'PRECREATE_FAIL', order: provider });
  });

  it('an unknown outcome calls a person', () => {
    expect(precreateVerdict({ kind: 'unknown', reason: 'PRECREATE_FAIL_ERROR', raw: raw('PRECREATE_FAIL_ERROR') })).toEqual({ kind: 'attention', reason: 'PRECREATE_FAIL_ERROR' });
  });

  it('CLIENT_SN_CONFLICT calls a person; other refusals are not paid', () => {
    expect(precreateVerdict(rejected('CLIENT_SN_CONFLICT'))).toEqual({ kind: 'attention', reason: 'CLIENT_SN_CONFLICT at the provider' });
    expect(precreateVerdict(rejected('UPAY_TERMINAL_STATUS_ABNORMAL'))).toEqual({ kind: 'not_paid', reason: 'UPAY_TERMINAL_STATUS_ABNORMAL' });
    expect(precreateVerdict(rejected())).toEqual({ kind: 'not_paid', reason: 'PRECREATE_REJECTED' });
  });

  it.each(['not_sent', 'illegal_sign', 'client_error'] as const)('a %s transport failure is not paid', (kind) => {
    expect(precreateVerdict(transport(kind))).toEqual({ kind: 'not_paid', reason: reasonFor('precreate', kind) });
  });

  it.each(['server_error', ...MAYBE_APPLIED] as const)('a %s transport failure is open', (kind) => {
    expect(precreateVerdict(transport(kind))).toEqual({ kind: 'open', reason: reasonFor('precreate', kind) });
  });
});

describe('a query reply while polling', () => {
  it('a found order gives that order’s verdict', () => {
    expect(queryVerdict(found(provider))).toEqual({ kind: 'paid', order: provider });
    const open = upayOrder({ order_status: 'CREATED' });
    expect(queryVerdict(found(open))).toEqual({ kind: 'open', reason: 'CREATED', order: open });
  });

  it('UPAY_ORDER_NOT_EXISTS is open: the pay may still be arriving', () => {
    expect(queryVerdict(notFound())).toEqual({ kind: 'open', reason: 'UPAY_ORDER_NOT_EXISTS' });
  });

  it('a refused query is open, naming the code (or FAIL)', () => {
    expect(queryVerdict(rejected('UPAY_TERMINAL_STATUS_ABNORMAL'))).toEqual({ kind: 'open', reason: 'query: UPAY_TERMINAL_STATUS_ABNORMAL' });
    expect(queryVerdict(rejected())).toEqual({ kind: 'open', reason: 'query: FAIL' });
  });

  it.each(FAILURE_KINDS)('a %s transport failure is open: look again', (kind) => {
    expect(queryVerdict(transport(kind))).toEqual({ kind: 'open', reason: `query: ${kind}` });
  });
});

describe.each(['cancel', 'revoke'] as const)('a %s reply', (action) => {
  it('CANCEL_SUCCESS and CANCEL_ABORT_SUCCESS are canceled', () => {
    const canceled = upayOrder({ order_status: 'CANCELED' });
    expect(reversalVerdict({ kind: 'canceled', aborted: false, order: canceled, raw: raw('CANCEL_SUCCESS') }, action)).toEqual({ kind: 'canceled', order: canceled });
    expect(reversalVerdict({ kind: 'canceled', aborted: true, raw: raw('CANCEL_ABORT_SUCCESS') }, action)).toEqual({ kind: 'canceled' });
  });

  it('CANCEL_IN_PROGRESS and CANCEL_ABORT_IN_PROGRESS are open', () => {
    const outcome: CancelOutcome = { kind: 'in_progress', aborted: true, raw: raw('CANCEL_ABORT_IN_PROGRESS') };
    expect(reversalVerdict(outcome, action)).toEqual({ kind: 'open', reason: `${action} in progress` });
  });

  it('CANCEL_ERROR calls a person', () => {
    expect(reversalVerdict({ kind: 'unknown', reason: 'CANCEL_ERROR', raw: raw('CANCEL_ERROR') }, action)).toEqual({ kind: 'attention', reason: `${action}: CANCEL_ERROR` });
  });

  it('UPAY_ORDER_NOT_EXISTS is not paid: nothing was created, nothing was charged', () => {
    expect(reversalVerdict(notFound(), action)).toEqual({ kind: 'not_paid', reason: 'UPAY_ORDER_NOT_EXISTS' });
  });

  it('any other refusal is refused, for its code (or a generic reason)', () => {
    expect(reversalVerdict(rejected('UPAY_TERMINAL_STATUS_ABNORMAL'), action)).toEqual({ kind: 'refused', reason: 'UPAY_TERMINAL_STATUS_ABNORMAL' });
    expect(reversalVerdict(rejected(), action)).toEqual({ kind: 'refused', reason: `${action} refused` });
  });

  it.each(MAYBE_APPLIED)('a %s transport failure is retried: the outcome is unknown and asking again is safe', (kind) => {
    expect(reversalVerdict(transport(kind), action)).toEqual({ kind: 'retry', reason: `${action}: ${kind}` });
  });

  it('a 500 is retried like an unknown outcome: as for pay, the provider may have acted before failing', () => {
    expect(reversalVerdict(transport('server_error'), action)).toEqual({ kind: 'retry', reason: `${action}: server_error` });
  });

  it.each(['not_sent', 'illegal_sign', 'client_error'] as const)('a %s transport failure is not applied: nothing reached the provider or it refused the request', (kind) => {
    expect(reversalVerdict(transport(kind), action)).toEqual({ kind: 'not_applied', reason: `${action}: ${kind}` });
  });
});

describe('a refused reversal', () => {
  it.each(['UPAY_CANCEL_ORDER_NOOP', 'UPAY_CANCEL_INVALID_ORDER_STATE'])('of a cancel with %s is open: a query settles it', (code) => {
    expect(reversalVerdict(rejected(code), 'cancel')).toEqual({ kind: 'open', reason: `cancel: ${code}` });
  });

  it.each(['UPAY_CANCEL_ORDER_NOOP', 'UPAY_CANCEL_INVALID_ORDER_STATE'])('of a revoke with %s simply did not happen', (code) => {
    expect(reversalVerdict(rejected(code), 'revoke')).toEqual({ kind: 'refused', reason: code });
  });
});
