import type { UpayClient } from '../upay/index.js';
import { KeyExistsError, type KeyStore } from '../keys/index.js';
import type { RetryPolicy } from './retry.js';
import type { TerminalRegistry } from '../store/terminal-registry.js';
import type { Telemetry } from '../telemetry.js';
import type { KeyRetirement } from '../keys/retirement.js';

export interface TerminalDeps {
  upay: Pick<UpayClient, 'activate' | 'checkin'>;
  keys: KeyStore;
  registry: TerminalRegistry;
  telemetry: Telemetry;
  now: () => number;
  /** Provider call timeout for activate and check-in. */
  providerTimeoutMs?: number;
  /** How a freshly issued key's write is retried (default KEY_WRITE_RETRY). */
  keyWriteRetry?: RetryPolicy;
  /** Schedules retired terminals' keys for deletion (the fleet run); absent, none is deleted. */
  keyRetirement?: KeyRetirement;
}

/**
 * Writing a key the provider has just issued: losing it puts the terminal one step from
 * bricked, so it is retried on anything but "another key is stored", for about half a minute
 * at most, and only while the invocation has time for the attempt and the write after it.
 */
export const KEY_WRITE_RETRY: RetryPolicy = {
  attempts: 7,
  delaysMs: [200, 1_000, 3_000, 5_000, 10_000, 10_000],
  retryIf: (error) => !(error instanceof KeyExistsError),
};
