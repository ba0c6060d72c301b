// The sweep: the step timer's safety net. A wake-up is lost when a Lambda dies between its
// write and its send, or when the send fails; the item then stays in the `due` index past its
// time. Every run wakes whatever has been overdue for longer than a grace at once (a wake-up
// that is merely on its way arrives within the grace), and reports the backlog's age.
import type { DueItem } from '../store/ledger.js';
import type { TimerItem } from '../timer/index.js';
import type { PaymentDeps } from './deps.js';

export interface SweepOptions {
  /** How long past its due time an item waits for its own wake-up before the sweep sends one. */
  graceMs: number;
  /** Items read from each shard of the index per run; the rest follow on the next run. */
  limitPerShard: number;
}

export interface SweepReport {
  /** Items woken because their own wake-up was overdue. */
  woken: number;
  /** Overdue items whose wake-up could not be sent: the run reports its figures, then fails (its errors alarm). */
  unsent: number;
  /** How long the oldest due item has been due (0 when nothing is). */
  backlogAgeMs: number;
}

/** The wake-up for an item of the due index. */
export const wakeUpFor = (item: DueItem): TimerItem => ({ order_id: item.order_id, due_at: item.due_at, ...(item.type === 'refund' ? { refund_request_no: item.refund_request_no } : {}) });

export async function sweep(deps: Pick<PaymentDeps, 'ledger' | 'timer' | 'now' | 'telemetry'>, options: SweepOptions): Promise<SweepReport> {
  const now = deps.now();
  const due = await deps.ledger.due(now, options.limitPerShard);
  const lost = due.filter((item) => item.due_at <= now - options.graceMs).map(wakeUpFor);
  const backlogAgeMs = due[0] ? now - due[0].due_at : 0;
  try {
    if (lost.length > 0) await deps.timer.schedule(lost);
    return { woken: lost.length, unsent: 0, backlogAgeMs };
  } catch (error) {
    // The backlog's age is reported all the same: its alarm must not clear while the timer is down.
    deps.telemetry.error('sweep could not send its wake-ups', { count: lost.length, error: (error as Error).name });
    return { woken: 0, unsent: lost.length, backlogAgeMs };
  }
}
