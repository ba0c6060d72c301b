// Terminal lifecycle against the sandbox over HTTP, DynamoDB Local and the local key store:
// activation, check-in rotation, every crash window of invariant 4, concurrency, the fleet.
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { createTable, localDocumentClient } from '../../local/dynamodb.js';
import { UpayClient } from '../../lib/upay/index.js';
import { KeyStoreUnavailableError, LocalFileKeyStore, type KeyStore } from '../../lib/keys/index.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TerminalRegistry, terminalKey } from '../../lib/store/terminal-registry.js';
import { FleetStore } from '../../lib/store/fleet.js';
import { activateTerminal } from '../../lib/terminals/activation.js';
import { checkInTerminal } from '../../lib/terminals/checkin.js';
import { checkInFleet } from '../../lib/terminals/fleet.js';
import { pacer } from '../../lib/terminals/pacer.js';
import { terminalSigner } from '../../lib/terminals/signer.js';
import type { TerminalDeps } from '../../lib/terminals/deps.js';
import type { Telemetry } from '../../lib/telemetry.js';
import { logger, telemetry as handlerTelemetry } from '../../lib/api/observability.js';
import { sandboxControl } from './helpers/local-stack.js';
import { mapBounded } from '../../local/bounded.js';

const STORE = 'store-1';
let sandbox: Sandbox;
let registry: TerminalRegistry;
let fleetStore: FleetStore;
let keyFile: string;
let keys: LocalFileKeyStore;
let upay: UpayClient;
let logLines: string[];

function recorder(): Telemetry {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => logLines.push(JSON.stringify({ level, message, ...fields }));
  return { info: write('info'), warn: write('warn'), error: write('error'), count: () => undefined };
}

function deps(overrides: Partial<TerminalDeps> = {}): TerminalDeps {
  return { upay, keys, registry, telemetry: recorder(), now: () => Date.now(), providerTimeoutMs: 5_000, ...overrides };
}

const control = (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => sandboxControl(sandbox.url, method, path, body);
const issueCode = async (uses: number) => ((await control('POST', 'activation-codes', { uses, store_id: STORE })) as { code: string }).code;
const sandboxCheckins = async (terminalSn: string) => ((await control('GET', `terminals/${terminalSn}`)) as { checkins: number }).checkins;

/** Whether the provider accepts `key` for the terminal (a query signed with it is not ILLEGAL_SIGN). */
async function keyWorks(terminalSn: string, key: string): Promise<boolean> {
  const outcome = await upay.query({ sn: terminalSn, key }, { client_sn: 'probe' });
  return !(outcome.kind === 'transport' && outcome.failure.kind === 'illegal_sign');
}

async function newTerminal(code?: string): Promise<string> {
  const result = await activateTerminal(deps(), { store_id: STORE, device_id: `till-${randomUUID()}`, activation_code: code ?? (await issueCode(1)) });
  if (result.kind !== 'activated') throw new Error(`activation: ${result.kind}`);
  return result.terminal.terminal_sn;
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  const endpoint = inject('dynamoEndpoint');
  const table = `terminals-${randomUUID()}`;
  await createTable(endpoint, table);
  registry = new TerminalRegistry(localDocumentClient(endpoint), table);
  fleetStore = new FleetStore(localDocumentClient(endpoint), table);
  keyFile = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json');
  keys = new LocalFileKeyStore({ file: keyFile });
  await keys.setVendor(sandbox.vendor);
  upay = new UpayClient({ baseUrl: sandbox.url, timeoutMs: 5_000 });
  logLines = [];
});
afterAll(() => sandbox?.close());

