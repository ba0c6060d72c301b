/**
 * The terminal key store: where the Upay terminal keys and the vendor credentials live.
 *
 * Semantics every adapter keeps (proven by test/unit/keys-contract.ts):
 * - A terminal has at most two keys, `current` and `previous`, mirroring the provider's rule
 *   that after a check-in only the current and the previous key are valid.
 * - Writes are idempotent for the same key: a `create` or `rotate` whose reply was lost can be
 *   retried with the same key and succeeds without moving anything. A retry with a key that
 *   is no longer current fails, so a stale retry can never resurrect an old key.
 * - Key material is returned only by `current`, `previous` and `vendor`; it is never part of
 *   an error (message, properties or cause) or of any other result.
 */
export interface TerminalKey {
  terminal_sn: string;
  terminal_key: string;
  device_id: string;
}

export interface VendorCredentials {
  vendor_sn: string;
  vendor_key: string;
  app_id: string;
}

/** The current key as the store holds it, with the instant it was stored. */
export interface StoredKey {
  key: TerminalKey;
  /**
   * When this key was stored: it names the key version without revealing anything about the
   * key, so a registry may record it (check-in recovery compares it with a later read).
   */
  stored_at: Date;
}

export interface KeyStore {
  /** The key to sign with. Cached per terminal for the adapter's TTL. Throws `KeyNotFoundError`. */
  current(terminalSn: string): Promise<TerminalKey>;
  /**
   * The current key read from the store itself (never the cache, which it refreshes), with when
   * it was stored. Same permission as `current`. Throws `KeyNotFoundError`.
   */
  currentStored(terminalSn: string): Promise<StoredKey>;
  /** The key before the last rotation; `undefined` if never rotated (or unknown terminal). Never cached. */
  previous(terminalSn: string): Promise<TerminalKey | undefined>;
  /**
   * Stores a new current key; the old current becomes previous and the one before is gone.
   * Throws `KeyNotFoundError` for a terminal without a key, `KeyExistsError` if this key was
   * stored before and has since been replaced. After `KeyStoreUnavailableError` the write may
   * or may not have happened: retrying with the same key is safe.
   */
  rotate(key: TerminalKey): Promise<void>;
  /** Stores the first key of a newly activated terminal. Throws `KeyExistsError` if it already has another key. */
  create(key: TerminalKey): Promise<void>;
  /** The vendor pair that signs `/terminal/activate`. Cached like `current`. Throws `KeyNotFoundError`. */
  vendor(): Promise<VendorCredentials>;
  /** Drops the cached current key, e.g. after `ILLEGAL_SIGN`, so the next `current` re-reads it. */
  forget(terminalSn: string): void;
  /**
   * When the current key was stored (the "key age" of `GET /v1/terminals/{sn}`); `undefined` for
   * an unknown terminal. Reads metadata only, so a caller can show key age without being able
   * to read the key. Never cached.
   */
  currentSince(terminalSn: string): Promise<Date | undefined>;
}

/**
 * Base of every key store failure. `code` names the underlying failure (an SDK error name or
 * errno code) for diagnostics; the underlying error itself is deliberately not kept as `cause`,
 * because SDK errors can carry the raw response body, which for a read is the secret.
 */
export class KeyStoreError extends Error {
  override readonly name: string = 'KeyStoreError';
  readonly code: string | undefined;

  constructor(message: string, code?: string) {
    super(message);
    this.code = code;
  }
}

export class KeyNotFoundError extends KeyStoreError {
  override readonly name = 'KeyNotFoundError';
}

export class KeyExistsError extends KeyStoreError {
  override readonly name = 'KeyExistsError';
}

/** Throttling, timeouts and service faults: transient, worth retrying later. */
export class KeyStoreUnavailableError extends KeyStoreError {
  override readonly name = 'KeyStoreUnavailableError';
}
