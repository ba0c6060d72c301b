// In-memory fakes of the terminal ports, with the semantics of lib/store/terminal-registry.ts
// (conditional claim, lease and finish) and of the KeyStore contract in lib/keys/port.ts
// (current + previous, idempotent writes, a cache that `forget` drops).
import { KeyExistsError, KeyNotFoundError, type KeyStore, type StoredKey, type TerminalKey, type VendorCredentials } from '../../../lib/keys/index.js';
import type { ActivationClaim, CheckinFinish, CheckinInFlight, FleetPage, LeaseResult, Terminal, TerminalError, TerminalRegistry, TerminalStatus } from '../../../lib/store/terminal-registry.js';

type RegistryPort = Pick<TerminalRegistry, keyof TerminalRegistry>;

interface Row {
  terminal: Terminal;
  lease_owner?: string;
  lease_until?: number;
}

interface Claim {
  lease_until?: number;
  claimed_at?: number;
  terminal_sn?: string;
}

/** What DynamoDB throws for a failed condition outside a transaction. */
export class ConditionalCheckFailed extends Error {
  override readonly name = 'ConditionalCheckFailedException';
}

export class FakeRegistry implements RegistryPort {
  private readonly rows = new Map<string, Row>();
  private readonly claims = new Map<string, Claim>();
  /** Terminals registered before the fleet was sharded. */
  private readonly legacy = new Set<string>();
  readonly calls: { method: keyof RegistryPort; args: unknown[] }[] = [];
  private readonly failures = new Map<keyof RegistryPort, Error[]>();

  // ---- test controls ----

  seed(terminal: Terminal, lease?: { owner: string; until: number }): this {
    this.rows.set(terminal.terminal_sn, { terminal: structuredClone(terminal), ...(lease ? { lease_owner: lease.owner, lease_until: lease.until } : {}) });
    return this;
  }

  /** A terminal as the version before the fleet shards wrote it. */
  seedLegacy(terminal: Terminal): this {
    this.legacy.add(terminal.terminal_sn);
    return this.seed(terminal);
  }

  isLegacy(terminalSn: string): boolean {
    return this.legacy.has(terminalSn);
  }

  seedClaim(storeId: string, deviceId: string, claim: Claim): this {
    this.claims.set(`${storeId}#${deviceId}`, { ...claim });
    return this;
  }

  claim(storeId: string, deviceId: string): Claim | undefined {
    const claim = this.claims.get(`${storeId}#${deviceId}`);
    return claim && { ...claim };
  }

  /** The stored terminal with its lease fields. */
  row(terminalSn: string): Row | undefined {
    const row = this.rows.get(terminalSn);
    return row && structuredClone(row);
  }

  mustTerminal(terminalSn: string): Terminal {
    const row = this.rows.get(terminalSn);
    if (!row) throw new Error(`no terminal ${terminalSn} in the fake registry`);
    return structuredClone(row.terminal);
  }

  /** The next calls of `method` throw these errors, one each. */
  failNext(method: keyof RegistryPort, ...errors: Error[]): this {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
    return this;
  }

  countOf(method: keyof RegistryPort): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  // ---- the port ----

  async get(terminalSn: string): Promise<Terminal | undefined> {
    this.enter('get', [terminalSn]);
    const row = this.rows.get(terminalSn);
    return row && structuredClone(row.terminal);
  }

  async claimActivation(storeId: string, deviceId: string, nowMs: number, leaseMs: number): Promise<ActivationClaim> {
    this.enter('claimActivation', [storeId, deviceId, nowMs, leaseMs]);
    const key = `${storeId}#${deviceId}`;
    const existing = this.claims.get(key);
    if (existing === undefined || (existing.terminal_sn === undefined && existing.lease_until === 0)) {
      this.claims.set(key, { lease_until: nowMs + leaseMs, claimed_at: nowMs });
      return { kind: 'claimed' };
    }
    if (existing.terminal_sn) return { kind: 'activated', terminal_sn: existing.terminal_sn };
    const leaseUntil = existing.lease_until ?? 0;
    return leaseUntil >= nowMs ? { kind: 'busy' } : { kind: 'interrupted', since: existing.claimed_at ?? leaseUntil };
  }

