import type { TransportFailure } from './types.js';

/**
 * What a transport failure proves about the call that produced it.
 *
 * `not_applied`: nothing reached the provider, or the provider answered with a 400/500 envelope,
 * which refuses the *request* before any action. This says nothing about an order an earlier
 * attempt may have created: a flow that retried still has to find out about that one.
 *
 * `unknown`: the request may have been applied (timeout, connection lost after sending, a reply
 * that is not the protocol's). Only a query can tell; never treat it as failed.
 */
export function failureCertainty(failure: TransportFailure): 'not_applied' | 'unknown' {
  switch (failure.kind) {
    case 'not_sent':
    case 'illegal_sign':
    case 'client_error':
    case 'server_error':
      return 'not_applied';
    case 'timeout':
    case 'connection_lost':
    case 'bad_reply':
      return 'unknown';
  }
}

/**
 * The same for the terminal calls (activate, check-in), where a wrong "not applied" costs a
 * key: a 500 other than maintenance may come after the provider rotated the key or used up the
 * code (protocol §2: a 500 envelope says nothing certain), so only maintenance proves nothing
 * was done. Order flows keep `failureCertainty`.
 */
export function terminalCallCertainty(failure: TransportFailure): 'not_applied' | 'unknown' {
  if (failure.kind === 'server_error' && !failure.maintenance) return 'unknown';
  return failureCertainty(failure);
}
