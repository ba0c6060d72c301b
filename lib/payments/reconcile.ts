// The timer's worker logic: each wake-up re-reads its order or refund and, if its step is due,
// runs that next step of the provider's exception flow, so every order reaches a final state
// or a person (invariant 1) even when the app and the Lambda that started it are gone. Each
// step is claimed before it sends (claim.ts), so a duplicate, early or late wake-up is
// harmless; after the step the worker schedules the item's next one (lib/timer).
import type { Changes, DueItem } from '../store/ledger.js';
import { parseTimerItem, type TimerDelivery, type TimerItem } from '../timer/index.js';
import type { PaymentDeps } from './deps.js';
import type { Order, OrderWithRefunds, ProviderState, Refund, Work } from './model.js';
import { claimedNow, claimOrderStep, claimRefundStep } from './claim.js';
import { callProvider, rawOf } from './open-order.js';
import { queryVerdict, reversalVerdict } from './outcomes.js';
import { resolveRefund } from './refund.js';
import { nextTry } from './retry-policy.js';
import { payMayStillArrive } from './reversal.js';
import { scheduleWork } from './schedule.js';
import { applyChanges, settle } from './settle.js';
import { attentionChanges, identity, providerState } from './verdict.js';

export type WakeUpResult = 'stepped' | 'rescheduled' | 'dropped';

const dueItemOf = (item: TimerItem): DueItem =>
  item.refund_request_no === undefined
    ? { type: 'order', order_id: item.order_id, due_at: item.due_at }
    : { type: 'refund', order_id: item.order_id, refund_request_no: item.refund_request_no, due_at: item.due_at };

/** The item's work as stored now, or undefined when it needs none (settled, or with a person). */
function workOf(found: OrderWithRefunds | undefined, item: TimerItem): Work | undefined {
  if (!found) return undefined;
  if (item.refund_request_no === undefined) return found.order.work;
  const refund = found.refunds.find((r) => r.refund_request_no === item.refund_request_no);
  return refund?.status === 'REFUND_IN_PROGRESS' ? refund.work : undefined;
}

/**
 * One wake-up. Due: runs the step (only the run that claims it does), then schedules the
 * item's next step. Early (a step more than SQS's 15 minutes out): sent again for its time.
 * A wake-up for a due time the item no longer has is dropped: whoever moved the step
 * scheduled it, and the sweep finds it if that schedule was lost.
 */
export async function advance(deps: PaymentDeps, item: TimerItem): Promise<WakeUpResult> {
  const found = await deps.ledger.getOrder(item.order_id);
  const work = workOf(found, item);
  if (!found || !work) return 'dropped';
  if (work.due_at > deps.now()) {
    if (work.due_at !== item.due_at) return 'dropped';
    await scheduleWork(deps, [item]);
    return 'rescheduled';
  }
  if (!(await stepFound(deps, dueItemOf(item), found))) return 'dropped';
  const next = workOf(await deps.ledger.getOrder(item.order_id), item);
  if (next) await scheduleWork(deps, [{ ...item, due_at: next.due_at }]);
  return 'stepped';
}

/**
 * A batch of wake-ups, all at once: the ids of those whose step failed (to be delivered again).
 * A malformed message is dropped, not failed: it would fail the same way every time.
 */
export const advanceBatch = (deps: PaymentDeps): TimerDelivery => async (messages) => {
  const failed = await Promise.all(
    messages.map(async ({ id, body }) => {
      const item = parseTimerItem(body);
      if (!item) {
        deps.telemetry.error('timer message ignored', { message_id: id });
        deps.telemetry.count('TimerWakeUps_malformed');
        return undefined;
      }
      try {
        deps.telemetry.count(`TimerWakeUps_${await advance(deps, item)}`);
        return undefined;
      } catch (error) {
        deps.telemetry.error('timer step failed', { order_id: item.order_id, error: (error as Error).name, detail: (error as Error).message });
        deps.telemetry.count('TimerWakeUps_error');
        return id;
      }
    }),
  );
  return { failed: failed.filter((id) => id !== undefined) };
};