  async releaseActivation(storeId: string, deviceId: string, nowMs: number): Promise<void> {
    this.enter('releaseActivation', [storeId, deviceId, nowMs]);
    const claim = this.claims.get(`${storeId}#${deviceId}`);
    if (claim && claim.terminal_sn === undefined) claim.lease_until = 0;
  }

  async register(terminal: Terminal): Promise<void> {
    this.enter('register', [terminal]);
    if (this.rows.has(terminal.terminal_sn)) {
      throw Object.assign(new Error('Transaction cancelled'), { name: 'TransactionCanceledException', CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }] });
    }
    this.rows.set(terminal.terminal_sn, { terminal: structuredClone(terminal) });
    // An Update creates the claim item if it is missing.
    this.claims.set(`${terminal.store_id}#${terminal.device_id}`, { terminal_sn: terminal.terminal_sn });
  }

  async acquireCheckinLease(terminalSn: string, owner: string, nowMs: number, leaseMs: number, force = false): Promise<LeaseResult> {
    this.enter('acquireCheckinLease', [terminalSn, owner, nowMs, leaseMs, force]);
    const row = this.rows.get(terminalSn);
    if (!row) return { kind: 'not_found' };
    if (row.terminal.status === 'retired') return { kind: 'retired' };
    const parkedOk = force || row.terminal.status !== 'parked' || row.terminal.checkin_in_flight !== undefined;
    const free = row.lease_until === undefined || row.lease_until < nowMs;
    if (parkedOk && free) {
      row.lease_owner = owner;
      row.lease_until = nowMs + leaseMs;
      return { kind: 'leased', terminal: structuredClone(row.terminal) };
    }
    if (!parkedOk) return { kind: 'parked', terminal: structuredClone(row.terminal) };
    return { kind: 'busy' };
  }

  async completeActivation(terminalSn: string, keyStoredAt: string): Promise<boolean> {
    this.enter('completeActivation', [terminalSn, keyStoredAt]);
    const row = this.rows.get(terminalSn);
    if (row?.terminal.status !== 'activating') return false;
    row.terminal.status = 'active';
    row.terminal.key_stored_at = keyStoredAt;
    return true;
  }

  async markActivationKeyLost(terminalSn: string, lastError: TerminalError): Promise<boolean> {
    this.enter('markActivationKeyLost', [terminalSn, lastError]);
    const row = this.rows.get(terminalSn);
    if (row?.terminal.status !== 'activating') return false;
    row.terminal.status = 'parked';
    row.terminal.last_error = structuredClone(lastError);
    return true;
  }

  async markCheckinInFlight(terminalSn: string, owner: string, state: { status: TerminalStatus; checked_in_at?: string; key_stored_at?: string; in_flight: CheckinInFlight }): Promise<boolean> {
    this.enter('markCheckinInFlight', [terminalSn, owner, state]);
    const row = this.rows.get(terminalSn);
    if (!row || row.lease_owner !== owner) return false;
    row.terminal.status = state.status;
    if (state.checked_in_at !== undefined) row.terminal.checked_in_at = state.checked_in_at;
    if (state.key_stored_at !== undefined) row.terminal.key_stored_at = state.key_stored_at;
    row.terminal.checkin_in_flight = { ...state.in_flight };
    return true;
  }

  async leaseAndMarkInFlight(
    terminalSn: string,
    owner: string,
    nowMs: number,
    leaseMs: number,
    listed: Pick<Terminal, 'status' | 'checked_in_at' | 'key_stored_at'>,
    state: { status: TerminalStatus; in_flight: CheckinInFlight },
  ): Promise<boolean> {
    this.enter('leaseAndMarkInFlight', [terminalSn, owner, nowMs, leaseMs, { status: listed.status, checked_in_at: listed.checked_in_at, key_stored_at: listed.key_stored_at }, state]);
    const row = this.rows.get(terminalSn);
    if (!row) return false;
    const asListed = row.terminal.status === listed.status && row.terminal.checked_in_at === listed.checked_in_at && row.terminal.key_stored_at === listed.key_stored_at && row.terminal.checkin_in_flight === undefined;
    const free = row.lease_until === undefined || row.lease_until < nowMs;
    // A resend of this very write (same owner and lease end) that already landed holds, as the adapter reads it.
    if (!asListed || !free) return row.lease_owner === owner && row.lease_until === nowMs + leaseMs;
    row.lease_owner = owner;
    row.lease_until = nowMs + leaseMs;
    row.terminal.status = state.status;
    row.terminal.checkin_in_flight = { ...state.in_flight };
    return true;
  }

  async finishCheckin(terminalSn: string, owner: string, outcome: CheckinFinish): Promise<boolean> {
    this.enter('finishCheckin', [terminalSn, owner, outcome]);
    const row = this.rows.get(terminalSn);
    if (!row || row.lease_owner !== owner) return false;
    row.terminal.status = outcome.status;
    if (outcome.checked_in_at !== undefined) row.terminal.checked_in_at = outcome.checked_in_at;
    if (outcome.key_stored_at !== undefined) row.terminal.key_stored_at = outcome.key_stored_at;
    if (outcome.last_error !== undefined) row.terminal.last_error = structuredClone(outcome.last_error);
    else delete row.terminal.last_error;
    if (outcome.clear_in_flight) delete row.terminal.checkin_in_flight;
    delete row.lease_owner;
    delete row.lease_until;
    return true;
  }

  async markKeyDeletionScheduled(terminalSn: string, deletionDate: string): Promise<boolean> {
    this.enter('markKeyDeletionScheduled', [terminalSn, deletionDate]);
    const row = this.rows.get(terminalSn);
    if (row?.terminal.status !== 'retired') return false;
    row.terminal.key_deletion_at ??= deletionDate;
    return true;
  }

  async recordError(terminalSn: string, lastError: TerminalError): Promise<void> {
    this.enter('recordError', [terminalSn, lastError]);
    const row = this.rows.get(terminalSn);
    if (!row) throw new ConditionalCheckFailed('The conditional request failed');
    row.terminal.last_error = structuredClone(lastError);
  }

  async listFleet(limit: number, cursor?: string): Promise<FleetPage> {
    this.enter('listFleet', [limit, cursor]);
    const all = [...this.rows.values()].map((row) => row.terminal).sort((a, b) => (a.terminal_sn < b.terminal_sn ? -1 : 1));
    const after = cursor ? all.filter((terminal) => terminal.terminal_sn > cursor) : all;
    const terminals = after.slice(0, limit).map((terminal) => structuredClone(terminal));
    // DynamoDB hands back LastEvaluatedKey whenever it stopped at Limit, even at the very end.
    const last = terminals.at(-1);
    const legacy = terminals.filter((terminal) => this.legacy.has(terminal.terminal_sn)).map((terminal) => terminal.terminal_sn);
    return { terminals, ...(terminals.length === limit && last ? { cursor: last.terminal_sn } : {}), ...(legacy.length > 0 ? { legacy } : {}) };
  }

  async shardLegacyTerminal(terminalSn: string): Promise<boolean> {
    this.enter('shardLegacyTerminal', [terminalSn]);
    return this.legacy.delete(terminalSn);
  }

  private enter(method: keyof RegistryPort, args: unknown[]): void {
    this.calls.push({ method, args });
    const error = this.failures.get(method)?.shift();
    if (error) throw error;
  }
}

