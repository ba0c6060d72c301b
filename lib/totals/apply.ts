// Ledger changes (stream records) to store-day totals, each change once. A change that moves
// no counter is skipped; the others are grouped by store-day and handed to the port, which
// adds each group's summed delta and records one marker per change in the same transaction,
// so a replayed record (a retried or bisected batch) finds its marker and adds nothing.
import { changeOf, type StreamRecord } from '../events/stream.js';
import { businessDay } from '../store/records.js';
import { itemOf } from '../events/order-events.js';
import type { TotalsChange, TotalsPort } from './port.js';
import { delta, isEmpty } from './tally.js';

/** A store-day key is `<store_id>#<YYYY-MM-DD>` (lib/store/records.ts). */
export const dayOfStoreDay = (storeDay: string) => storeDay.slice(storeDay.lastIndexOf('#') + 1);

/**
 * Totals are complete for the days that began after the totals started: every order of such a
 * day was written after, so all its changes are applied. Earlier days (an upgraded ledger's)
 * are computed from the orders instead.
 */
export const isCompleteDay = (day: string, startedAt: number, timeZone: string) => day > businessDay(startedAt, timeZone);

export interface ApplyDeps {
  totals: TotalsPort;
  timeZone: string;
  /** TotalsPort.startedAt's answer. */
  startedAt: number;
}

/** The port takes at most this many changes per call: one transaction of the totals and their markers. */
export const CHANGES_PER_WRITE = 99;

/** Applies a batch of stream records in order; throws (for the batch to be retried) if one cannot be applied. */
export async function applyRecords(records: readonly StreamRecord[], deps: ApplyDeps): Promise<{ applied: number }> {
  const groups = new Map<string, TotalsChange[]>();
  const refundDays = new Map<string, string | undefined>();
  for (const record of records) {
    const change = changeOf(record);
    const item = itemOf(change.new ?? change.old);
    // Items are never deleted but by TTL, and no ledger item has one: a removal moves nothing.
    if (!item || !change.new) continue;
    const counters = delta(change.old, change.new);
    if (isEmpty(counters)) continue;
    let storeDay: string | undefined;
    if (item.kind === 'order') storeDay = typeof change.new.store_day === 'string' ? change.new.store_day : undefined;
    else {
      if (!refundDays.has(item.order_id)) refundDays.set(item.order_id, await deps.totals.storeDayOfOrder(item.order_id));
      storeDay = refundDays.get(item.order_id);
    }
    // Only an order stored before the records has no store-day (DEPLOY.md §10): no day's report
    // lists it, so its changes add to no totals.
    if (storeDay === undefined) continue;
    const version = change.new.version;
    if (typeof version !== 'number') throw new Error(`change ${change.id}: the item has no version`);
    const group = groups.get(storeDay) ?? [];
    group.push({ id: `${String(change.new.pk)}#${String(change.new.sk)}#${version}`, delta: counters });
    groups.set(storeDay, group);
  }
  let applied = 0;
  for (const [storeDay, changes] of groups) {
    const complete = isCompleteDay(dayOfStoreDay(storeDay), deps.startedAt, deps.timeZone);
    for (let start = 0; start < changes.length; start += CHANGES_PER_WRITE) {
      const chunk = changes.slice(start, start + CHANGES_PER_WRITE);
      await deps.totals.apply(storeDay, chunk, complete);
      applied += chunk.length;
    }
  }
  return { applied };
}
