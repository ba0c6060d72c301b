// The day's totals of a store, computed from the ledger, in integer cents. Definitions
// (README, "Daily report"): `paid` are orders whose payment succeeded and stands (PAID,
// PARTIAL_REFUNDED, REFUNDED), at their total; `refunded` are those of them with money
// refunded, at the refunded amount; `reversed` are orders cancelled or revoked in full, at
// their total; `net_amount` is what the store keeps. `open` orders still await the provider;
// `attention` counts the cases awaiting a person: orders, and refunds of them, as the worklist
// lists them. The figures come from the store-day's totals when those are complete
// (lib/totals: one item read), else from the day's orders (the store-day index).
import { isFinal } from '../payments/model.js';
import { storeDay, type OrderSummary } from '../store/records.js';
import type { TotalsPort } from '../totals/port.js';
import { isConsistent, reportOf } from '../totals/tally.js';
import { hasRefunds, type RecordsReader } from './history.js';

type Order = OrderSummary;

export interface Tally {
  count: number;
  amount: number;
}

export interface Breakdown extends Tally {
  net_amount: number;
}

export interface DailyReport {
  date: string;
  store_id: string;
  time_zone: string;
  orders: number;
  paid: Tally;
  refunded: Tally;
  reversed: Tally;
  net_amount: number;
  by_payway: (Breakdown & { payway: string })[];
  by_terminal: (Breakdown & { terminal_sn: string })[];
  open: number;
  attention: number;
}

const PAID = new Set(['PAID', 'PARTIAL_REFUNDED', 'REFUNDED']);
const isPaid = (order: Order) => PAID.has(order.order_status);
const add = (tally: Tally, amount: number) => {
  tally.count += 1;
  tally.amount += amount;
};

function breakdown<K extends string>(orders: Order[], key: K, of: (order: Order) => string): (Breakdown & Record<K, string>)[] {
  const groups = new Map<string, Breakdown>();
  for (const order of orders) {
    const name = of(order);
    const group = groups.get(name) ?? { count: 0, amount: 0, net_amount: 0 };
    add(group, order.total_amount);
    group.net_amount += order.net_amount;
    groups.set(name, group);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, group]) => ({ [key]: name, ...group }) as Breakdown & Record<K, string>);
}

export interface ReportRequest {
  store_id: string;
  date: string;
  time_zone: string;
}

/**
 * Where the figures came from: `totals`, or `orders` for a day the totals do not hold in full
 * (before they started, or marked incomplete), or `inconsistent` when they hold figures no set
 * of orders could give (a change lost or applied twice): never shown, the orders are read.
 */
export type ReportSource = 'totals' | 'orders' | 'inconsistent';

/** `totals` only where a consumer keeps them (config DAILY_TOTALS): items nothing keeps up are never read. */
export async function dailyReport(deps: { records: RecordsReader; totals?: Pick<TotalsPort, 'read'> }, request: ReportRequest): Promise<{ report: DailyReport; source: ReportSource }> {
  const totals = await deps.totals?.read(storeDay(request.store_id, request.date));
  if (totals?.complete && isConsistent(totals.counters)) return { report: reportOf(totals.counters, request), source: 'totals' };
  return { report: await reportFromOrders(deps.records, request), source: totals?.complete ? 'inconsistent' : 'orders' };
}

/** The figures computed from every order of the day: what the totals must always equal. */
export async function reportFromOrders(records: RecordsReader, request: ReportRequest): Promise<DailyReport> {
  const orders = await records.daySummaries(request.store_id, request.date);
  const paid = orders.filter(isPaid);
  const refunded: Tally = { count: 0, amount: 0 };
  const reversed: Tally = { count: 0, amount: 0 };
  for (const order of paid) if (order.refunded_amount > 0) add(refunded, order.refunded_amount);
  for (const order of orders) if (order.order_status === 'CANCELED') add(reversed, order.total_amount);
  // Refunds in flight or awaiting a person keep their amount reserved: only those orders are read further.
  const unsettled = orders.filter((order) => hasRefunds(order) && order.refund_committed > order.refunded_amount);
  const refundCases = await Promise.all(unsettled.map(async (order) => (await records.refundsOf(order.order_id)).filter((refund) => refund.attention !== undefined).length));
  return {
    date: request.date,
    store_id: request.store_id,
    time_zone: request.time_zone,
    orders: orders.length,
    paid: { count: paid.length, amount: paid.reduce((sum, order) => sum + order.total_amount, 0) },
    refunded,
    reversed,
    net_amount: orders.reduce((sum, order) => sum + order.net_amount, 0),
    by_payway: breakdown(paid, 'payway', (order) => order.payway ?? 'unknown'),
    by_terminal: breakdown(paid, 'terminal_sn', (order) => order.terminal_sn),
    open: orders.filter((order) => order.attention === undefined && !isFinal(order)).length,
    attention: orders.filter((order) => order.attention !== undefined).length + refundCases.reduce((sum, cases) => sum + cases, 0),
  };
}