type Due<T> = T & { work: Work };

/** Runs the item's next step if it is due and this run claims it; true when it ran. */
async function stepFound(deps: PaymentDeps, item: DueItem, found: OrderWithRefunds): Promise<boolean> {
  if (item.type === 'refund') {
    const refund = found.refunds.find((r) => r.refund_request_no === item.refund_request_no);
    if (!refund?.work || refund.status !== 'REFUND_IN_PROGRESS' || refund.work.due_at > deps.now()) return false;
    const claimed = await claimRefundStep(deps, refund as Due<Refund>);
    if (!claimed) return false;
    await resolveRefund(deps, found.order, claimed);
    return true;
  }
  const { order } = found;
  if (!order.work || order.work.due_at > deps.now()) return false;
  const claimed = await claimOrderStep(deps, order as Due<Order>);
  if (!claimed) return false;
  if (claimed.work.step === 'cancel') await cancelStep(deps, claimed, claimed.work);
  else await queryStep(deps, claimed, claimed.work);
  return true;
}

function pollInterval(deps: PaymentDeps, order: Order): number {
  if (order.kind !== 'precreate') return deps.timing.pollIntervalMs;
  const age = deps.now() - Date.parse(order.created_at);
  return age < deps.timing.precreateFastMs ? deps.timing.precreateFastPollMs : deps.timing.precreatePollMs;
}

/** Moves the order's next step, unless someone else moved or settled it meanwhile. */
function reschedule(deps: PaymentDeps, order: Order, seen: Work, next: Partial<Work>, also: Changes<Order> = {}): Promise<Order> {
  return applyChanges(deps, order, (current) =>
    current.work && current.work.step === seen.step && current.work.due_at === seen.due_at ? { ...also, work: { ...current.work, ...next } } : undefined,
  );
}

/** The provider answered, and not as we need: one more try, or a person once the tries are used up (its rules). */
function retryOrEscalate(deps: PaymentDeps, order: Order, work: Work, next: Partial<Work>, reason: string, provider?: ProviderState): Promise<Order> {
  const attempts = work.attempts + 1;
  if (attempts >= deps.timing.maxAttempts) return applyChanges(deps, order, () => attentionChanges(`${reason} after ${attempts} attempts`, deps.now(), provider));
  return reschedule(deps, order, work, { ...next, attempts, due_at: deps.now() + deps.timing.pollIntervalMs });
}

/**
 * Nothing learnt (the provider unreachable, in maintenance, or still working on it): try again
 * later with backoff, for hours; a person only once the patience is used up (retry-policy.ts).
 */
function retryPatiently(deps: PaymentDeps, order: Order, work: Work, next: Partial<Work>, reason: string, provider?: ProviderState): Promise<Order> {
  const due = nextTry(deps.timing, work.deadline_at, deps.now());
  if (due === undefined) return applyChanges(deps, order, () => attentionChanges(`${reason} for hours`, deps.now(), provider));
  return reschedule(deps, order, work, { ...next, attempts: work.attempts + 1, due_at: due });
}

/** A deadline cancel goes out within this of the deadline: a query near it waits no longer for its answer. */
const DEADLINE_CANCEL_SLACK_MS = 4_000;

function queryTimeout(deps: PaymentDeps, order: Order, work: Work): number {
  // Only an open payment's poll leads to the deadline cancel; a reversal's query waits as usual.
  const untilCancel = order.reversal ? 0 : work.deadline_at + DEADLINE_CANCEL_SLACK_MS - deps.now();
  return untilCancel > 0 ? Math.min(deps.timing.providerTimeoutMs, untilCancel) : deps.timing.providerTimeoutMs;
}

