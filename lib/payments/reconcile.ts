// The reconcile job: takes due orders and refunds from the sparse index and runs each one's
// next step of the provider's exception flow, so every order reaches a final state or a
// person (invariant 1) even when the app and the Lambda that started it are gone.
import type { DueItem } from '../store/ledger.js';
import type { PaymentDeps } from './deps.js';
import type { Order, Work } from './model.js';
import { callProvider, rawOf } from './open-order.js';
import { queryVerdict, reversalVerdict } from './outcomes.js';
import { resolveRefund } from './refund.js';
import { applyChanges, settle } from './settle.js';
import { attentionChanges, providerState } from './verdict.js';

export interface ReconcileReport {
  processed: number;
  errors: number;
}

/** One pass over what is due now, a few at a time. */
export async function reconcileDue(deps: PaymentDeps, options: { limit: number; concurrency: number }): Promise<ReconcileReport> {
  const items = await deps.ledger.due(deps.now(), options.limit);
  const report: ReconcileReport = { processed: 0, errors: 0 };
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as DueItem;
      try {
        await step(deps, item);
        report.processed += 1;
      } catch (error) {
        // One broken item must not starve the rest; it stays due and is tried again.
        report.errors += 1;
        deps.telemetry.error('reconcile step failed', { order_id: item.order_id, error: (error as Error).name, detail: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency, items.length) }, worker));
  return report;
}

export async function step(deps: PaymentDeps, item: DueItem): Promise<void> {
  const found = await deps.ledger.getOrder(item.order_id);
  if (!found) return;
  if (item.type === 'refund') {
    const refund = found.refunds.find((r) => r.refund_request_no === item.refund_request_no);
    if (refund?.work && refund.status === 'REFUND_IN_PROGRESS' && refund.work.due_at <= deps.now()) await resolveRefund(deps, found.order, refund);
    return;
  }
  const { order } = found;
  if (!order.work || order.work.due_at > deps.now()) return;
  if (order.work.step === 'cancel') await cancelStep(deps, order, order.work);
  else await queryStep(deps, order, order.work);
}

function pollInterval(deps: PaymentDeps, order: Order): number {
  if (order.kind !== 'precreate') return deps.timing.pollIntervalMs;
  const age = deps.now() - Date.parse(order.created_at);
  return age < deps.timing.precreateFastMs ? deps.timing.precreateFastPollMs : deps.timing.precreatePollMs;
}

/** Moves the order's next step, unless someone else moved or settled it meanwhile. */
function reschedule(deps: PaymentDeps, order: Order, seen: Work, next: Partial<Work>): Promise<Order> {
  return applyChanges(deps, order, (current) =>
    current.work && current.work.step === seen.step && current.work.due_at === seen.due_at ? { work: { ...current.work, ...next } } : undefined,
  );
}

/** One more try, or a person once the tries are used up. */
function retryOrEscalate(deps: PaymentDeps, order: Order, work: Work, next: Partial<Work>, reason: string, provider?: ReturnType<typeof providerState>): Promise<Order> {
  const attempts = work.attempts + 1;
  if (attempts >= deps.timing.maxAttempts) return applyChanges(deps, order, () => attentionChanges(`${reason} after ${attempts} attempts`, deps.now(), provider));
  return reschedule(deps, order, work, { ...next, attempts, due_at: deps.now() + deps.timing.pollIntervalMs });
}

async function queryStep(deps: PaymentDeps, order: Order, work: Work): Promise<void> {
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay.query(terminal, order.sn ? { sn: order.sn } : { client_sn: order.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  const verdict = queryVerdict(outcome);
  const provider = providerState(rawOf(outcome), 'order' in outcome ? outcome.order : undefined);
  if (order.reversal && (verdict.kind === 'open' || verdict.kind === 'paid')) {
    // Our reversal has not shown yet. A cancel is safe to send again; a revoke is not, and
    // one the provider does not show as CANCELED is, per its diagram, for a person.
    if (order.reversal === 'cancel') await retryOrEscalate(deps, order, work, { step: 'cancel' }, 'cancel not confirmed by the provider', provider);
    else await retryOrEscalate(deps, order, work, {}, 'revoke not confirmed by the provider', provider);
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
    // cancel may be reversing it.
    const moved = await applyChanges(deps, order, (current) =>
      current.work?.step === work.step && current.work.due_at === work.due_at && current.order_status === 'CREATED'
        ? { reversal: 'cancel', work: { ...current.work, step: 'cancel', due_at: deps.now() } }
        : undefined,
    );
    if (moved.work?.step === 'cancel') await cancelStep(deps, moved, moved.work);
    return;
  }
  await reschedule(deps, order, work, { due_at: deps.now() + pollInterval(deps, order) });
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
      await retryOrEscalate(deps, order, work, { step: 'query' }, verdict.reason, provider);
      break;
    case 'retry':
    case 'not_applied':
      // Unknown or refused before acting: sending the cancel again is safe.
      await retryOrEscalate(deps, order, work, {}, verdict.reason, provider);
      break;
    case 'refused':
    case 'attention':
      await applyChanges(deps, order, () => attentionChanges(verdict.reason, deps.now(), provider));
      break;
    default:
      await settle(deps, order, verdict, rawOf(outcome));
  }
}
