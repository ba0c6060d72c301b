// Hands open work to the step timer (lib/timer). Whoever moves a step's due time and leaves
// the order or refund open schedules it; the state is already stored, so a wake-up that cannot
// be handed over never fails the request or the step: it is logged, and the sweep finds the
// item once it is overdue (lib/payments/sweep.ts).
import type { TimerItem } from '../timer/index.js';
import type { PaymentDeps } from './deps.js';
import type { Order, Refund } from './model.js';

export const orderWakeUp = (order: Order): TimerItem[] => (order.work ? [{ order_id: order.order_id, due_at: order.work.due_at }] : []);

export const refundWakeUp = (refund: Refund): TimerItem[] =>
  refund.work ? [{ order_id: refund.order_id, refund_request_no: refund.refund_request_no, due_at: refund.work.due_at }] : [];

export async function scheduleWork(deps: Pick<PaymentDeps, 'timer' | 'telemetry'>, items: readonly TimerItem[]): Promise<void> {
  if (items.length === 0) return;
  try {
    await deps.timer.schedule(items);
  } catch (error) {
    deps.telemetry.count('StepsUnscheduled', items.length);
    deps.telemetry.warn('steps not scheduled; the sweep takes them once overdue', { order_ids: items.map((item) => item.order_id), error: (error as Error).name });
  }
}