async function queryStep(deps: PaymentDeps, order: Order, work: Work): Promise<void> {
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay.query(terminal, order.sn ? { sn: order.sn } : { client_sn: order.client_sn }, { timeoutMs: queryTimeout(deps, order, work) }),
  );
  const verdict = queryVerdict(outcome);
  const provider = providerState(rawOf(outcome), 'order' in outcome ? outcome.order : undefined);
  if (order.reversal && (verdict.kind === 'open' || verdict.kind === 'paid')) {
    // Our reversal has not shown yet. A cancel is safe to send again; a revoke is not, and
    // one the provider shows but not as CANCELED is, per its diagram, for a person.
    if (order.reversal === 'cancel') await retryPatiently(deps, order, work, { step: 'cancel' }, 'cancel not confirmed by the provider', provider);
    else if (outcome.kind === 'found') await retryOrEscalate(deps, order, work, {}, 'revoke not confirmed by the provider', provider);
    else await retryPatiently(deps, order, work, {}, 'revoke outcome unknown', provider);
    return;
  }
  if (verdict.kind !== 'open') {
    const settled = await settle(deps, order, verdict, rawOf(outcome));
    // A verdict that changed nothing must still move the work, or this step would spin.
    if (settled.work?.due_at === work.due_at && settled.work.step === work.step) {
      await retryOrEscalate(deps, settled, work, {}, `query verdict ${verdict.kind} changed nothing`, provider);
    }
    return;
  }
  if (deps.now() >= work.deadline_at) {
    // Still open at the deadline, or unreachable: cancel, per the provider's exception flow.
    // The mark keeps a payment that completes meanwhile from being booked PAID while our
    // cancel may be reversing it; the move claims the cancel for this run.
    const moved = await applyChanges(deps, order, (current) =>
      current.work?.step === work.step && current.work.due_at === work.due_at && current.order_status === 'CREATED'
        ? { reversal: 'cancel', work: { ...current.work, step: 'cancel', due_at: claimedNow(deps) } }
        : undefined,
    );
    if (moved.work?.step === 'cancel' && moved.reversal === 'cancel') await cancelStep(deps, moved, moved.work);
    return;
  }
  // Never past the deadline: the cancel is due at it, not a polling interval later.
  const found = 'order' in outcome ? outcome.order : undefined;
  await reschedule(deps, order, work, { due_at: Math.min(deps.now() + pollInterval(deps, order), work.deadline_at) }, found && found.sn !== order.sn ? identity(found) : {});
}

async function cancelStep(deps: PaymentDeps, order: Order, work: Work): Promise<void> {
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay.cancel(terminal, { client_sn: order.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  const verdict = reversalVerdict(outcome, 'cancel');
  const provider = providerState(rawOf(outcome), 'order' in outcome ? outcome.order : undefined);
  switch (verdict.kind) {
    case 'open':
      // Cancelling, or already cancelled: a query shows which.
      await retryPatiently(deps, order, work, { step: 'query' }, verdict.reason, provider);
      break;
    case 'retry':
    case 'not_applied':
      // Unknown or refused before acting: sending the cancel again is safe.
      await retryPatiently(deps, order, work, {}, verdict.reason, provider);
      break;
    case 'refused':
      await applyChanges(deps, order, () => attentionChanges(verdict.reason, deps.now(), provider));
      break;
    case 'attention':
      await applyChanges(deps, order, () => attentionChanges(verdict.reason, deps.now(), provider, verdict.order));
      break;
    case 'not_paid':
      // The provider has no such order, yet: the pay request may still be on its way to it.
      if (payMayStillArrive(deps, order)) await reschedule(deps, order, work, { step: 'query', due_at: Date.parse(order.created_at) + deps.timing.requestLifetimeMs });
      else await settle(deps, order, verdict, rawOf(outcome));
      break;
    default:
      await settle(deps, order, verdict, rawOf(outcome));
  }
}
