// The daily report as CSV: a header row and one row per order, the order view's fields,
// amounts in cents, UTF-8. Cells a spreadsheet would run as a formula are quoted with a
// leading apostrophe (OWASP "CSV injection").
import type { OrderView } from './schemas/payments.js';

export const CSV_COLUMNS = [
  'order_id',
  'client_sn',
  'sn',
  'trade_no',
  'terminal_sn',
  'order_status',
  'total_amount',
  'net_amount',
  'refunded_amount',
  'payway',
  'sub_payway',
  'subject',
  'description',
  'operator',
  'created_at',
  'finished_at',
  'error_code',
  'reversal',
  'attention',
] as const satisfies readonly (keyof OrderView)[];

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function ordersCsv(views: OrderView[]): string {
  const lines = [CSV_COLUMNS.join(','), ...views.map((view) => CSV_COLUMNS.map((column) => cell(view[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}