/** Wires the fake where TerminalDeps wants the class (its private fields defeat structural typing). */
export const asRegistry = (fake: FakeRegistry): TerminalRegistry => fake as unknown as TerminalRegistry;

interface KeyRecord {
  current: TerminalKey;
  previous?: TerminalKey;
  /** Every key ever stored for the terminal, to refuse resurrecting an old one. */
  history: string[];
  since: number;
}

type KeyMethod = 'current' | 'currentStored' | 'previous' | 'rotate' | 'create' | 'vendor' | 'currentSince';

/**
 * The KeyStore contract in memory. `current` is cached per terminal until `forget` (like the
 * adapters' TTL cache, minus the TTL), so a key rotated elsewhere is seen only after `forget`.
 */
export class FakeKeyStore implements KeyStore {
  private readonly records = new Map<string, KeyRecord>();
  private readonly cache = new Map<string, TerminalKey>();
  private readonly failures = new Map<KeyMethod, Error[]>();
  readonly calls: { method: KeyMethod | 'forget'; args: unknown[] }[] = [];
  vendorCredentials: VendorCredentials | undefined = { vendor_sn: '91800001', vendor_key: 'vendor-secret-0001', app_id: '2026010100000001' };

  constructor(private readonly now: () => number = () => 0) {}

  /** Stores `key` as the terminal's current key (and `previous`), bypassing the cache. */
  seed(key: TerminalKey, previous?: TerminalKey): this {
    this.records.set(key.terminal_sn, { current: { ...key }, ...(previous ? { previous: { ...previous } } : {}), history: [...(previous ? [previous.terminal_key] : []), key.terminal_key], since: this.now() });
    return this;
  }

