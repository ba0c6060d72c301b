// POST /v1/orders/{order_id}/refunds (cashier): a partial or full refund, idempotent by refund_request_no.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { orderPath, refundBody } from '../lib/api/schemas/payments.js';
import { orderView } from '../lib/api/order-view.js';
import { refund } from '../lib/payments/refund.js';

export const handler = route({ operation: 'refund', role: 'cashier', path: orderPath, body: refundBody }, async ({ path, body, caller }) => {
  const result = await refund(appContext().paymentDeps, { store_id: caller.store_id, order_id: path.order_id, ...body });
  switch (result.kind) {
    case 'not_found':
      throw new ApiError('NOT_FOUND', 'no such order');
    case 'refused':
      throw new ApiError(result.code, result.message, result.code === 'CONFLICT' ? 'refund_request_no' : 'refund_amount');
    case 'done':
      return json(result.refund.status === 'REFUND_IN_PROGRESS' ? 202 : 200, orderView(result.found));
  }
});