describe('activation', () => {
  it('stores the key in the key store and the terminal in the registry, and the key signs', async () => {
    const terminalSn = await newTerminal();
    const terminal = await registry.get(terminalSn);
    expect(terminal).toMatchObject({ terminal_sn: terminalSn, store_id: STORE, status: 'active' });
    expect(JSON.stringify(terminal)).not.toContain((await keys.current(terminalSn)).terminal_key);
    expect(await keyWorks(terminalSn, (await keys.current(terminalSn)).terminal_key)).toBe(true);
  });

  it('returns the existing terminal for a retried activation instead of burning another code', async () => {
    const code = await issueCode(1);
    const request = { store_id: STORE, device_id: `till-${randomUUID()}`, activation_code: code };
    const first = await activateTerminal(deps(), request);
    const second = await activateTerminal(deps(), request);
    expect(first).toMatchObject({ kind: 'activated', created: true });
    expect(second).toMatchObject({ kind: 'activated', created: false });
    if (first.kind === 'activated' && second.kind === 'activated') expect(second.terminal.terminal_sn).toBe(first.terminal.terminal_sn);
  });

  it('reports a used-up code as refused and registers nothing', async () => {
    const code = await issueCode(1);
    await newTerminal(code);
    const deviceId = `till-${randomUUID()}`;
    const result = await activateTerminal(deps(), { store_id: STORE, device_id: deviceId, activation_code: code });
    expect(result).toMatchObject({ kind: 'refused', code: 'ACTIVATION_CODE_USED_UP' });
  });

  it('reports an expired code as refused', async () => {
    const code = await issueCode(1);
    await control('POST', 'clock', { advance_ms: 8 * 24 * 3_600_000 });
    try {
      const result = await activateTerminal(deps(), { store_id: STORE, device_id: `till-${randomUUID()}`, activation_code: code });
      expect(result).toMatchObject({ kind: 'refused', code: 'ACTIVATION_CODE_EXPIRED' });
    } finally {
      await control('POST', 'clock', { advance_ms: -8 * 24 * 3_600_000 });
    }
  });

  it('lets a retry succeed after the provider was in maintenance (certainly nothing activated)', async () => {
    const request = { store_id: STORE, device_id: `till-${randomUUID()}`, activation_code: await issueCode(1) };
    await control('POST', 'faults', { kind: 'maintenance', path: '/terminal/activate', count: 1 });
    expect(await activateTerminal(deps(), request)).toMatchObject({ kind: 'unavailable' });
    expect(await activateTerminal(deps(), request)).toMatchObject({ kind: 'activated', created: true });
  });
});

describe('check-in', () => {
  it('rotates the key: the previous key still works, the one two check-ins old is refused', async () => {
    const terminalSn = await newTerminal();
    const k0 = (await keys.current(terminalSn)).terminal_key;
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'checked_in' });
    const k1 = (await keys.current(terminalSn)).terminal_key;
    expect(k1).not.toBe(k0);
    expect(await keyWorks(terminalSn, k0)).toBe(true);
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'checked_in' });
    expect(await keyWorks(terminalSn, k0)).toBe(false);
    expect(await keyWorks(terminalSn, k1)).toBe(true);
    expect((await keys.previous(terminalSn))?.terminal_key).toBe(k1);
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'active' });
  });

  it('after a reply lost past the effect, marks the terminal unconfirmed and recovers with the old key', async () => {
    const terminalSn = await newTerminal();
    const k0 = (await keys.current(terminalSn)).terminal_key;
    await control('POST', 'faults', { kind: 'drop_reply', terminal_sn: terminalSn, path: '/terminal/checkin', count: 1 });
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'unconfirmed' });
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'checkin_unconfirmed' });
    // The stored key is now the provider's "previous": still valid, so the terminal can still sign.
    expect(await keyWorks(terminalSn, k0)).toBe(true);
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'checked_in' });
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'active' });
    expect(await keyWorks(terminalSn, (await keys.current(terminalSn)).terminal_key)).toBe(true);
  });

  it('when the new key cannot be stored, marks the terminal unconfirmed with the old key still valid, and recovers', async () => {
    const terminalSn = await newTerminal();
    const k0 = (await keys.current(terminalSn)).terminal_key;
    const failingKeys: KeyStore = Object.assign(Object.create(keys) as KeyStore, {
      rotate: async () => {
        throw new KeyStoreUnavailableError('key store down');
      },
    });
    expect(await checkInTerminal(deps({ keys: failingKeys, keyWriteRetry: { attempts: 3, delaysMs: [10] } }), terminalSn)).toMatchObject({ kind: 'unconfirmed', reason: 'new key not stored' });
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'checkin_unconfirmed' });
    expect((await keys.current(terminalSn)).terminal_key).toBe(k0);
    expect(await keyWorks(terminalSn, k0)).toBe(true);
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'checked_in' });
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'active' });
  });

  it('parks a terminal after a second loss in a row, and the fleet job then leaves it alone', async () => {
    const terminalSn = await newTerminal();
    await control('POST', 'faults', { kind: 'drop_reply', terminal_sn: terminalSn, path: '/terminal/checkin', count: 2 });
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'unconfirmed' });
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'parked_now' });
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'parked' });
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'parked' });
    expect(await sandboxCheckins(terminalSn)).toBe(2);
  });

  it('leaves the key and the status alone when the provider refuses the request before acting', async () => {
    const terminalSn = await newTerminal();
    const k0 = (await keys.current(terminalSn)).terminal_key;
    await control('POST', 'faults', { kind: 'maintenance', terminal_sn: terminalSn, path: '/terminal/checkin', count: 1 });
    expect(await checkInTerminal(deps(), terminalSn)).toMatchObject({ kind: 'failed' });
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'active', last_error: { code: 'CHECKIN_FAILED' } });
    expect((await keys.current(terminalSn)).terminal_key).toBe(k0);
  });

  it('does exactly one rotation when two check-ins of one terminal race', async () => {
    const terminalSn = await newTerminal();
    await control('POST', 'faults', { kind: 'delay', terminal_sn: terminalSn, path: '/terminal/checkin', delay_ms: 200, count: 1 });
    const results = await Promise.all([checkInTerminal(deps(), terminalSn), checkInTerminal(deps(), terminalSn)]);
    expect(results.map((r) => r.kind).sort()).toEqual(['busy', 'checked_in']);
    expect(await sandboxCheckins(terminalSn)).toBe(1);
  });
});

