import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyExistsError, KeyNotFoundError, KeyStoreError } from '../../lib/keys/index.js';
import type { KeyStore, TerminalKey, VendorCredentials } from '../../lib/keys/index.js';

/**
 * The behaviour every KeyStore adapter must have. Each adapter's test file calls
 * `keyStoreContract` with a setup that builds an empty backing store.
 */

export const CONTRACT_TTL_MS = 60_000;
const START = Date.UTC(2025, 0, 1, 8, 0, 0);

export interface KeyStoreFixture {
  /** A new adapter instance (with its own cache) over the fixture's one backing store. */
  open(): KeyStore;
  /** Puts vendor credentials into the backing store the way an operator or the local stack does. */
  putVendor(credentials: VendorCredentials): Promise<void>;
  dispose?(): Promise<void>;
}

export type KeyStoreSetup = (options: { now: () => number; cacheTtlMs: number }) => Promise<KeyStoreFixture>;

export function terminalKey(terminalSn: string, version: string): TerminalKey {
  return { terminal_sn: terminalSn, terminal_key: `tk-${terminalSn}-${version}-5f2b9c0e7a41d836`, device_id: `till-${terminalSn}` };
}

export const VENDOR: VendorCredentials = { vendor_sn: '91800001', vendor_key: 'vk-3c1e8a7b95d2f04e6a1b', app_id: '2025010100000001' };

/**
 * The error, however it is printed or serialised, carries no part of the given secrets: every
 * 10-character window is checked, because JSON.parse, for one, quotes just 10 characters.
 */
