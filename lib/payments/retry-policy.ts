// How long a step whose outcome stayed unknown, or that the provider certainly did not apply
// (maintenance, a refused connection, a 502), keeps being retried. Sending a cancel or a query
// again is safe, so an outage of the provider must not become work for a person: the step is
// retried ever more slowly for hours. Only what the provider's own rules leave to a person
// (its error states, a revoke it answers but does not confirm) is escalated sooner.
// The scale is the provider's polling interval, so compressed test timings keep the ratios.
import type { PaymentTiming } from './deps.js';

/** The longest wait between two tries: 5 minutes at the provider's 3 s interval. */
const LONGEST_WAIT_INTERVALS = 100;
/** How long a step keeps being retried before a person is called: 6 hours at 3 s. */
const PATIENCE_INTERVALS = 7_200;

export const retryPatienceMs = (timing: Pick<PaymentTiming, 'pollIntervalMs'>) => PATIENCE_INTERVALS * timing.pollIntervalMs;

/**
 * When to try again a step first tried at `sinceMs`, or undefined once the patience is used
 * up. Each wait is half the time already waited (at least one polling interval, at most the
 * longest wait), so the tries thin out geometrically while the provider stays away.
 */
export function nextTry(timing: Pick<PaymentTiming, 'pollIntervalMs'>, sinceMs: number, nowMs: number): number | undefined {
  const waited = Math.max(0, nowMs - sinceMs);
  if (waited >= retryPatienceMs(timing)) return undefined;
  return nowMs + Math.min(LONGEST_WAIT_INTERVALS * timing.pollIntervalMs, Math.max(timing.pollIntervalMs, Math.floor(waited / 2)));
}
