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
import { attentionChanges } from './verdict.js';

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
  const age = deps.now() - Date.parse(order.created_at);
  return order.kind === 'precreate' && age < deps.timing.precreateFastMs ? deps.timing.precreateFastPollMs : deps.timing.pollIntervalMs;
}

/** Moves the order's next step, unless someone else moved or settled it meanwhile. */
function reschedule(deps: PaymentDeps, order: Order, seen: Work, next: Partial<Work>): Promise<Order> {
  return applyChanges(deps, order, (current) =>
    current.work && current.work.step === seen.step && current.work.due_at === seen.due_at ? { work: { ...current.work, ...next } } : undefined,
  );
}

async function queryStep(deps: PaymentDeps, order: Order, work: Work): Promise<void> {
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay.query(terminal, order.sn ? { sn: order.sn } : { client_sn: order.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  const verdict = queryVerdict(outcome);
  if (verdict.kind !== 'open') {
    // Our reversal has not reached the order yet: a cancel is safe to send again; a revoke
    // the provider does not show as CANCELED is, per its diagram, for a person.
    if (order.reversal && verdict.kind === 'paid') {
      const attempts = work.attempts + 1;
      if (attempts >= deps.timing.maxAttempts) await applyChanges(deps, order, () => attentionChanges(`${order.reversal} not confirmed by the provider`, deps.now()));
      else await reschedule(deps, order, work, { step: order.reversal === 'cancel' ? 'cancel' : 'query', attempts, due_at: deps.now() + deps.timing.pollIntervalMs });
      return;
    }
    await settle(deps, order, verdict, rawOf(outcome));
    return;
  }
  if (deps.now() >= work.deadline_at) {
    // Still open at the deadline, or unreachable: cancel, per the provider's exception flow.
    const moved = await reschedule(deps, order, work, { step: 'cancel', due_at: deps.now() });
    if (moved.work?.step === 'cancel') await cancelStep(deps, moved, moved.work);
    return;
  }
  await reschedule(deps, order, work, { due_at: deps.now() + pollInterval(deps, order) });
}

async function cancelStep(deps: PaymentDeps, order: Order, work: Work): Promise<void> {
  const action = order.reversal ?? 'cancel';
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay[action](terminal, { client_sn: order.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  const verdict = reversalVerdict(outcome, action);
  const attempts = work.attempts + 1;
  switch (verdict.kind) {
    case 'open':
    case 'retry':
    case 'not_applied':
      if (attempts >= deps.timing.maxAttempts) {
        await applyChanges(deps, order, () => attentionChanges(`${verdict.reason}: not confirmed after ${attempts} attempts`, deps.now()));
      } else {
        // In progress: a query shows when it is done; unknown: asking again is safe.
        const next = verdict.kind === 'open' ? 'query' : 'cancel';
        await reschedule(deps, order, work, { step: next, attempts, due_at: deps.now() + deps.timing.pollIntervalMs });
      }
      break;
    case 'refused':
    case 'attention':
      await applyChanges(deps, order, () => attentionChanges(verdict.reason, deps.now()));
      break;
    default:
      await settle(deps, order, verdict, rawOf(outcome));
  }
}