export function expectNoSecrets(error: unknown, secrets: readonly string[]): void {
  const renderings = [String(error), inspect(error, { depth: Infinity, showHidden: true }), JSON.stringify(error) ?? ''];
  if (error instanceof Error) renderings.push(error.message, String(error.stack));
  for (const secret of secrets) {
    for (let start = 0; start + 10 <= secret.length; start += 1) {
      const fragment = secret.slice(start, start + 10);
      for (const rendering of renderings) expect(rendering).not.toContain(fragment);
    }
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

export function keyStoreContract(setup: KeyStoreSetup): void {
  let time: number;
  let fixture: KeyStoreFixture;
  let store: KeyStore;
  const A = terminalKey('100', 'a');
  const B = terminalKey('100', 'b');
  const C = terminalKey('100', 'c');

  beforeEach(async () => {
    time = START;
    fixture = await setup({ now: () => time, cacheTtlMs: CONTRACT_TTL_MS });
    store = fixture.open();
  });

  afterEach(async () => {
    await fixture.dispose?.();
  });

  describe('reading keys', () => {
    it('reports a terminal without a key as KeyNotFoundError', async () => {
      await expect(store.current('404')).rejects.toBeInstanceOf(KeyNotFoundError);
    });

    it('has no previous key and no key age for an unknown terminal', async () => {
      expect(await store.previous('404')).toBeUndefined();
      expect(await store.currentSince('404')).toBeUndefined();
    });

    it('keeps the keys of different terminals apart', async () => {
      const other = terminalKey('200', 'a');
      await store.create(A);
      await store.create(other);
      await store.rotate(B);
      expect(await store.current('200')).toEqual(other);
      expect(await store.previous('200')).toBeUndefined();
      expect(await store.current('100')).toEqual(B);
    });

    it('hands out copies, so a caller mutating a key cannot corrupt the cached one', async () => {
      await store.create(A);
      const first = await store.current('100');
      first.terminal_key = 'mutated';
      expect(await store.current('100')).toEqual(A);
    });
  });

  describe('creating the first key of a terminal', () => {
    it('makes the key current with no previous key', async () => {
      await store.create(A);
      expect(await fixture.open().current('100')).toEqual(A);
      expect(await store.previous('100')).toBeUndefined();
    });

    it('refuses a second, different key for the same terminal and keeps the first', async () => {
      await store.create(A);
      await expect(store.create(B)).rejects.toBeInstanceOf(KeyExistsError);
      expect(await fixture.open().current('100')).toEqual(A);
    });

    it('accepts a retry with the same key as a success without changing anything', async () => {
      await store.create(A);
      await store.create(A);
      expect(await fixture.open().current('100')).toEqual(A);
      expect(await store.previous('100')).toBeUndefined();
    });

    it('refuses to re-create a terminal with its first key once that key has been rotated away', async () => {
      await store.create(A);
      await store.rotate(B);
      await expect(store.create(A)).rejects.toBeInstanceOf(KeyExistsError);
      expect(await fixture.open().current('100')).toEqual(B);
    });

    it('rejects a key with an empty field before storing anything', async () => {
      await expect(store.create({ ...A, terminal_key: '' })).rejects.toBeInstanceOf(KeyStoreError);
      await expect(store.current('100')).rejects.toBeInstanceOf(KeyNotFoundError);
    });
  });

  describe('rotating keys at check-in', () => {
    it('makes the new key current and the old current the previous one', async () => {
      await store.create(A);
      await store.rotate(B);
      const reader = fixture.open();
      expect(await reader.current('100')).toEqual(B);
      expect(await reader.previous('100')).toEqual(A);
    });

    it('keeps only the current and the previous key after a second rotation', async () => {
      await store.create(A);
      await store.rotate(B);
      await store.rotate(C);
      const reader = fixture.open();
      expect(await reader.current('100')).toEqual(C);
      expect(await reader.previous('100')).toEqual(B);
    });

    it('treats a retry of the same rotation as done, keeping the still-valid old key as previous', async () => {
      await store.create(A);
      await store.rotate(B);
      await store.rotate(B);
      const reader = fixture.open();
      expect(await reader.current('100')).toEqual(B);
      expect(await reader.previous('100')).toEqual(A);
    });

    it('refuses a stale retry that would bring back the replaced key', async () => {
      await store.create(A);
      await store.rotate(B);
      await expect(store.rotate(A)).rejects.toBeInstanceOf(KeyExistsError);
      const reader = fixture.open();
      expect(await reader.current('100')).toEqual(B);
      expect(await reader.previous('100')).toEqual(A);
    });

    it('refuses to rotate a terminal that has no key yet and creates nothing', async () => {
      await expect(store.rotate(A)).rejects.toBeInstanceOf(KeyNotFoundError);
      await expect(fixture.open().current('100')).rejects.toBeInstanceOf(KeyNotFoundError);
    });

    it('rejects a key with a missing field before storing anything', async () => {
      await store.create(A);
      const { device_id: _dropped, ...incomplete } = B;
      await expect(store.rotate(incomplete as TerminalKey)).rejects.toBeInstanceOf(KeyStoreError);
      expect(await fixture.open().current('100')).toEqual(A);
    });
  });

  describe('caching the current key', () => {
    it('serves the cached key within the TTL even after another instance rotated', async () => {
      await store.create(A);
      expect(await store.current('100')).toEqual(A);
      await fixture.open().rotate(B);
      time += CONTRACT_TTL_MS - 1;
      expect(await store.current('100')).toEqual(A);
    });

    it('re-reads the key once the TTL has passed', async () => {
      await store.create(A);
      expect(await store.current('100')).toEqual(A);
      await fixture.open().rotate(B);
      time += CONTRACT_TTL_MS;
      expect(await store.current('100')).toEqual(B);
    });

    it('re-reads the key right after forget, as after ILLEGAL_SIGN', async () => {
      await store.create(A);
      expect(await store.current('100')).toEqual(A);
      await fixture.open().rotate(B);
      store.forget('100');
      expect(await store.current('100')).toEqual(B);
    });

    it('signs with the new key right after its own rotation', async () => {
      await store.create(A);
      expect(await store.current('100')).toEqual(A);
      await store.rotate(B);
      expect(await store.current('100')).toEqual(B);
    });

    it('never caches the previous key', async () => {
      await store.create(A);
      await store.rotate(B);
      expect(await store.previous('100')).toEqual(A);
      await fixture.open().rotate(C);
      expect(await store.previous('100')).toEqual(B);
    });
  });

  describe('vendor credentials', () => {
    it('returns the stored vendor credentials', async () => {
      await fixture.putVendor(VENDOR);
      expect(await store.vendor()).toEqual(VENDOR);
    });

    it('reports missing vendor credentials as KeyNotFoundError', async () => {
      await expect(store.vendor()).rejects.toBeInstanceOf(KeyNotFoundError);
    });

    it('caches the vendor credentials for the TTL', async () => {
      await fixture.putVendor(VENDOR);
      expect(await store.vendor()).toEqual(VENDOR);
      const replaced = { ...VENDOR, vendor_key: 'vk-replaced-0000000000' };
      await fixture.putVendor(replaced);
      time += CONTRACT_TTL_MS - 1;
      expect(await store.vendor()).toEqual(VENDOR);
      time += 1;
      expect(await store.vendor()).toEqual(replaced);
    });
  });

  describe('the current key as stored (check-in recovery)', () => {
    it('reads past a stale cache, names when the key was stored, and refreshes the cache', async () => {
      await store.create(A);
      expect(await store.current('100')).toEqual(A);
      time += 86_400_000;
      await fixture.open().rotate(B);
      expect(await store.currentStored('100')).toEqual({ key: B, stored_at: new Date(START + 86_400_000) });
      expect(await store.current('100')).toEqual(B);
    });

    it('keeps its stamp when a rotation is retried, so a stamp names one key', async () => {
      await store.create(A);
      await store.rotate(B);
      time += 60_000;
      await store.rotate(B);
      expect((await store.currentStored('100')).stored_at).toEqual(new Date(START));
    });

    it('reports a terminal without a key as KeyNotFoundError', async () => {
      await expect(store.currentStored('404')).rejects.toBeInstanceOf(KeyNotFoundError);
    });
  });

  describe('key age', () => {
    it('is the time the current key was stored, and moves with each rotation', async () => {
      await store.create(A);
      expect(await store.currentSince('100')).toEqual(new Date(START));
      time += 86_400_000;
      await store.rotate(B);
      expect(await store.currentSince('100')).toEqual(new Date(START + 86_400_000));
    });

    it('does not move when a rotation is retried', async () => {
      await store.create(A);
      await store.rotate(B);
      time += 60_000;
      await store.rotate(B);
      expect(await store.currentSince('100')).toEqual(new Date(START));
    });
  });

  describe('keeping keys secret', () => {
    it('puts no key material into the errors it raises', async () => {
      await store.create(A);
      await fixture.putVendor(VENDOR);
      await store.rotate(B);
      const errors = [
        await rejection(store.create(C)),
        await rejection(store.rotate(A)),
        await rejection(store.rotate(terminalKey('404', 'x'))),
        await rejection(store.current('404')),
        await rejection(store.create({ ...C, device_id: '' })),
      ];
      for (const error of errors) {
        expect(error).toBeInstanceOf(KeyStoreError);
        expectNoSecrets(error, [A.terminal_key, B.terminal_key, C.terminal_key, terminalKey('404', 'x').terminal_key, VENDOR.vendor_key]);
      }
    });
  });
}
