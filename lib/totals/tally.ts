// A store-day's totals as counters, maintained from the ledger's changes: every order or
// refund item stands for a fixed set of counters (its "contribution"), and a change adds the
// new image's contribution and takes away the old one's. Deltas commute, so records applied
// in any order, each once, leave the same totals as computing them from the orders would
// (lib/records/report.ts, whose definitions these are). Amounts are integer cents.
import { isFinal, type Order, type Refund } from '../payments/model.js';
import type { Breakdown, DailyReport, Tally } from '../records/report.js';
import { itemOf } from '../events/order-events.js';

/** Attribute name → integer; absent means 0. The names are the totals item's attributes. */
export type Counters = Record<string, number>;

// Flat attribute names: DynamoDB's ADD works on top-level numbers, so breakdowns are spelt out.
const PAYWAY = 'payway#';
const TERMINAL = 'terminal#';
const BREAKDOWN_FIELDS = ['count', 'amount', 'net_amount'] as const;
const TOTALS_FIELDS = ['orders', 'paid_count', 'paid_amount', 'refunded_count', 'refunded_amount', 'reversed_count', 'reversed_amount', 'net_amount', 'open', 'attention'] as const;

const PAID = new Set(['PAID', 'PARTIAL_REFUNDED', 'REFUNDED']);

function cents(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new Error(`${field} is not a non-negative integer amount of cents: ${String(value)}`);
  return value;
}

function orderContribution(order: Order): Counters {
  const out: Counters = { orders: 1, net_amount: cents(order.net_amount, 'net_amount') };
  const total = cents(order.total_amount, 'total_amount');
  if (PAID.has(order.order_status)) {
    out.paid_count = 1;
    out.paid_amount = total;
    const refunded = cents(order.refunded_amount, 'refunded_amount');
    if (refunded > 0) {
      out.refunded_count = 1;
      out.refunded_amount = refunded;
    }
    for (const prefix of [`${PAYWAY}${order.payway ?? 'unknown'}#`, `${TERMINAL}${order.terminal_sn}#`]) {
      out[`${prefix}count`] = 1;
      out[`${prefix}amount`] = total;
      out[`${prefix}net_amount`] = order.net_amount;
    }
  }
  if (order.order_status === 'CANCELED') {
    out.reversed_count = 1;
    out.reversed_amount = total;
  }
  if (order.attention !== undefined) out.attention = 1;
  else if (!isFinal(order)) out.open = 1;
  return out;
}

/** What one item adds to its store-day's totals: an order its figures, a refund its open case. */
export function contribution(image: Record<string, unknown> | undefined): Counters {
  const item = itemOf(image);
  if (!image || !item) return {};
  if (item.kind === 'order') return orderContribution(image as unknown as Order);
  return (image as unknown as Refund).attention !== undefined ? { attention: 1 } : {};
}

/** new − old, without the zeros: empty when the change leaves the totals as they were. */
export function delta(old: Record<string, unknown> | undefined, next: Record<string, unknown> | undefined): Counters {
  const out: Counters = { ...contribution(next) };
  for (const [name, value] of Object.entries(contribution(old))) out[name] = (out[name] ?? 0) - value;
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== 0));
}

/** a + b, without the zeros. */
export function sum(a: Counters, b: Counters): Counters {
  const out: Counters = { ...a };
  for (const [name, value] of Object.entries(b)) out[name] = (out[name] ?? 0) + value;
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== 0));
}

export const isEmpty = (counters: Counters) => Object.keys(counters).length === 0;

/** Is this attribute of a totals item a counter? */
export const isCounter = (name: string) => (TOTALS_FIELDS as readonly string[]).includes(name) || name.startsWith(PAYWAY) || name.startsWith(TERMINAL);

/**
 * Totals that could have come from orders: every counter a non-negative integer. Anything
 * else means a change was lost or applied twice, and the figures cannot be shown as they are.
 */
export const isConsistent = (counters: Counters) => Object.values(counters).every((value) => Number.isSafeInteger(value) && value >= 0);

function breakdowns<K extends string>(counters: Counters, prefix: string, key: K): (Breakdown & Record<K, string>)[] {
  const groups = new Map<string, Breakdown>();
  for (const [name, value] of Object.entries(counters)) {
    if (!name.startsWith(prefix)) continue;
    const cut = name.lastIndexOf('#');
    const field = name.slice(cut + 1) as (typeof BREAKDOWN_FIELDS)[number];
    if (!BREAKDOWN_FIELDS.includes(field)) continue;
    const group = name.slice(prefix.length, cut);
    const entry = groups.get(group) ?? { count: 0, amount: 0, net_amount: 0 };
    entry[field] = value;
    groups.set(group, entry);
  }
  // A group whose orders all left it (revoked, say) is no group of the day's paid orders.
  return [...groups.entries()]
    .filter(([, group]) => group.count > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, group]) => ({ [key]: name, ...group }) as Breakdown & Record<K, string>);
}

const tally = (counters: Counters, name: string): Tally => ({ count: counters[`${name}_count`] ?? 0, amount: counters[`${name}_amount`] ?? 0 });

/** The daily report a store-day's counters stand for. */
export function reportOf(counters: Counters, request: { store_id: string; date: string; time_zone: string }): DailyReport {
  return {
    date: request.date,
    store_id: request.store_id,
    time_zone: request.time_zone,
    orders: counters.orders ?? 0,
    paid: tally(counters, 'paid'),
    refunded: tally(counters, 'refunded'),
    reversed: tally(counters, 'reversed'),
    net_amount: counters.net_amount ?? 0,
    by_payway: breakdowns(counters, PAYWAY, 'payway'),
    by_terminal: breakdowns(counters, TERMINAL, 'terminal_sn'),
    open: counters.open ?? 0,
    attention: counters.attention ?? 0,
  };
}
