// One reconcile invocation: passes over due work for as long as a whole step still fits in
// the invocation's remaining time. While nothing is due it looks again every second, so work
// that falls due meanwhile (a deadline cancel, a new order's first query) waits at most that
// long — not until the oldest item it saw at the start. Overlapping invocations are safe:
// every step is claimed before it sends (claim.ts).
import type { PaymentDeps } from './deps.js';
import { stepBudgetMs } from './claim.js';
import { reconcileDue, type ReconcileReport } from './reconcile.js';

/** How often an idle run looks for work that fell due. */
export const IDLE_LOOK_MS = 1_000;

export interface RunOptions {
  remainingMs: () => number;
  /** Kept back at the end of the invocation for the run's own bookkeeping (metrics). */
  reserveMs: number;
  limit: number;
  concurrency: number;
}

export async function reconcileWhileTimeLeft(deps: PaymentDeps, options: RunOptions): Promise<ReconcileReport> {
  const left = () => options.remainingMs() - options.reserveMs;
  const budget = stepBudgetMs(deps.timing);
  const total: ReconcileReport = { processed: 0, errors: 0 };
  while (left() > budget) {
    const pass = await reconcileDue(deps, { limit: options.limit, concurrency: options.concurrency, remainingMs: left });
    total.processed += pass.processed;
    total.errors += pass.errors;
    if (pass.processed + pass.errors > 0) continue;
    const oldest = await deps.ledger.oldestDue();
    const wait = Math.min(IDLE_LOOK_MS, oldest === undefined ? IDLE_LOOK_MS : oldest - deps.now());
    if (left() - Math.max(wait, 0) <= budget) break;
    await deps.sleep(Math.max(wait, 100));
  }
  return total;
}
