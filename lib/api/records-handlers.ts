// GET /v1/orders?date=… (cashier, admin): the store's orders of a day, newest first. Served
// by the query function beside the lookups by number, as one route of the API.
import { route, json } from './route.js';
import { appContext } from './context.js';
import { decodeCursor, encodeCursor, isKeyOf } from './cursor.js';
import { orderListing } from './order-view.js';
import { DEFAULT_LIMIT, historyQuery } from './schemas/records.js';
import { historyPage } from '../records/history.js';
import { storeDay } from '../store/records.js';

const isKey = isKeyOf(['pk', 'sk', 'store_day', 'created_at']);
// The cursor is not signed: a position outside the query's partition would be DynamoDB's
// ValidationException (a 500), so it is refused here as not a cursor of this query.
const isPosition = (store: string, day: string) => (value: unknown): value is Record<string, string> => isKey(value) && value.store_day === storeDay(store, day);

export const history = route({ operation: 'history', role: 'cashier', query: historyQuery }, async ({ query, caller }) => {
  const { date, terminal_sn, order_status, limit = DEFAULT_LIMIT, cursor } = query;
  const scope = { store: caller.store_id, date, terminal_sn, order_status };
  const after = decodeCursor(cursor, scope, isPosition(caller.store_id, date));
  const page = await historyPage(appContext().records, {
    store_id: caller.store_id,
    day: date,
    limit,
    ...(after ? { after } : {}),
    ...(terminal_sn !== undefined ? { terminal_sn } : {}),
    ...(order_status !== undefined ? { order_status } : {}),
  });
  return json(200, { orders: page.orders.map(orderListing), next_cursor: page.last ? encodeCursor(scope, page.last) : null });
});
