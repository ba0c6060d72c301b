import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeyNotFoundError, KeyStoreError, LocalFileKeyStore } from '../../lib/keys/index.js';
import { VENDOR, expectNoSecrets, keyStoreContract, terminalKey } from './keys-contract.js';

describe('LocalFileKeyStore', () => {
  describe('honours the key store contract', () => {
    keyStoreContract(async ({ now, cacheTtlMs }) => {
      const dir = await mkdtemp(join(tmpdir(), 'keys-contract-'));
      const file = join(dir, 'keys.json');
      return {
        open: () => new LocalFileKeyStore({ file, now, cacheTtlMs }),
        putVendor: (credentials) => new LocalFileKeyStore({ file, now, cacheTtlMs }).setVendor(credentials),
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    });
  });

  describe('on disk', () => {
    let dir: string;
    let file: string;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'keys-local-'));
      file = join(dir, 'nested', 'keys.json');
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('creates the file readable by its owner only, in a directory only its owner can enter', async () => {
      await new LocalFileKeyStore({ file }).create(terminalKey('100', 'a'));
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(dir, 'nested'))).mode & 0o777).toBe(0o700);
    });

    it('keeps the file owner-only after later writes replace it', async () => {
      const store = new LocalFileKeyStore({ file });
      await store.create(terminalKey('100', 'a'));
      await store.rotate(terminalKey('100', 'b'));
      await store.setVendor(VENDOR);
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    });

    it('leaves no temporary files behind', async () => {
      const store = new LocalFileKeyStore({ file });
      await store.create(terminalKey('100', 'a'));
      await store.rotate(terminalKey('100', 'b'));
      expect(await readdir(join(dir, 'nested'))).toEqual(['keys.json']);
    });

    it('survives reopening: a new instance reads keys, vendor credentials and key age written by the old one', async () => {
      const now = () => Date.UTC(2025, 5, 1);
      const writer = new LocalFileKeyStore({ file, now });
      await writer.create(terminalKey('100', 'a'));
      await writer.rotate(terminalKey('100', 'b'));
      await writer.setVendor(VENDOR);

      const reopened = new LocalFileKeyStore({ file });
      expect(await reopened.current('100')).toEqual(terminalKey('100', 'b'));
      expect(await reopened.previous('100')).toEqual(terminalKey('100', 'a'));
      expect(await reopened.vendor()).toEqual(VENDOR);
      expect(await reopened.currentSince('100')).toEqual(new Date(now()));
    });

    it('does not lose a write when rotations of one terminal race in one instance', async () => {
      const store = new LocalFileKeyStore({ file });
      await store.create(terminalKey('100', 'a'));
      await Promise.all([store.rotate(terminalKey('100', 'b')), store.rotate(terminalKey('100', 'c'))]);
      const reader = new LocalFileKeyStore({ file });
      expect(await reader.current('100')).toEqual(terminalKey('100', 'c'));
      expect(await reader.previous('100')).toEqual(terminalKey('100', 'b'));
    });

    it('does not lose a write when two instances write different terminals at once', async () => {
      const first = new LocalFileKeyStore({ file });
      const second = new LocalFileKeyStore({ file });
      const sns = ['1', '2', '3', '4', '5', '6', '7', '8'];
      await Promise.all(sns.map((sn, i) => (i % 2 === 0 ? first : second).create(terminalKey(sn, 'a'))));
      await Promise.all(sns.map((sn, i) => (i % 2 === 0 ? second : first).rotate(terminalKey(sn, 'b'))));
      const reader = new LocalFileKeyStore({ file });
      for (const sn of sns) {
        expect(await reader.current(sn)).toEqual(terminalKey(sn, 'b'));
        expect(await reader.previous(sn)).toEqual(terminalKey(sn, 'a'));
      }
    });

    it('serves vendor credentials set on the same instance at once, despite the cache', async () => {
      const store = new LocalFileKeyStore({ file });
      await store.setVendor(VENDOR);
      expect(await store.vendor()).toEqual(VENDOR);
      const replaced = { ...VENDOR, vendor_key: 'vk-replaced-0000000000' };
      await store.setVendor(replaced);
      expect(await store.vendor()).toEqual(replaced);
    });

    it('keeps writing after a refused write', async () => {
      const store = new LocalFileKeyStore({ file });
      await expect(store.rotate(terminalKey('100', 'a'))).rejects.toBeInstanceOf(KeyNotFoundError);
      await store.create(terminalKey('100', 'a'));
      expect(await new LocalFileKeyStore({ file }).current('100')).toEqual(terminalKey('100', 'a'));
    });

    it('stores a terminal named like an object prototype key as an ordinary terminal', async () => {
      const store = new LocalFileKeyStore({ file });
      await store.create(terminalKey('__proto__', 'a'));
      expect(await new LocalFileKeyStore({ file }).current('__proto__')).toEqual(terminalKey('__proto__', 'a'));
      await expect(store.current('toString')).rejects.toBeInstanceOf(KeyNotFoundError);
    });

    it('reports a corrupt file without quoting its content', async () => {
      const secret = terminalKey('100', 'a').terminal_key;
      const corrupt = join(dir, 'corrupt.json');
      await writeFile(corrupt, `{"terminals": {"100": {"current": {"terminal_key": ${secret}}}}}`, { mode: 0o600 });
      const error = await new LocalFileKeyStore({ file: corrupt }).current('100').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KeyStoreError);
      expectNoSecrets(error, [secret]);
    });
  });
});
