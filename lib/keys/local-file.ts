import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { DEFAULT_CACHE_TTL_MS, TtlCache } from './cache.js';
import { parseJson, sameKey, storedTerminalKey, toTerminalKey, toVendorCredentials } from './codec.js';
import { KeyExistsError, KeyNotFoundError, KeyStoreError } from './port.js';
import type { KeyStore, StoredKey, TerminalKey, VendorCredentials } from './port.js';

export interface LocalFileKeyStoreOptions {
  /** Default `.local/keys.json` (relative to the working directory). */
  file?: string;
  cacheTtlMs?: number;
  now?: () => number;
}

interface StampedKey extends TerminalKey {
  stored_at: string;
}

interface TerminalRecord {
  current: StampedKey;
  previous?: StampedKey;
}

interface FileContent {
  vendor?: VendorCredentials;
  terminals: Map<string, TerminalRecord>;
}

/**
 * Adapters on the same file share one queue, so any number of them in one process never lose
 * a write to a read-modify-write race. Separate processes are not coordinated: the local stack
 * is meant to be the only writer.
 */
const writeQueues = new Map<string, Promise<void>>();

function serialized<T>(file: string, task: () => Promise<T>): Promise<T> {
  const run = (writeQueues.get(file) ?? Promise.resolve()).then(task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  writeQueues.set(file, tail);
  void tail.then(() => {
    if (writeQueues.get(file) === tail) writeQueues.delete(file);
  });
  return run;
}

/**
 * The local stack's key store: one JSON file (mode 0600, directory 0700), replaced atomically
 * on every write, with the same current/previous semantics as Secrets Manager. Reads go to the
 * file each time, so a second instance (or a restarted process) sees what another wrote.
 */
export class LocalFileKeyStore implements KeyStore {
  private readonly file: string;
  private readonly now: () => number;
  private readonly keys: TtlCache<TerminalKey>;
  private readonly vendorCache: TtlCache<VendorCredentials>;

  constructor(options: LocalFileKeyStoreOptions = {}) {
    this.file = resolve(options.file ?? '.local/keys.json');
    this.now = options.now ?? Date.now;
    const ttl = options.cacheTtlMs ?? DEFAULT_CACHE_TTL_MS;
    this.keys = new TtlCache(ttl, this.now);
    this.vendorCache = new TtlCache(ttl, this.now);
  }

  async current(terminalSn: string): Promise<TerminalKey> {
    const key = await this.keys.get(terminalSn, async () => {
      const record = (await this.load()).terminals.get(terminalSn);
      if (record === undefined) throw new KeyNotFoundError(`no key stored for terminal ${terminalSn}`);
      return storedTerminalKey(record.current, terminalSn);
    });
    return { ...key };
  }

  async currentStored(terminalSn: string): Promise<StoredKey> {
    const record = (await this.load()).terminals.get(terminalSn);
    if (record === undefined) throw new KeyNotFoundError(`no key stored for terminal ${terminalSn}`);
    const key = storedTerminalKey(record.current, terminalSn);
    this.keys.set(terminalSn, key);
    return { key: { ...key }, stored_at: new Date(record.current.stored_at) };
  }

  async previous(terminalSn: string): Promise<TerminalKey | undefined> {
    const previous = (await this.load()).terminals.get(terminalSn)?.previous;
    return previous === undefined ? undefined : storedTerminalKey(previous, terminalSn);
  }

  async rotate(key: TerminalKey): Promise<void> {
    const valid = toTerminalKey(key, 'key to rotate to');
    const sn = valid.terminal_sn;
    await this.update((content) => {
      const record = content.terminals.get(sn);
      if (record === undefined) throw new KeyNotFoundError(`no key stored for terminal ${sn}`);
      if (sameKey(record.current, valid)) return false;
      // Secrets Manager ignores a replayed version token; the nearest equivalent here is the previous key.
      if (record.previous !== undefined && sameKey(record.previous, valid)) {
        throw new KeyExistsError(`this key of terminal ${sn} was stored before and has since been replaced`);
      }
      content.terminals.set(sn, { current: this.stamped(valid), previous: record.current });
      return true;
    });
    this.keys.set(sn, valid);
  }

  async create(key: TerminalKey): Promise<void> {
    const valid = toTerminalKey(key, 'key to create');
    const sn = valid.terminal_sn;
    await this.update((content) => {
      const record = content.terminals.get(sn);
      if (record !== undefined) {
        if (sameKey(record.current, valid)) return false;
        throw new KeyExistsError(`terminal ${sn} already has a key`);
      }
      content.terminals.set(sn, { current: this.stamped(valid) });
      return true;
    });
    this.keys.set(sn, valid);
  }

  async vendor(): Promise<VendorCredentials> {
    const credentials = await this.vendorCache.get('vendor', async () => {
      const { vendor } = await this.load();
      if (vendor === undefined) throw new KeyNotFoundError('no vendor credentials stored');
      return toVendorCredentials(vendor, 'stored vendor credentials');
    });
    return { ...credentials };
  }

  /** How the local stack provides the vendor pair (the sandbox's, or the real provider's). */
  async setVendor(credentials: VendorCredentials): Promise<void> {
    const valid = toVendorCredentials(credentials, 'vendor credentials to store');
    await this.update((content) => {
      content.vendor = valid;
      return true;
    });
    this.vendorCache.set('vendor', valid);
  }

  forget(terminalSn: string): void {
    this.keys.delete(terminalSn);
  }

  async currentSince(terminalSn: string): Promise<Date | undefined> {
    const current = (await this.load()).terminals.get(terminalSn)?.current;
    return current === undefined ? undefined : new Date(current.stored_at);
  }

  private stamped(key: TerminalKey): StampedKey {
    return { ...key, stored_at: new Date(this.now()).toISOString() };
  }

  private async load(): Promise<FileContent> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { terminals: new Map() };
      throw error;
    }
    const parsed = parseJson(text, `key file ${this.file}`) as { vendor?: VendorCredentials; terminals?: unknown };
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.terminals !== 'object' || parsed.terminals === null) {
      throw new KeyStoreError(`key file ${this.file} has no terminals object`);
    }
    // A Map, not the parsed object, so a terminal_sn like "__proto__" stays an ordinary entry.
    const terminals = new Map(Object.entries(parsed.terminals as Record<string, TerminalRecord>));
    return parsed.vendor === undefined ? { terminals } : { vendor: parsed.vendor, terminals };
  }

  /** `change` returns whether it changed anything; it may throw to abort without writing. */
  private update(change: (content: FileContent) => boolean): Promise<void> {
    return serialized(this.file, async () => {
      const content = await this.load();
      if (!change(content)) return;
      const text = JSON.stringify({ vendor: content.vendor, terminals: Object.fromEntries(content.terminals) }, null, 2);
      await writeAtomically(this.file, `${text}\n`);
    });
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
