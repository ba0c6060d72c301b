// A timer step is claimed before it sends anything: a conditional write moves its due
// time past the longest the step can take. Of two wake-ups that both found the step
// due, only one wins the write, so a query, cancel or refund resend is never sent twice at once;
// a run that dies mid-step leaves the step due again once its claim runs out (the sweep wakes it).
import type { PaymentDeps, PaymentTiming } from './deps.js';
import type { Order, Refund, Work } from './model.js';

/** A step makes at most two provider calls (a query, then a cancel or a refund's resend) and its writes. */
export const stepBudgetMs = (timing: Pick<PaymentTiming, 'providerTimeoutMs'>) => 3 * timing.providerTimeoutMs;

const claimedWork = (deps: PaymentDeps, work: Work): Work => ({ ...work, due_at: deps.now() + stepBudgetMs(deps.timing) });

/** Claims lost to writes that left the step as it was (a reader learning the sn) before giving up. */
const CLAIM_RACES = 3;

/**
 * The order with its step claimed, or undefined when another writer moved or ended the step
 * first (that writer scheduled what follows). A lost race that left the step due as it was
 * is claimed again: no one else would wake it before the sweep.
 */
export async function claimOrderStep(deps: PaymentDeps, order: Order & { work: Work }): Promise<(Order & { work: Work }) | undefined> {
  const seen = order.work;
  let current: Order = order;
  for (let race = 0; race < CLAIM_RACES; race += 1) {
    if (current.work?.step !== seen.step || current.work.due_at !== seen.due_at) return undefined;
    const claimed = await deps.ledger.updateOrder(current, { work: claimedWork(deps, current.work) });
    if (claimed) return claimed.work ? (claimed as Order & { work: Work }) : undefined;
    const reread = await deps.ledger.getOrder(order.order_id);
    if (!reread) return undefined;
    current = reread.order;
  }
  return undefined;
}

export async function claimRefundStep(deps: PaymentDeps, refund: Refund & { work: Work }): Promise<Refund | undefined> {
  const work = claimedWork(deps, refund.work);
  return (await deps.ledger.updateRefund(refund, { work })) ? { ...refund, work, version: refund.version + 1 } : undefined;
}

/** The due time of a step that moves on to its next step at once, claimed by the run that moves it. */
export const claimedNow = (deps: PaymentDeps) => deps.now() + stepBudgetMs(deps.timing);