  /** Another instance rotated the key: the store changes, this instance's cache does not. */
  rotateElsewhere(key: TerminalKey): void {
    const record = this.records.get(key.terminal_sn);
    if (!record) throw new Error(`no key for ${key.terminal_sn}`);
    record.previous = record.current;
    record.current = { ...key };
    record.history.push(key.terminal_key);
    record.since = this.now();
  }

  stored(terminalSn: string): { current: TerminalKey; previous?: TerminalKey } | undefined {
    const record = this.records.get(terminalSn);
    return record && { current: { ...record.current }, ...(record.previous ? { previous: { ...record.previous } } : {}) };
  }

  failNext(method: KeyMethod, ...errors: Error[]): this {
    this.failures.set(method, [...(this.failures.get(method) ?? []), ...errors]);
    return this;
  }

  countOf(method: KeyMethod | 'forget'): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  async current(terminalSn: string): Promise<TerminalKey> {
    this.enter('current', [terminalSn]);
    const cached = this.cache.get(terminalSn);
    if (cached) return { ...cached };
    const record = this.records.get(terminalSn);
    if (!record) throw new KeyNotFoundError(`no key for terminal ${terminalSn}`);
    this.cache.set(terminalSn, { ...record.current });
    return { ...record.current };
  }

  async currentStored(terminalSn: string): Promise<StoredKey> {
    this.enter('currentStored', [terminalSn]);
    const record = this.records.get(terminalSn);
    if (!record) throw new KeyNotFoundError(`no key for terminal ${terminalSn}`);
    this.cache.set(terminalSn, { ...record.current });
    return { key: { ...record.current }, stored_at: new Date(record.since) };
  }

  async previous(terminalSn: string): Promise<TerminalKey | undefined> {
    this.enter('previous', [terminalSn]);
    const previous = this.records.get(terminalSn)?.previous;
    return previous && { ...previous };
  }

  async rotate(key: TerminalKey): Promise<void> {
    this.enter('rotate', [{ ...key }]);
    const record = this.records.get(key.terminal_sn);
    if (!record) throw new KeyNotFoundError(`no key for terminal ${key.terminal_sn}`);
    if (record.current.terminal_key === key.terminal_key) return;
    if (record.history.includes(key.terminal_key)) throw new KeyExistsError(`key for ${key.terminal_sn} was replaced`);
    record.previous = record.current;
    record.current = { ...key };
    record.history.push(key.terminal_key);
    record.since = this.now();
    this.cache.set(key.terminal_sn, { ...key });
  }

  async create(key: TerminalKey): Promise<void> {
    this.enter('create', [{ ...key }]);
    const record = this.records.get(key.terminal_sn);
    if (record) {
      if (record.current.terminal_key === key.terminal_key) return;
      throw new KeyExistsError(`terminal ${key.terminal_sn} already has a key`);
    }
    this.records.set(key.terminal_sn, { current: { ...key }, history: [key.terminal_key], since: this.now() });
  }

  async vendor(): Promise<VendorCredentials> {
    this.enter('vendor', []);
    if (!this.vendorCredentials) throw new KeyNotFoundError('no vendor credentials');
    return { ...this.vendorCredentials };
  }

  forget(terminalSn: string): void {
    this.calls.push({ method: 'forget', args: [terminalSn] });
    this.cache.delete(terminalSn);
  }

  async currentSince(terminalSn: string): Promise<Date | undefined> {
    this.enter('currentSince', [terminalSn]);
    const record = this.records.get(terminalSn);
    return record && new Date(record.since);
  }

  private enter(method: KeyMethod, args: unknown[]): void {
    this.calls.push({ method, args });
    const error = this.failures.get(method)?.shift();
    if (error) throw error;
  }
}
