export interface RetryPolicy {
  attempts: number;
  /** Delay before the 2nd, 3rd, … attempt; the last entry repeats. */
  delaysMs: readonly number[];
  /** Which failures are worth another attempt (default: all). */
  retryIf?: (error: unknown) => boolean;
}

/** When another attempt may start: only if the pause before it and the attempt itself fit. */
export interface RetryBudget {
  /** Milliseconds this piece of work may still take. */
  remainingMs: () => number;
  /** The most one attempt can take. */
  attemptMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `action` up to `policy.attempts` times; only for actions that are safe to repeat. With a
 * budget, the first attempt always runs and a further one only if it can finish in time.
 */
export async function withRetries<T>(policy: RetryPolicy, action: () => Promise<T>, budget?: RetryBudget): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= policy.attempts || (policy.retryIf && !policy.retryIf(error))) throw error;
      const delay = policy.delaysMs[Math.min(attempt - 1, policy.delaysMs.length - 1)] ?? 0;
      if (budget && budget.remainingMs() < delay + budget.attemptMs) throw error;
      await sleep(delay);
    }
  }
}
