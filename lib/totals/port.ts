// What the totals need of a store: add changes to a store-day's totals once each, read them,
// and the few facts around them. lib/store/totals.ts implements it on the ledger table.
import type { Counters } from './tally.js';

/** One change's part of a store-day's totals; `id` names the change (item key and version). */
export interface TotalsChange {
  id: string;
  delta: Counters;
}

export interface StoreDayTotals {
  counters: Counters;
  /** Every change of every order of the day went into the counters (apply.ts, isCompleteDay). */
  complete: boolean;
}

export interface TotalsPort {
  /** Adds the changes not applied yet to the store-day's totals, each once; `complete` is kept from the first write. */
  apply(storeDay: string, changes: TotalsChange[], complete: boolean): Promise<void>;
  read(storeDay: string): Promise<StoreDayTotals | undefined>;
  /** The time from which every change is applied: the first caller's `at` is kept for good. */
  startedAt(at: number): Promise<number>;
  /** The store-day an order is listed under (for a refund, whose item does not say); undefined for an order stored before the records. */
  storeDayOfOrder(orderId: string): Promise<string | undefined>;
}
