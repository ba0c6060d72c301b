// The step timer: wakes the worker when an open order's or refund's next step falls due.
// Whoever moves a `work.due_at` and leaves the item open schedules it here; the worker
// re-reads the item on delivery, so a duplicate, early or late wake-up is harmless, and the
// sweep (lib/payments/sweep.ts) wakes whatever a lost message left behind.

/** One wake-up: the item, and the due time it was scheduled for. */
export interface TimerItem {
  order_id: string;
  refund_request_no?: string;
  due_at: number;
}

export interface StepTimer {
  /** Wakes the worker for each item at (or soon after) its `due_at`; throws when a wake-up could not be handed over. */
  schedule(items: readonly TimerItem[]): Promise<void>;
}

/** Parses a wake-up's message body; undefined for anything that is not one. */
export function parseTimerItem(body: string): TimerItem | undefined {
  try {
    const value = JSON.parse(body) as Partial<TimerItem>;
    if (typeof value.order_id !== 'string' || typeof value.due_at !== 'number' || !Number.isSafeInteger(value.due_at)) return undefined;
    if (value.refund_request_no !== undefined && typeof value.refund_request_no !== 'string') return undefined;
    return { order_id: value.order_id, due_at: value.due_at, ...(value.refund_request_no !== undefined ? { refund_request_no: value.refund_request_no } : {}) };
  } catch {
    return undefined;
  }
}

export const timerBody = (item: TimerItem) => JSON.stringify(item);
