// GET /v1/attention (admin: own store; ops: every store or one): the worklist, oldest first.
import { route, json } from '../lib/api/route.js';
import { appContext } from '../lib/api/context.js';
import { storeInScope } from '../lib/api/auth.js';
import { decodeCursor, encodeCursor, isString } from '../lib/api/cursor.js';
import { orderView } from '../lib/api/order-view.js';
import { attentionQuery, DEFAULT_LIMIT } from '../lib/api/schemas/records.js';
import { listCases } from '../lib/worklist/cases.js';

export const handler = route({ operation: 'attention', role: ['admin', 'ops'], query: attentionQuery }, async ({ query, caller }) => {
  const { records, paymentDeps } = appContext();
  const storeId = storeInScope(caller, query.store_id);
  const scope = { store: storeId ?? null };
  const after = decodeCursor(query.cursor, scope, isString);
  const page = await listCases(
    { cases: records, getOrder: (orderId) => paymentDeps.ledger.getOrder(orderId) },
    { limit: query.limit ?? DEFAULT_LIMIT, ...(after !== undefined ? { after } : {}), ...(storeId !== undefined ? { storeId } : {}) },
  );
  return json(200, {
    items: page.cases.map((open) => ({ order_id: open.ref.order_id, refund_request_no: open.ref.refund_request_no ?? null, reason: open.reason, since: open.since, order: orderView(open.found) })),
    next_cursor: page.last !== undefined ? encodeCursor(scope, page.last) : null,
  });
});