describe('signing with rotation', () => {
  it('re-reads a stale cached key once after ILLEGAL_SIGN and succeeds', async () => {
    const terminalSn = await newTerminal();
    const staleInstance = new LocalFileKeyStore({ file: keyFile });
    await staleInstance.current(terminalSn); // cached k0
    await checkInTerminal(deps(), terminalSn);
    await checkInTerminal(deps(), terminalSn); // k0 is now dead at the provider
    const refused: string[] = [];
    const signer = terminalSigner({ keys: staleInstance, telemetry: recorder(), onKeyRefused: async (sn) => void refused.push(sn) });
    const outcome = await signer.call(terminalSn, (credentials) => upay.query(credentials, { client_sn: 'probe' }));
    expect(outcome.kind).toBe('not_found');
    expect(refused).toEqual([]);
  });

  it('marks the terminal when even the freshly read key is refused', async () => {
    const terminalSn = await newTerminal();
    const deadKeys = Object.assign(Object.create(keys) as KeyStore, {
      current: async () => ({ terminal_sn: terminalSn, terminal_key: 'f'.repeat(32), device_id: 'x' }),
      forget: () => undefined,
    });
    const signer = terminalSigner({
      keys: deadKeys,
      telemetry: recorder(),
      onKeyRefused: (sn) => registry.recordError(sn, { code: 'ILLEGAL_SIGN', message: 'refused', at: new Date().toISOString() }),
    });
    const outcome = await signer.call(terminalSn, (credentials) => upay.query(credentials, { client_sn: 'probe' }));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'illegal_sign' } });
    expect(await registry.get(terminalSn)).toMatchObject({ last_error: { code: 'ILLEGAL_SIGN' } });
  });
});

