// GET /v1/orders/{order_id} and GET /v1/orders?client_sn=…|sn=… (cashier): the ledger's
// answer, refreshed from the provider only while the order is not final or on request.
// GET /v1/orders?date=… is the day's history (lib/api/records-handlers.ts).
import type { Context } from 'aws-lambda';
import { route, json, type HttpEvent, type HttpResult } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { orderLookup, orderPath, orderQuery } from '../lib/api/schemas/payments.js';
import { orderView } from '../lib/api/order-view.js';
import { queryOrder, type OrderRef } from '../lib/payments/query.js';
import type { Caller } from '../lib/api/auth.js';
import { history } from '../lib/api/records-handlers.js';

async function answer(ref: OrderRef, caller: Caller, refresh: boolean) {
  const found = await queryOrder(appContext().paymentDeps, ref, caller.store_id, refresh);
  if (!found) throw new ApiError('NOT_FOUND', 'no such order');
  return json(200, orderView(found));
}

const byId = route({ operation: 'query', role: 'cashier', path: orderPath, query: orderQuery }, ({ path, query, caller }) =>
  answer({ order_id: path.order_id }, caller, query.refresh === 'true'),
);

const byNumber = route({ operation: 'query', role: 'cashier', query: orderLookup }, ({ query, caller }) =>
  answer(query.client_sn !== undefined ? { client_sn: query.client_sn } : { sn: query.sn ?? '' }, caller, false),
);

export const handler = (event: HttpEvent, context: Context): Promise<HttpResult> =>
  event.pathParameters?.order_id !== undefined ? byId(event, context) : event.queryStringParameters?.date !== undefined ? history(event, context) : byNumber(event, context);
