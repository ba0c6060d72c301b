// Provider replies to verdicts. Kept apart from the flows so each flow reads as the
// provider's sequence diagram and every reply code is judged in exactly one place.
import { failureCertainty, type CancelOutcome, type PayOutcome, type PrecreateOutcome, type QueryOutcome, type TransportFailure } from '../upay/index.js';
import { verdictOf, type Verdict } from './verdict.js';

// A 500 during pay may come after the provider created the order, so unlike other
// request refusals it is judged unknown: querying and cancelling is cheap and always safe.
function transportVerdict(failure: TransportFailure, action: string): Verdict {
  const reason = `${action}: ${failure.kind}${'code' in failure ? ` ${failure.code}` : ''}`;
  if (failureCertainty(failure) === 'not_applied' && failure.kind !== 'server_error') return { kind: 'not_paid', reason };
  return { kind: 'open', reason };
}

export function payVerdict(outcome: PayOutcome): Verdict {
  switch (outcome.kind) {
    case 'paid':
      return { kind: 'paid', order: outcome.order };
    case 'failed':
      return { kind: 'not_paid', reason: outcome.error_code ?? 'PAY_FAIL', ...(outcome.order ? { order: outcome.order } : {}) };
    case 'in_progress':
      return { kind: 'open', reason: 'PAY_IN_PROGRESS', ...(outcome.order ? { order: outcome.order } : {}) };
    case 'unknown':
      return { kind: 'attention', reason: outcome.reason, ...(outcome.order ? { order: outcome.order } : {}) };
    case 'rejected':
      // The provider holds another order under this client_sn: only a person can tell whose.
      if (outcome.error_code === 'CLIENT_SN_CONFLICT') return { kind: 'attention', reason: 'CLIENT_SN_CONFLICT at the provider' };
      return { kind: 'not_paid', reason: outcome.error_code ?? 'PAY_REJECTED' };
    case 'transport':
      return transportVerdict(outcome.failure, 'pay');
  }
}

export function precreateVerdict(outcome: PrecreateOutcome): Verdict {
  switch (outcome.kind) {
    case 'created':
      return { kind: 'open', reason: 'PRECREATE_SUCCESS', order: outcome.order };
    case 'failed':
      return { kind: 'not_paid', reason: outcome.error_code ?? 'PRECREATE_FAIL', ...(outcome.order ? { order: outcome.order } : {}) };
    case 'unknown':
      return { kind: 'attention', reason: outcome.reason, ...(outcome.order ? { order: outcome.order } : {}) };
    case 'rejected':
      if (outcome.error_code === 'CLIENT_SN_CONFLICT') return { kind: 'attention', reason: 'CLIENT_SN_CONFLICT at the provider' };
      return { kind: 'not_paid', reason: outcome.error_code ?? 'PRECREATE_REJECTED' };
    case 'transport':
      return transportVerdict(outcome.failure, 'precreate');
  }
}

/** While polling, only a found order says anything; everything else means "look again". */
export function queryVerdict(outcome: QueryOutcome): Verdict {
  if (outcome.kind === 'found') return verdictOf(outcome.order);
  if (outcome.kind === 'not_found') return { kind: 'open', reason: 'UPAY_ORDER_NOT_EXISTS' };
  if (outcome.kind === 'rejected') return { kind: 'open', reason: `query: ${outcome.error_code ?? 'FAIL'}` };
  return { kind: 'open', reason: `query: ${outcome.failure.kind}` };
}

/**
 * A cancel or revoke reply. `retry` means the outcome is unknown but asking again is safe
 * (a second cancel of a cancelled order is a no-op at the provider).
 */
export type ReversalVerdict =
  | Verdict
  | { kind: 'retry'; reason: string }
  | { kind: 'refused'; reason: string }
  /** The request was refused before any action (a 400/500 envelope, nothing sent). */
  | { kind: 'not_applied'; reason: string };

export function reversalVerdict(outcome: CancelOutcome, action: 'cancel' | 'revoke'): ReversalVerdict {
  switch (outcome.kind) {
    case 'canceled':
      return { kind: 'canceled', ...(outcome.order ? { order: outcome.order } : {}) };
    case 'in_progress':
      return { kind: 'open', reason: `${action} in progress`, ...(outcome.order ? { order: outcome.order } : {}) };
    case 'unknown':
      return { kind: 'attention', reason: `${action}: ${outcome.reason}`, ...(outcome.order ? { order: outcome.order } : {}) };
    case 'not_found':
      // Nothing was created at the provider: nothing was charged.
      return { kind: 'not_paid', reason: 'UPAY_ORDER_NOT_EXISTS' };
    case 'rejected':
      // FAIL leaves the order unchanged. For a cancel, "already cancelled" or "cannot be
      // cancelled" is settled by a query; a refused revoke simply did not happen.
      if (action === 'cancel' && (outcome.error_code === 'UPAY_CANCEL_ORDER_NOOP' || outcome.error_code === 'UPAY_CANCEL_INVALID_ORDER_STATE')) {
        return { kind: 'open', reason: `${action}: ${outcome.error_code}` };
      }
      return { kind: 'refused', reason: outcome.error_code ?? `${action} refused` };
    case 'transport':
      // As for pay, a 500 may come after the provider acted: only other refusals are certain.
      return failureCertainty(outcome.failure) === 'not_applied' && outcome.failure.kind !== 'server_error'
        ? { kind: 'not_applied', reason: `${action}: ${outcome.failure.kind}` }
        : { kind: 'retry', reason: `${action}: ${outcome.failure.kind}` };
  }
}
