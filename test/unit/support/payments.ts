// Builders for the payment flows' unit tests: a world of fakes wired as PaymentDeps, orders
// and refunds as the ledger holds them, and provider orders and outcomes as lib/upay makes them.
import type { PaymentDeps, PaymentTiming } from '../../../lib/payments/deps.js';
import { advance } from '../../../lib/payments/reconcile.js';
import { wakeUpFor } from '../../../lib/payments/sweep.js';
import type { StepTimer, TimerItem } from '../../../lib/timer/index.js';
import { orderIdFor, type Order, type Refund } from '../../../lib/payments/model.js';
import type { PayRequest, PrecreateRequest, RawCodes, Rejected, TransportFailure, TransportOutcome, UpayOrder } from '../../../lib/upay/index.js';
import { FakeLedger } from './fake-ledger.js';
import { ScriptedUpay } from './fake-upay.js';
import { FakeClock, FakeSigner, RecordingTelemetry } from './fakes.js';

/** 2026-05-12 10:00:00 in Asia/Shanghai (02:00 UTC). */
export const START = Date.UTC(2026, 4, 12, 2, 0, 0);
export const STORE = 'store-1';
export const TERMINAL = '100000000000000001';
export const PROVIDER_SN = '7895000000000001';

/**
 * The production defaults (lib/api/config.ts), except pay's in-request wait (now 0: answer at
 * once), kept at its former 20 s so the in-request polling stays tested; the fake clock makes
 * them cost nothing.
 */
export const TIMING: PaymentTiming = {
  providerTimeoutMs: 8_000,
  pollIntervalMs: 3_000,
  inRequestMs: 20_000,
  payDeadlineMs: 45_000,
  precreateFastPollMs: 2_000,
  precreateFastMs: 30_000,
  precreatePollMs: 5_000,
  precreateDeadlineMs: 120_000,
  maxAttempts: 5,
  requestLifetimeMs: 35_000,
};

/** The step timer as the flows see it: records every wake-up; `failing` makes it throw. */
export class RecordingTimer implements StepTimer {
  readonly scheduled: TimerItem[] = [];
  failing = false;
  schedule(items: readonly TimerItem[]): Promise<void> {
    if (this.failing) return Promise.reject(new Error('SQS unavailable'));
    this.scheduled.push(...items);
    return Promise.resolve();
  }
}

export interface World {
  timer: RecordingTimer;
  clock: FakeClock;
  ledger: FakeLedger;
  upay: ScriptedUpay;
  signer: FakeSigner;
  telemetry: RecordingTelemetry;
  deps: PaymentDeps;
}

export function world(options: { now?: number; timing?: Partial<PaymentTiming>; notifyUrl?: string } = {}): World {
  const clock = new FakeClock(options.now ?? START);
  const ledger = new FakeLedger();
  const upay = new ScriptedUpay();
  const signer = new FakeSigner();
  const telemetry = new RecordingTelemetry();
  const timer = new RecordingTimer();
  const deps: PaymentDeps = {
    ledger,
    timer,
    upay,
    signer,
    telemetry,
    now: clock.now,
    sleep: clock.sleep,
    timing: { ...TIMING, ...options.timing },
    ...(options.notifyUrl ? { notifyUrl: options.notifyUrl } : {}),
  };
  return { clock, ledger, upay, signer, telemetry, deps, timer };
}

/** A paid order of 10.00 held by our ledger (override anything). */
export function order(overrides: Partial<Order> = {}): Order {
  const clientSn = overrides.client_sn ?? 'sale-1';
  return {
    order_id: orderIdFor(clientSn),
    kind: 'pay',
    client_sn: clientSn,
    store_id: STORE,
    terminal_sn: TERMINAL,
    sn: PROVIDER_SN,
    order_status: 'PAID',
    total_amount: 1000,
    net_amount: 1000,
    refunded_amount: 0,
    refund_committed: 0,
    payway: '3',
    sub_payway: '1',
    subject: 'tea',
    operator: 'ann',
    created_at: new Date(START).toISOString(),
    finished_at: new Date(START).toISOString(),
    request_hash: 'hash',
    attempt_id: 'attempt-of-the-request-that-created-it',
    version: 3,
    ...overrides,
  };
}

