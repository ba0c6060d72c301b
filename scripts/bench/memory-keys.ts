// A KeyStore that answers at once from memory: the "key store answering instantly" of the
// unpaced fleet run, so that only our code, DynamoDB and the provider set the pace.
import { KeyNotFoundError, type KeyStore, type StoredKey, type TerminalKey, type VendorCredentials } from '../../lib/keys/index.js';

interface Entry {
  current: TerminalKey;
  previous?: TerminalKey;
  since: Date;
}

export class MemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, Entry>();

  constructor(private readonly vendorCredentials?: VendorCredentials) {}

  async current(terminalSn: string): Promise<TerminalKey> {
    const entry = this.keys.get(terminalSn);
    if (!entry) throw new KeyNotFoundError(`no key stored for terminal ${terminalSn}`);
    return { ...entry.current };
  }

  async currentStored(terminalSn: string): Promise<StoredKey> {
    const entry = this.keys.get(terminalSn);
    if (!entry) throw new KeyNotFoundError(`no key stored for terminal ${terminalSn}`);
    return { key: { ...entry.current }, stored_at: entry.since };
  }

  async previous(terminalSn: string): Promise<TerminalKey | undefined> {
    const previous = this.keys.get(terminalSn)?.previous;
    return previous ? { ...previous } : undefined;
  }

  async rotate(key: TerminalKey): Promise<void> {
    const entry = this.keys.get(key.terminal_sn);
    if (!entry) throw new KeyNotFoundError(`no key stored for terminal ${key.terminal_sn}`);
    if (entry.current.terminal_key !== key.terminal_key) this.keys.set(key.terminal_sn, { current: { ...key }, previous: entry.current, since: new Date() });
  }

  async create(key: TerminalKey): Promise<void> {
    this.keys.set(key.terminal_sn, { current: { ...key }, since: new Date() });
  }

  async vendor(): Promise<VendorCredentials> {
    if (!this.vendorCredentials) throw new KeyNotFoundError('no vendor credentials stored');
    return { ...this.vendorCredentials };
  }

  forget(): void {
    // Nothing is cached: every read is the store itself.
  }

  async currentSince(terminalSn: string): Promise<Date | undefined> {
    return this.keys.get(terminalSn)?.since;
  }
}
