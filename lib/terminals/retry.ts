export interface RetryPolicy {
  attempts: number;
  /** Delay before the 2nd, 3rd, … attempt; the last entry repeats. */
  delaysMs: readonly number[];
  /** Which failures are worth another attempt (default: all). */
  retryIf?: (error: unknown) => boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `action` up to `policy.attempts` times; only for actions that are safe to repeat. */
export async function withRetries<T>(policy: RetryPolicy, action: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await action();
    } catch (error) {
      if (attempt >= policy.attempts || (policy.retryIf && !policy.retryIf(error))) throw error;
      await sleep(policy.delaysMs[Math.min(attempt - 1, policy.delaysMs.length - 1)] ?? 0);
    }
  }
}
