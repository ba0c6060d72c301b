// The worst cases the terminal flows are sized from: the Lambda timeouts (infra/functions.ts),
// the fleet job's reserve and the bound on key-write retries. Each figure is the most one call
// can take with the production clients, all of its attempts together.

/** A DynamoDB call (lib/store/client.ts): 3 attempts of 1 s connect + 3 s request, plus backoff. */
export const DB_CALL_MS = 13_000;
/** A key store call (SecretsManagerKeyStore: every SDK attempt is aborted after 5 s in total). */
export const KEY_CALL_MS = 5_000;
/** A provider call (config PROVIDER_TIMEOUT_MS). */
export const PROVIDER_CALL_MS = 8_000;

/**
 * A check-in from its first call to its last: for one from the fleet's listing, the key read
 * and the one write (lease and in-flight record) refused; then lease, key read, in-flight
 * record, provider, one key-write attempt, the registry write that ends it. Further key-write
 * attempts are made only while the time left allows one more and the final write.
 */
export const CHECKIN_WORST_MS = KEY_CALL_MS + DB_CALL_MS + DB_CALL_MS + KEY_CALL_MS + DB_CALL_MS + PROVIDER_CALL_MS + KEY_CALL_MS + DB_CALL_MS;

/** A check-in lease outlives any check-in (it is capped to the lease), so two never overlap. */
export const CHECKIN_LEASE_MS = 90_000;