describe('the fleet check-in', () => {
  const fleetOptions = { concurrency: 8, pacer: pacer(10_000), reserveMs: 1_000, minIntervalMs: 20 * 3_600_000, pageSize: 100 };
  let fleet: string[] = [];
  // A registry of its own, so the fleet is exactly these 500 terminals.
  let fleetRegistry: TerminalRegistry;
  let fleetStores: FleetStore;
  let unshard: (terminalSn: string) => Promise<unknown>;
  const fleetDeps = (overrides: Partial<TerminalDeps> = {}) => deps({ registry: fleetRegistry, ...overrides });

  beforeAll(async () => {
    const endpoint = inject('dynamoEndpoint');
    const table = `fleet-${randomUUID()}`;
    await createTable(endpoint, table);
    const db = localDocumentClient(endpoint);
    fleetRegistry = new TerminalRegistry(db, table);
    fleetStores = new FleetStore(db, table);
    // The item as the version before the fleet shards wrote it: one fleet key, no store listing.
    unshard = (terminalSn) =>
      db.send(new UpdateCommand({ TableName: table, Key: terminalKey(terminalSn), UpdateExpression: 'SET fleet = :legacy REMOVE terminal_store', ExpressionAttributeValues: { ':legacy': 'terminal' } }));
    const code = await issueCode(500);
    // A few at a time: the fixture is not a load test of DynamoDB Local.
    fleet = await mapBounded(Array.from({ length: 500 }), 8, async () => {
      const result = await activateTerminal(fleetDeps(), { store_id: STORE, device_id: `fleet-${randomUUID()}`, activation_code: code });
      if (result.kind !== 'activated') throw new Error(result.kind);
      return result.terminal.terminal_sn;
    });
  });

  it('checks in 500 terminals, carrying on past terminals the provider refuses (maintenance) or whose reply is lost', async () => {
    const refused = fleet.slice(0, 10);
    const lost = fleet.slice(10, 15);
    for (const sn of refused) await control('POST', 'faults', { kind: 'maintenance', terminal_sn: sn, path: '/terminal/checkin' });
    for (const sn of lost) await control('POST', 'faults', { kind: 'drop_reply', terminal_sn: sn, path: '/terminal/checkin', count: 1 });
    try {
      const report = await checkInFleet(fleetDeps(), { ...fleetOptions, remainingMs: () => 60_000 });
      expect(report).toMatchObject({ checked_in: 485, failed: 10, unconfirmed: 5, parked: 0 });
      expect(report.cursor).toBeUndefined();
    } finally {
      await control('DELETE', 'faults');
    }
    const statuses = await mapBounded(fleet, 16, (sn) => fleetRegistry.get(sn));
    expect(statuses.filter((t) => t?.status === 'checkin_unconfirmed').map((t) => t?.terminal_sn).sort()).toEqual([...lost].sort());
    expect(statuses.filter((t) => t?.status === 'active' && t.last_error?.code === 'CHECKIN_FAILED').length).toBe(10);
  });

  it('resumes from its cursor when an invocation runs short of time, rotating each key exactly once, terminals written before the shards included', async () => {
    const legacy = fleet.slice(100, 130);
    for (const sn of legacy) await unshard(sn);
    const listed = async () => {
      const sns: string[] = [];
      let after: string | undefined;
      do {
        const page = await fleetStores.listStore({ storeId: STORE, limit: 100, ...(after !== undefined ? { after } : {}) });
        sns.push(...page.terminals.map((t) => t.terminal_sn));
        after = page.last;
      } while (after !== undefined);
      return sns;
    };
    expect(await listed()).toHaveLength(470);
    const before = await mapBounded(fleet, 16, sandboxCheckins);
    const tomorrow = () => Date.now() + 24 * 3_600_000;
    let budget = 150;
    const first = await checkInFleet(fleetDeps({ now: tomorrow }), { ...fleetOptions, remainingMs: () => (budget-- > 0 ? 60_000 : 0) });
    expect(first.cursor).toBeDefined();
    const second = await checkInFleet(fleetDeps({ now: tomorrow }), { ...fleetOptions, ...(first.cursor !== undefined ? { cursor: first.cursor } : {}), remainingMs: () => 60_000 });
    expect(second.cursor).toBeUndefined();
    expect(first.checked_in + second.checked_in).toBe(500);
    const after = await mapBounded(fleet, 16, sandboxCheckins);
    expect(after.map((count, i) => count - (before[i] ?? 0))).toEqual(fleet.map(() => 1));
    // The run moved them into their shards: the store's listing shows them again.
    expect((await listed()).sort()).toEqual([...fleet].sort());
  });
});

