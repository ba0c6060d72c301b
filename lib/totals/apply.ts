// Ledger changes (stream records) to store-day totals, each change once. A change that moves
// no counter is skipped; the others are grouped by store-day and handed to the port, which
// adds each group's summed delta and records one marker per change in the same transaction,
// so a replayed record (a retried or bisected batch) finds its marker and adds nothing.
import { changeOf, type StreamRecord } from '../events/stream.js';
import { businessDay } from '../store/records.js';
import { itemOf } from '../events/order-events.js';
import type { TotalsChange, TotalsPort } from './port.js';
import { delta, isEmpty, type Counters } from './tally.js';

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
/** And at most this many counters: the update stays well within DynamoDB's 4 KB expression and 300 operators. */
export const COUNTERS_PER_WRITE = 150;

/** A store-day's changes in writes the port takes: in order, each within both bounds. */
function writesOf(changes: TotalsChange[]): TotalsChange[][] {
  const writes: TotalsChange[][] = [];
  let current: TotalsChange[] = [];
  let counters = new Set<string>();
  for (const change of changes) {
    const names = Object.keys(change.delta);
    const grown = new Set([...counters, ...names]);
    if (current.length > 0 && (current.length === CHANGES_PER_WRITE || grown.size > COUNTERS_PER_WRITE)) {
      writes.push(current);
      current = [];
      counters = new Set(names);
    } else counters = grown;
    current.push(change);
  }
  if (current.length > 0) writes.push(current);
  return writes;
}

/**
 * The error of a change that cannot be added. It names the store-day: after the dead-letter
 * alarm a person marks that day's totals incomplete (DEPLOY.md, "Daily totals"), and the
 * dead-letter message holds only stream positions.
 */
const notAdded = (storeDay: string, what: string, cause: unknown) => new Error(`store-day ${storeDay}: ${what} not added to the totals: ${(cause as Error).message}`, { cause });

/** Applies a batch of stream records in order; throws (for the batch to be retried) if one cannot be applied. */
export async function applyRecords(records: readonly StreamRecord[], deps: ApplyDeps): Promise<{ applied: number }> {
  const groups = new Map<string, TotalsChange[]>();
  const refundDays = new Map<string, string | undefined>();
  for (const record of records) {
    const change = changeOf(record);
    const item = itemOf(change.new ?? change.old);
    // Items are never deleted but by TTL, and no ledger item has one: a removal moves nothing.
    if (!item || !change.new) continue;
    const next = change.new;
    // Only an order stored before the records has no store-day (DEPLOY.md §10): no day's report
    // lists it, so its changes (and its refunds') add to no totals.
    const listed = typeof next.store_day === 'string' ? next.store_day : undefined;
    if (item.kind === 'order' && listed === undefined) continue;
    let counters: Counters;
    try {
      counters = delta(change.old, next);
    } catch (error) {
      // Only an order's figures can be refused, and its image names its day.
      throw notAdded(listed ?? `of order ${item.order_id}`, `change ${change.id}`, error);
    }
    if (isEmpty(counters)) continue;
    let storeDay = listed;
    if (item.kind === 'refund') {
      if (!refundDays.has(item.order_id)) refundDays.set(item.order_id, await deps.totals.storeDayOfOrder(item.order_id));
      storeDay = refundDays.get(item.order_id);
    }
    if (storeDay === undefined) continue;
    const version = next.version;
    if (typeof version !== 'number') throw notAdded(storeDay, `change ${change.id}`, new Error('the item has no version'));
    const group = groups.get(storeDay) ?? [];
    group.push({ id: `${String(next.pk)}#${String(next.sk)}#${version}`, delta: counters });
    groups.set(storeDay, group);
  }
  let applied = 0;
  for (const [storeDay, changes] of groups) {
    const complete = isCompleteDay(dayOfStoreDay(storeDay), deps.startedAt, deps.timeZone);
    for (const chunk of writesOf(changes)) {
      try {
        await deps.totals.apply(storeDay, chunk, complete);
      } catch (error) {
        throw notAdded(storeDay, `${chunk.length} change(s)`, error);
      }
      applied += chunk.length;
    }
  }
  return { applied };
}
