// POST /v1/orders/{order_id}/resolve (admin: own store; ops: any): close a case a person
// looked at. The provider is asked first; 409 NOT_RESOLVED when it shows nothing final and
// no outcome was given (nothing changes).
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { storeInScope } from '../lib/api/auth.js';
import { orderPath } from '../lib/api/schemas/payments.js';
import { resolveBody } from '../lib/api/schemas/records.js';
import { orderView } from '../lib/api/order-view.js';
import { resolveCase } from '../lib/worklist/resolve.js';

export const handler = route({ operation: 'resolve', role: ['admin', 'ops'], path: orderPath, body: resolveBody }, async ({ path, body, caller }) => {
  const { paymentDeps, worklist } = appContext();
  const storeId = storeInScope(caller, undefined);
  const result = await resolveCase({ ...paymentDeps, cases: worklist }, { order_id: path.order_id, ...body, ...(storeId !== undefined ? { store_id: storeId } : {}), by: caller.subject, role: caller.role });
  switch (result.kind) {
    case 'resolved':
      return json(200, orderView(result.found));
    case 'not_found':
      throw new ApiError('NOT_FOUND', result.field === 'order_id' ? 'no such order' : 'no such refund of this order', result.field);
    case 'conflict':
      throw new ApiError('CONFLICT', result.message, result.field);
    case 'not_final':
      throw new ApiError('NOT_RESOLVED', result.message, 'outcome');
    case 'busy':
      throw new ApiError('BUSY', 'the order changed while it was being resolved; retry');
  }
});
