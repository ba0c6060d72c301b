// Revoke (admin, same day, full, never after a refund) and cancel (the automatic reversal,
// also an admin's). What the provider would refuse is refused here first; the order is
// marked before the provider is called, so refunds cannot start meanwhile and the timer
// finishes the job if this Lambda dies.
import type { PaymentDeps } from './deps.js';
import type { Order, OrderWithRefunds } from './model.js';
import { callProvider, rawOf } from './open-order.js';
import { reversalVerdict } from './outcomes.js';
import { findOrder, type OrderRef } from './query.js';
import { orderWakeUp, scheduleWork } from './schedule.js';
import { applyChanges, settle } from './settle.js';
import { attentionChanges, providerState } from './verdict.js';

export type ReversalAction = 'revoke' | 'cancel';

export type ReversalResult =
  | { kind: 'done'; found: OrderWithRefunds }
  | { kind: 'not_found' }
  | { kind: 'refused'; message: string }
  /** The provider refused the request before acting: nothing changed, try again later. */
  | { kind: 'unavailable'; message: string };

/** The provider's business day. */
const shanghaiDay = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * A pay or precreate request records its order before it calls the provider, and may still be
 * sending until its Lambda is gone: until then, "no such order" from the provider is not final.
 */
export const payMayStillArrive = (deps: PaymentDeps, order: Order) =>
  order.order_status === 'CREATED' && deps.now() < Date.parse(order.created_at) + deps.timing.requestLifetimeMs;

/**
 * The same reversal asked again (a client that lost the answer retries): it is the order's
 * answer, in progress or done, never a refusal — like pay for the same client_sn.
 */
function alreadyAsked(order: Order, action: ReversalAction): boolean {
  if (order.reversal !== undefined) return order.reversal === action;
  if (order.attention !== undefined || order.reversal_requested_by === undefined) return false;
  return order.order_status === 'CANCELED' || (action === 'cancel' && order.order_status === 'PAY_CANCELED');
}

function refusal(order: Order, action: ReversalAction, nowMs: number): string | undefined {
  if (order.reversal) return `a ${order.reversal} of this order is already under way`;
  if (order.refund_committed > 0) return 'the order has refunds';
  if (action === 'cancel') {
    return ['CREATED', 'PAID', 'PAY_ERROR', 'CANCEL_ERROR'].includes(order.order_status) ? undefined : `an order in ${order.order_status} cannot be cancelled`;
  }
  if (order.order_status !== 'PAID') return `an order in ${order.order_status} cannot be revoked`;
  if (shanghaiDay(Date.parse(order.created_at)) !== shanghaiDay(nowMs)) return 'only orders created today (Asia/Shanghai) can be revoked';
  return undefined;
}

export async function reverse(deps: PaymentDeps, ref: OrderRef, storeId: string, action: ReversalAction, requestedBy: string): Promise<ReversalResult> {
  const found = await findOrder(deps, ref, storeId);
  if (!found) return { kind: 'not_found' };
  let refused: string | undefined;
  let repeated = false;
  const now = deps.now();
  const marked = await applyChanges(deps, found.order, (current) => {
    repeated = alreadyAsked(current, action);
    if (repeated) return undefined;
    refused = refusal(current, action, now);
    if (refused) return undefined;
    // The mark keeps refunds from starting, and keeps a payment that completes meanwhile
    // from being booked PAID while our reversal may be undoing it.
    return {
      reversal: action,
      reversal_requested_by: requestedBy,
      work: { step: action === 'revoke' ? 'query' : 'cancel', due_at: now + deps.timing.requestLifetimeMs, deadline_at: current.work?.deadline_at ?? now, attempts: 0 },
    };
  });
  if (repeated) return { kind: 'done', found: { order: marked, refunds: found.refunds } };
  if (refused) return { kind: 'refused', message: refused };

  const outcome = await callProvider(deps, marked.terminal_sn, (terminal) =>
    deps.upay[action](terminal, { client_sn: marked.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  const verdict = reversalVerdict(outcome, action);
  deps.telemetry.count(`${action === 'revoke' ? 'Revoke' : 'Cancel'}_${outcome.kind}`);
  let order = marked;
  if (verdict.kind === 'refused' || verdict.kind === 'not_applied') {
    // Nothing happened at the provider: take the mark off so refunds may go on.
    await applyChanges(deps, marked, (current) => {
      if (!current.work) return undefined;
      // An open payment goes back to being polled, so it still reaches a final state.
      if (current.order_status === 'CREATED') return { reversal: null, work: { ...current.work, step: 'query', due_at: deps.now() + deps.timing.pollIntervalMs } };
      return { reversal: null, work: null, attention: current.attention ?? null };
    }).then((order) => scheduleWork(deps, orderWakeUp(order)));
    return verdict.kind === 'refused'
      ? { kind: 'refused', message: `the provider refused: ${verdict.reason}` }
      : { kind: 'unavailable', message: `nothing changed (${verdict.reason}); try again` };
  }
  if (verdict.kind === 'attention') order = await applyChanges(deps, marked, () => attentionChanges(verdict.reason, deps.now(), providerState(rawOf(outcome), verdict.order), verdict.order));
  else if (verdict.kind === 'open') {
    // Under way or already done at the provider: a query settles it (the timer's next step).
    order = await applyChanges(deps, marked, (current) => (current.work ? { work: { ...current.work, step: 'query', due_at: deps.now() + deps.timing.pollIntervalMs } } : undefined));
  } else if (verdict.kind === 'not_paid' && payMayStillArrive(deps, marked)) {
    // The cancel found nothing because the pay has not reached the provider yet: look again
    // once it can no longer arrive, and cancel it then if it did (the timer's query step).
    order = await applyChanges(deps, marked, (current) =>
      current.work && current.reversal === 'cancel' ? { work: { ...current.work, step: 'query', due_at: Date.parse(current.created_at) + deps.timing.requestLifetimeMs } } : undefined,
    );
  } else if (verdict.kind !== 'retry') order = await settle(deps, marked, verdict, rawOf(outcome));
  await scheduleWork(deps, orderWakeUp(order));
  return { kind: 'done', found: { order, refunds: found.refunds } };
}
