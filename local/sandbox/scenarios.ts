// The deterministic outcomes of README's scenario table, chosen by the last four digits of
// the pay barcode (or of a precreate's client_sn).

export type PaymentScript =
  | { kind: 'paid' }
  | { kind: 'declined'; errorCode: string }
  | { kind: 'error' }
  | {
      kind: 'in_flight';
      reply: 'PAY_IN_PROGRESS' | 'PAY_FAIL_IN_PROGRESS';
      transactionStatus: 'IN_PROG' | 'FAIL_IO_1';
      // Absent: the payment never settles by itself; only a cancel ends it.
      settlesAtQuery?: number;
      settlesAs?: 'PAID' | 'PAY_CANCELED' | 'PAY_ERROR';
    };

export interface Scenario {
  payment: PaymentScript;
  // A cancel that meets the payment still in flight.
  abort: 'success' | 'error' | 'in_progress';
  // A cancel or revoke of the paid order.
  reversal: 'success' | 'error' | 'in_progress';
  refund: 'success' | 'error' | 'fail' | 'in_progress';
}

const ORDINARY: Scenario = { payment: { kind: 'paid' }, abort: 'success', reversal: 'success', refund: 'success' };

const DECLINE_CODES = [
  'INSUFFICIENT_FUND',
  'EXPIRED_BARCODE',
  'BUYER_OVER_DAILY_LIMIT',
  'BUYER_OVER_TRANSACTION_LIMIT',
  'SELLER_OVER_DAILY_LIMIT',
  'TRADE_FAILED',
  'UPAY_STORE_OVER_DAILY_LIMIT',
  'ACCOUNT_BALANCE_NOT_ENOUGH',
  'TRADE_TIMEOUT',
] as const;

const FOREVER_IN_FLIGHT: PaymentScript = { kind: 'in_flight', reply: 'PAY_IN_PROGRESS', transactionStatus: 'IN_PROG' };

const FIXED: Readonly<Record<string, Partial<Scenario>>> = {
  '9300': { payment: FOREVER_IN_FLIGHT },
  '9301': { payment: FOREVER_IN_FLIGHT, abort: 'error' },
  '9302': { payment: FOREVER_IN_FLIGHT, abort: 'in_progress' },
  '9500': { payment: { kind: 'error' } },
  '9501': {
    payment: { kind: 'in_flight', reply: 'PAY_FAIL_IN_PROGRESS', transactionStatus: 'FAIL_IO_1', settlesAtQuery: 3, settlesAs: 'PAY_ERROR' },
  },
  '9601': { refund: 'error' },
  '9602': { refund: 'fail' },
  '9603': { refund: 'in_progress' },
  '9701': { reversal: 'error' },
  '9702': { reversal: 'in_progress' },
};

const SUFFIX = /([0-9]{2})([0-9]{2})$/;

export function scenarioFor(value: string): Scenario {
  const match = SUFFIX.exec(value);
  if (match === null) return ORDINARY;
  const [suffix, family, tail] = match as unknown as [string, string, string];
  const n = Number(tail);
  if ((family === '91' || family === '92') && n >= 1) {
    const settlesAs = family === '91' ? 'PAID' : 'PAY_CANCELED';
    return { ...ORDINARY, payment: { kind: 'in_flight', reply: 'PAY_IN_PROGRESS', transactionStatus: 'IN_PROG', settlesAtQuery: n, settlesAs } };
  }
  const declineCode = family === '94' ? DECLINE_CODES[n - 1] : undefined;
  if (declineCode !== undefined) return { ...ORDINARY, payment: { kind: 'declined', errorCode: declineCode } };
  return { ...ORDINARY, ...FIXED[suffix] };
}
