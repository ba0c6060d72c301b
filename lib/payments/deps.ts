import type { UpayClient } from '../upay/index.js';
import type { Ledger } from '../store/ledger.js';
import type { TerminalSigner } from '../terminals/signer.js';
import type { Telemetry } from '../telemetry.js';
import type { StepTimer } from '../timer/index.js';

/** The provider's timings (protocol §6), configurable so tests and the sandbox run them fast. */
export interface PaymentTiming {
  /** Timeout of one provider call. */
  providerTimeoutMs: number;
  /** Query interval while a payment is open (the provider asks for ≥ 3–5 s). */
  pollIntervalMs: number;
  /** How long a pay request polls before answering 202 (API Gateway cuts at 30 s); 0: answer 202 at once, the timer polls. */
  inRequestMs: number;
  /** From creation, how long an open payment is polled before it is cancelled. */
  payDeadlineMs: number;
  /** Precreate: every `precreateFastPollMs` for the first `precreateFastMs`, then every `precreatePollMs`. */
  precreateFastPollMs: number;
  precreateFastMs: number;
  precreatePollMs: number;
  /** From creation, when a still-open precreated order is cancelled (after the provider's own expiry). */
  precreateDeadlineMs: number;
  /** Retries of a cancel or refund whose outcome stayed unknown, before a person is called. */
  maxAttempts: number;
  /** How long a request's Lambda may still be running: the timer leaves its work alone until then. */
  requestLifetimeMs: number;
}

export interface PaymentDeps {
  ledger: Pick<Ledger, 'createOrder' | 'getOrder' | 'getRefund' | 'orderIdBySn' | 'updateOrder' | 'claimRefresh' | 'reserveRefund' | 'settleRefund' | 'updateRefund' | 'due'>;
  /** Wakes the worker when an open item's next step falls due. */
  timer: StepTimer;
  upay: Pick<UpayClient, 'pay' | 'precreate' | 'query' | 'refund' | 'revoke' | 'cancel'>;
  signer: TerminalSigner;
  telemetry: Telemetry;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  timing: PaymentTiming;
  /** Where the provider posts callbacks (our notify route), if deployed with one. */
  notifyUrl?: string;
}
