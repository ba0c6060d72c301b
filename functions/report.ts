// GET /v1/reports/daily?date=… (admin: own store; ops: any store): the day's totals in
// integer cents, or with `Accept: text/csv` one row per order.
import { route, json } from '../lib/api/route.js';
import { ApiError } from '../lib/api/errors.js';
import { appContext } from '../lib/api/context.js';
import { storeInScope } from '../lib/api/auth.js';
import { orderView } from '../lib/api/order-view.js';
import { ordersCsv } from '../lib/api/orders-csv.js';
import { reportQuery } from '../lib/api/schemas/records.js';
import { dailyReport } from '../lib/records/report.js';
import { countOutcome } from '../lib/api/observability.js';

// A header value is Latin-1 without line breaks, and the store id is any printable text: an
// ASCII name for every client, and the exact one in RFC 5987 encoding for those that read it.
function attachment(name: string): string {
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${exact}`;
}

export const handler = route({ operation: 'report', role: ['admin', 'ops'], query: reportQuery }, async ({ query, caller, event }) => {
  const { records, totals, config } = appContext();
  const storeId = storeInScope(caller, query.store_id);
  if (storeId === undefined) throw new ApiError('VALIDATION_FAILED', 'store_id: ops names the store of the report', 'store_id');
  const accept = event.headers?.accept ?? event.headers?.Accept ?? '';
  // The CSV lists every order: it reads the day from the store-day index, whatever its size.
  if (/\btext\/csv\b/i.test(accept)) {
    const orders = await records.dayOrders(storeId, query.date);
    const body = ordersCsv(orders.map((order) => orderView({ order, refunds: [] })));
    return { statusCode: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': attachment(`orders-${storeId}-${query.date}.csv`) }, body };
  }
  const { report, source } = await dailyReport({ records, ...(config.DAILY_TOTALS === 'kept' ? { totals } : {}) }, { store_id: storeId, date: query.date, time_zone: config.BUSINESS_TIME_ZONE });
  // `inconsistent` totals are a lost or doubled change: the DailyReportSource alarm tells a person.
  countOutcome('DailyReportSource', source);
  return json(200, report);
});
