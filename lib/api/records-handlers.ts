// GET /v1/orders?date=… (cashier, admin): the store's orders of a day, newest first. Served
// by the query function beside the lookups by number, as one route of the API.
import { route, json } from './route.js';
import { appContext } from './context.js';
import { decodeCursor, encodeCursor, isKeyOf } from './cursor.js';
import { orderView } from './order-view.js';
import { DEFAULT_LIMIT, historyQuery } from './schemas/records.js';
import { historyPage } from '../records/history.js';

const isPosition = isKeyOf(['pk', 'sk', 'store_day', 'created_at']);

export const history = route({ operation: 'history', role: 'cashier', query: historyQuery }, async ({ query, caller }) => {
  const { date, terminal_sn, order_status, limit = DEFAULT_LIMIT, cursor } = query;
  const scope = { store: caller.store_id, date, terminal_sn, order_status };
  const after = decodeCursor(cursor, scope, isPosition);
  const page = await historyPage(appContext().records, {
    store_id: caller.store_id,
    day: date,
    limit,
    ...(after ? { after } : {}),
    ...(terminal_sn !== undefined ? { terminal_sn } : {}),
    ...(order_status !== undefined ? { order_status } : {}),
  });
  return json(200, { orders: page.orders.map(orderView), next_cursor: page.last ? encodeCursor(scope, page.last) : null });
});