describe('terminals written before the fleet shards', () => {
  it('are all checked in when a run runs short of time inside the legacy partition and its continuation resumes', async () => {
    const endpoint = inject('dynamoEndpoint');
    const table = `legacy-fleet-${randomUUID()}`;
    await createTable(endpoint, table);
    const db = localDocumentClient(endpoint);
    const legacyRegistry = new TerminalRegistry(db, table);
    let finished = 0;
    const finishCheckin = legacyRegistry.finishCheckin.bind(legacyRegistry);
    legacyRegistry.finishCheckin = async (...args) => {
      finished += 1;
      return finishCheckin(...args);
    };
    const legacyDeps = () => deps({ registry: legacyRegistry });
    const code = await issueCode(6);
    const sns: string[] = [];
    for (let i = 0; i < 6; i++) {
      const result = await activateTerminal(legacyDeps(), { store_id: STORE, device_id: `legacy-${randomUUID()}`, activation_code: code });
      if (result.kind !== 'activated') throw new Error(result.kind);
      sns.push(result.terminal.terminal_sn);
      await db.send(new UpdateCommand({ TableName: table, Key: terminalKey(result.terminal.terminal_sn), UpdateExpression: 'SET fleet = :legacy REMOVE terminal_store', ExpressionAttributeValues: { ':legacy': 'terminal' } }));
    }
    const before = await mapBounded(sns, 6, sandboxCheckins);
    // Pages of two, one at a time; the time runs out after the third check-in (the second page's first).
    const options = { concurrency: 1, pacer: pacer(10_000), reserveMs: 1_000, minIntervalMs: 20 * 3_600_000, pageSize: 2 };
    const first = await checkInFleet(legacyDeps(), { ...options, remainingMs: () => (finished >= 3 ? 0 : 60_000) });
    expect(first.checked_in).toBe(3);
    expect(first.cursor).toBeDefined();
    const second = await checkInFleet(legacyDeps(), { ...options, ...(first.cursor !== undefined ? { cursor: first.cursor } : {}), remainingMs: () => 60_000 });
    expect(second.cursor).toBeUndefined();
    const after = await mapBounded(sns, 6, sandboxCheckins);
    expect(after.map((count, i) => count - (before[i] ?? 0))).toEqual(sns.map(() => 1));
    expect(first.checked_in + second.checked_in).toBe(6);
  });
});

describe('secrets in logs', () => {
  it('never logs a terminal or vendor key during activation and check-in', async () => {
    // The handlers' own logger (Powertools, JSON to stdout) at its most verbose, captured whole.
    const captured: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
    logger.setLogLevel('DEBUG');
    const logged = deps({ telemetry: handlerTelemetry });
    const seen: string[] = [];
    try {
      const result = await activateTerminal(logged, { store_id: STORE, device_id: `till-${randomUUID()}`, activation_code: await issueCode(1) });
      if (result.kind !== 'activated') throw new Error(result.kind);
      const terminalSn = result.terminal.terminal_sn;
      seen.push((await keys.current(terminalSn)).terminal_key);
      await checkInTerminal(logged, terminalSn);
      seen.push((await keys.current(terminalSn)).terminal_key);
      await control('POST', 'faults', { kind: 'drop_reply', terminal_sn: terminalSn, path: '/terminal/checkin', count: 1 });
      await checkInTerminal(logged, terminalSn);
      await checkInTerminal(logged, terminalSn);
      seen.push((await keys.current(terminalSn)).terminal_key);
    } finally {
      logger.setLogLevel('WARN');
      spy.mockRestore();
    }
    const all = captured.join('');
    expect(all).toContain('check-in finished');
    for (const secret of [sandbox.vendor.vendor_key, ...seen]) expect(all).not.toContain(secret);
  });
});

describe('a retired terminal', () => {
  // The fleet run and the admin route read the status before the check-in takes its lease: a
  // retirement in between must still stop the check-in, or its end writes the status back.
  it('is not checked in once retired, even by a run that listed it before or by an admin, and stays retired', async () => {
    const terminalSn = await newTerminal();
    expect(await fleetStore.retire(terminalSn, STORE, Date.now())).toMatchObject({ kind: 'retired' });
    expect((await checkInTerminal(deps(), terminalSn)).kind).not.toBe('checked_in');
    expect((await checkInTerminal(deps(), terminalSn, { force: true })).kind).not.toBe('checked_in');
    expect(await sandboxCheckins(terminalSn)).toBe(0);
    expect(await registry.get(terminalSn)).toMatchObject({ status: 'retired' });
  });
});
