import type { UpayClient } from '../upay/index.js';
import { KeyStoreUnavailableError, type KeyStore } from '../keys/index.js';
import type { RetryPolicy } from './retry.js';
import type { TerminalRegistry } from '../store/terminal-registry.js';
import type { Telemetry } from '../telemetry.js';

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
}

/** Bounded retries for writing a key the provider has just issued: losing it bricks the terminal. */
export const KEY_WRITE_RETRY: RetryPolicy = {
  attempts: 4,
  delaysMs: [200, 1_000, 3_000],
  // Only a transient failure is worth repeating; "another key is stored" will not change.
  retryIf: (error) => error instanceof KeyStoreUnavailableError,
};
