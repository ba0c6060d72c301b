// Writes a verdict to the ledger under optimistic concurrency: the request, the timer's
// worker and a notify callback may all settle the same order at once; each re-reads on a
// lost race and decides again from what is now stored, so a settlement applies once.
import type { RawCodes } from '../upay/index.js';
import type { Changes } from '../store/ledger.js';
import type { Order } from './model.js';
import type { PaymentDeps } from './deps.js';
import { changesFor, type Verdict } from './verdict.js';

const RACES = 5;

export async function applyChanges(deps: PaymentDeps, order: Order, decide: (current: Order) => Changes<Order> | undefined): Promise<Order> {
  let current = order;
  for (let attempt = 0; attempt < RACES; attempt += 1) {
    const changes = decide(current);
    if (changes === undefined) return current;
    const updated = await deps.ledger.updateOrder(current, changes);
    if (updated) {
      if (changes.attention) {
        deps.telemetry.count('NeedsAttention');
        deps.telemetry.warn('order needs attention', { order_id: current.order_id, reason: changes.attention.reason });
      }
      return updated;
    }
    const reread = await deps.ledger.getOrder(current.order_id);
    if (!reread) throw new Error(`order ${current.order_id} vanished`);
    current = reread.order;
  }
  throw new Error(`order ${order.order_id}: too many concurrent updates`);
}

export function settle(deps: PaymentDeps, order: Order, verdict: Verdict, raw: RawCodes | undefined): Promise<Order> {
  return applyChanges(deps, order, (current) => changesFor(current, verdict, raw, deps.now()));
}