/** An order still open at the provider, polled by the step timer (no provider sn yet unless given). */
export function openOrder(overrides: Partial<Order> = {}): Order {
  const open = order({
    order_status: 'CREATED',
    net_amount: 0,
    work: { step: 'query', due_at: START + 23_000, deadline_at: START + 45_000, attempts: 0 },
    ...overrides,
  });
  if (!('sn' in overrides)) delete open.sn;
  if (!('finished_at' in overrides)) delete open.finished_at;
  return open;
}

export function refundItem(overrides: Partial<Refund> = {}): Refund {
  return {
    order_id: orderIdFor('sale-1'),
    refund_request_no: 'r-1',
    refund_amount: 300,
    operator: 'ann',
    status: 'REFUND_IN_PROGRESS',
    created_at: new Date(START).toISOString(),
    attempt_id: 'attempt-of-the-request-that-reserved-it',
    work: { step: 'query', due_at: START + 35_000, deadline_at: START, attempts: 0 },
    version: 1,
    ...overrides,
  };
}

/** The provider's view of order `sale-1`. */
export function upayOrder(overrides: Partial<UpayOrder> = {}): UpayOrder {
  return {
    sn: PROVIDER_SN,
    client_sn: 'sale-1',
    terminal_sn: TERMINAL,
    order_status: 'PAID',
    status: 'SUCCESS',
    total_amount: 1000,
    net_amount: 1000,
    trade_no: '4200001234',
    payway: '3',
    sub_payway: '1',
    finish_time: START + 1_500,
    ...overrides,
  };
}

export function raw(bizResultCode: string, bizErrorCode?: string): RawCodes {
  return { result_code: '200', biz_result_code: bizResultCode, ...(bizErrorCode ? { biz_error_code: bizErrorCode } : {}) };
}

export const payRequest = (overrides: Partial<PayRequest> = {}): PayRequest => ({
  client_sn: 'sale-1',
  total_amount: 1000,
  dynamic_id: '130000000000000001',
  subject: 'tea',
  operator: 'ann',
  ...overrides,
});

export const precreateRequest = (overrides: Partial<PrecreateRequest> = {}): PrecreateRequest => ({
  client_sn: 'sale-1',
  total_amount: 1000,
  subject: 'tea',
  operator: 'ann',
  payway: '3',
  ...overrides,
});

/** One of each transport failure; the mapped type makes a new kind a compile error here. */
export const FAILURES: { [K in TransportFailure['kind']]: Extract<TransportFailure, { kind: K }> } = {
  not_sent: { kind: 'not_sent', cause: 'ECONNREFUSED' },
  timeout: { kind: 'timeout', timeoutMs: 8_000 },
  connection_lost: { kind: 'connection_lost', cause: 'ECONNRESET' },
  illegal_sign: { kind: 'illegal_sign', message: 'ILLEGAL_SIGN' },
  client_error: { kind: 'client_error', code: 'INVALID_PARAMS' },
  server_error: { kind: 'server_error', code: 'UNKNOWN_SYSTEM_ERROR', maintenance: false },
  bad_reply: { kind: 'bad_reply', reason: 'reply is not JSON' },
};

export const FAILURE_KINDS = Object.keys(FAILURES) as TransportFailure['kind'][];
/** What failureCertainty says each kind proves. */
export const NOT_APPLIED: readonly TransportFailure['kind'][] = ['not_sent', 'illegal_sign', 'client_error', 'server_error'];
export const MAYBE_APPLIED: readonly TransportFailure['kind'][] = ['timeout', 'connection_lost', 'bad_reply'];

export function transport(kind: TransportFailure['kind'] = 'timeout'): TransportOutcome {
  return { kind: 'transport', failure: { ...FAILURES[kind] } };
}

export function rejected(errorCode?: string): Rejected {
  return { kind: 'rejected', ...(errorCode ? { error_code: errorCode } : {}), raw: raw('FAIL', errorCode) };
}

export const found = (provider: UpayOrder) => ({ kind: 'found' as const, order: provider, raw: raw('SUCCESS') });
export const notFound = () => ({ kind: 'not_found' as const, raw: raw('FAIL', 'UPAY_ORDER_NOT_EXISTS') });

/** What one pass of the timer does: a wake-up for each item due now, one after another. */
export async function runDue(deps: PaymentDeps, limit = 10): Promise<number> {
  const items = await deps.ledger.due(deps.now(), limit);
  for (const item of items) await advance(deps, wakeUpFor(item));
  return items.length;
}
