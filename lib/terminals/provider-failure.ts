import type { TransportFailure } from '../upay/index.js';
import { terminalCallCertainty } from '../upay/failures.js';

/** A failed terminal call as the flows need it: was anything applied, and a reason for people. */
export function describeFailure(failure: TransportFailure): { applied: 'no' | 'unknown'; reason: string } {
  const code = 'code' in failure ? ` ${failure.code}` : '';
  return { applied: terminalCallCertainty(failure) === 'not_applied' ? 'no' : 'unknown', reason: `${failure.kind}${code}` };
}
