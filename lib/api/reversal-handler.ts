import { route, json } from './route.js';
import { ApiError } from './errors.js';
import { appContext } from './context.js';
import { orderPath, revokeBody } from './schemas/payments.js';
import { orderView } from './order-view.js';
import { reverse, type ReversalAction } from '../payments/reversal.js';
import { isFinal } from '../payments/model.js';

/** Revoke and cancel differ only in the provider's rules, which lib/payments applies. */
export function reversalHandler(action: ReversalAction) {
  return route({ operation: action, role: 'admin', path: orderPath, body: revokeBody }, async ({ path, body, caller }) => {
    const result = await reverse(appContext().paymentDeps, { order_id: path.order_id }, caller.store_id, action, body?.operator ?? caller.subject);
    if (result.kind === 'not_found') throw new ApiError('NOT_FOUND', 'no such order');
    if (result.kind === 'refused') throw new ApiError(action === 'revoke' ? 'NOT_REVOCABLE' : 'NOT_CANCELABLE', result.message);
    if (result.kind === 'unavailable') throw new ApiError('PROVIDER_UNAVAILABLE', result.message);
    return json(isFinal(result.found.order) || result.found.order.attention ? 200 : 202, orderView(result.found));
  });
}
