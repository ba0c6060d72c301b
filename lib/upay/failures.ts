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
