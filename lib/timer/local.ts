// The step timer's local stand-in: an in-process timer per wake-up that hands the item to the
// same worker handler SQS would, with SQS's redelivery of a failed item (after a visibility
// timeout, a bounded number of times). Used by the local stack, the tests and the bench.
// What it does not model: SQS's whole-second delays and the event-source mapping's polling.
import { timerBody, type StepTimer, type TimerItem } from './port.js';

/** What the worker is handed: one batch of message bodies, and which of them failed. */
export type TimerDelivery = (bodies: { id: string; body: string }[]) => Promise<{ failed: string[] }>;

export interface LocalStepTimerOptions {
  /** How long a failed delivery stays invisible before it is delivered again. */
  visibilityMs?: number;
  /** Deliveries of one message before it is given up (SQS moves it to the dead-letter queue). */
  maxReceives?: number;
  now?: () => number;
}

export class LocalStepTimer implements StepTimer {
  private deliver: TimerDelivery | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private sequence = 0;
  /** Messages given up after `maxReceives` deliveries (the dead-letter queue). */
  readonly deadLetters: TimerItem[] = [];
  /** Every delivery: the item, when it was due and when the worker was handed it. */
  onDelivered: ((item: TimerItem, deliveredAt: number) => void) | undefined;

  constructor(private readonly options: LocalStepTimerOptions = {}) {}

  /** The worker the wake-ups go to; until one is attached they are dropped (the sweep finds them). */
  attach(deliver: TimerDelivery | undefined): void {
    this.deliver = deliver;
  }

  schedule(items: readonly TimerItem[]): Promise<void> {
    const now = (this.options.now ?? Date.now)();
    // Whole milliseconds late, never early: the same as SQS's rounding up, minus its whole seconds.
    for (const item of items) this.after(Math.max(0, item.due_at - now), item, 1);
    return Promise.resolve();
  }

  /** Resolves once no delivery is running (wake-ups still waiting for their time do not count). */
  async drained(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Drops every waiting wake-up. */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await this.drained();
  }

  private after(ms: number, item: TimerItem, receive: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.handOver(item, receive);
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private async handOver(item: TimerItem, receive: number): Promise<void> {
    const deliver = this.deliver;
    if (!deliver) return;
    this.onDelivered?.(item, (this.options.now ?? Date.now)());
    const id = String((this.sequence += 1));
    let failed: boolean;
    try {
      failed = (await deliver([{ id, body: timerBody(item) }])).failed.includes(id);
    } catch {
      failed = true;
    }
    if (!failed) return;
    if (receive >= (this.options.maxReceives ?? 5)) this.deadLetters.push(item);
    else this.after(this.options.visibilityMs ?? 1_000, item, receive + 1);
  }
}

/** The process's stand-in: the local stack attaches the worker handler to it. */
export const localStepTimer = new LocalStepTimer();
