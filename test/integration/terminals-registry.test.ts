// The registry adapter's new conditions against DynamoDB Local: the in-flight record of a
// check-in, the lease of a parked terminal with such a record, the interrupted activation claim
// and the `activating` terminal.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTable, localDocumentClient } from '../../local/dynamodb.js';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { TerminalRegistry, terminalKey, type Terminal } from '../../lib/store/terminal-registry.js';
import { FleetStore } from '../../lib/store/fleet.js';

let registry: TerminalRegistry;
const T0 = Date.UTC(2026, 0, 5, 19, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const IN_FLIGHT = { started_at: iso(T0), signed_with_key_stored_at: iso(T0 - 86_400_000) };

async function registered(overrides: Partial<Terminal> = {}): Promise<Terminal> {
  const terminal: Terminal = { terminal_sn: `1000${randomUUID().replace(/-/g, '').slice(0, 14)}`, store_id: 'store-1', device_id: `till-${randomUUID()}`, status: 'active', activated_at: iso(T0), key_stored_at: iso(T0), ...overrides };
  await registry.register(terminal);
  return terminal;
}

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  const table = `terminal-registry-${randomUUID()}`;
  await createTable(endpoint, table);
  registry = new TerminalRegistry(localDocumentClient(endpoint), table);
});

describe('the in-flight record of a check-in', () => {
  it('is written under the lease with the status given, kept by a finish that leaves it unsettled, and cleared by one that settles it', async () => {
    const { terminal_sn: sn } = await registered();
    expect((await registry.acquireCheckinLease(sn, 'a', T0, 90_000)).kind).toBe('leased');
    expect(await registry.markCheckinInFlight(sn, 'b', { status: 'checkin_unconfirmed', in_flight: IN_FLIGHT })).toBe(false);
    expect(await registry.markCheckinInFlight(sn, 'a', { status: 'checkin_unconfirmed', in_flight: IN_FLIGHT })).toBe(true);
    expect(await registry.get(sn)).toMatchObject({ status: 'checkin_unconfirmed', checkin_in_flight: IN_FLIGHT });
    expect(await registry.finishCheckin(sn, 'a', { status: 'checkin_unconfirmed', clear_in_flight: false })).toBe(true);
    expect((await registry.get(sn))?.checkin_in_flight).toEqual(IN_FLIGHT);
    expect((await registry.acquireCheckinLease(sn, 'c', T0, 90_000)).kind).toBe('leased');
    expect(await registry.finishCheckin(sn, 'c', { status: 'active', clear_in_flight: true })).toBe(true);
    expect((await registry.get(sn))?.checkin_in_flight).toBeUndefined();
  });

  it('lets a parked terminal be leased (without force) only while it carries one, and only once its lease ran out', async () => {
    const { terminal_sn: sn } = await registered();
    await registry.acquireCheckinLease(sn, 'dead', T0, 90_000);
    await registry.markCheckinInFlight(sn, 'dead', { status: 'parked', in_flight: IN_FLIGHT });
    expect((await registry.acquireCheckinLease(sn, 'next', T0 + 1, 90_000)).kind).toBe('busy');
    const lease = await registry.acquireCheckinLease(sn, 'next', T0 + 90_001, 90_000);
    expect(lease).toMatchObject({ kind: 'leased', terminal: { status: 'parked', checkin_in_flight: IN_FLIGHT } });
    await registry.finishCheckin(sn, 'next', { status: 'parked', clear_in_flight: true });
    expect((await registry.acquireCheckinLease(sn, 'later', T0 + 200_000, 90_000)).kind).toBe('parked');
  });

  it('is written with the lease in one write only while the terminal is as listed and its lease is free', async () => {
    const asListed = async (sn: string, listed: Terminal, owner: string, nowMs = T0) =>
      registry.leaseAndMarkInFlight(sn, owner, nowMs, 90_000, listed, { status: 'checkin_unconfirmed', in_flight: IN_FLIGHT });
    const listed = await registered({ checked_in_at: iso(T0 - 3_600_000) });
    const sn = listed.terminal_sn;
    // Changed since the listing, one pinned field at a time: refused, nothing written.
    for (const changed of [{ status: 'checkin_unconfirmed' as const }, { checked_in_at: iso(T0) }, { checked_in_at: undefined }, { key_stored_at: iso(T0 + 1) }]) {
      expect(await asListed(sn, { ...listed, ...changed }, 'a')).toBe(false);
    }
    expect(await registry.get(sn)).toEqual(listed);
    // Another run's lease, then its in-flight record left behind after its lease ran out.
    expect((await registry.acquireCheckinLease(sn, 'other', T0, 90_000)).kind).toBe('leased');
    expect(await asListed(sn, listed, 'a', T0 + 1)).toBe(false);
    expect(await registry.markCheckinInFlight(sn, 'other', { status: 'active', in_flight: IN_FLIGHT })).toBe(true);
    expect(await asListed(sn, listed, 'a', T0 + 90_001)).toBe(false);
    expect(await registry.finishCheckin(sn, 'other', { status: 'active', clear_in_flight: true })).toBe(true);
    // As listed, lease run out or freed: leased and written ahead.
    expect(await asListed(sn, listed, 'a', T0 + 90_001)).toBe(true);
    expect(await registry.get(sn)).toMatchObject({ status: 'checkin_unconfirmed', checkin_in_flight: IN_FLIGHT });
    expect(await registry.markCheckinInFlight(sn, 'a', { status: 'checkin_unconfirmed', in_flight: IN_FLIGHT })).toBe(true);
    expect((await registry.acquireCheckinLease(sn, 'b', T0 + 90_002, 90_000)).kind).toBe('busy');
    // A terminal never checked in is pinned as such.
    const fresh = await registered();
    expect(await asListed(fresh.terminal_sn, { ...fresh, checked_in_at: iso(T0) }, 'a')).toBe(false);
    expect(await asListed(fresh.terminal_sn, fresh, 'a')).toBe(true);
  });

  it('takes a resent one write (the SDK retrying after its reply was lost) as its own, not as a change since the listing', async () => {
    const listed = await registered({ checked_in_at: iso(T0 - 3_600_000) });
    const sn = listed.terminal_sn;
    const send = async (owner: string) => registry.leaseAndMarkInFlight(sn, owner, T0, 90_000, listed, { status: 'checkin_unconfirmed', in_flight: IN_FLIGHT });
    expect(await send('a')).toBe(true);
    // The same request again: it landed the first time, so it holds.
    expect(await send('a')).toBe(true);
    // Anyone else's is refused.
    expect(await send('b')).toBe(false);
    expect(await registry.markCheckinInFlight(sn, 'a', { status: 'checkin_unconfirmed', in_flight: IN_FLIGHT })).toBe(true);
  });

  it('refuses the one write (no error, nothing written) for a listing that lacks a pinned field, e.g. from a narrower projection', async () => {
    const listed = await registered({ checked_in_at: iso(T0 - 3_600_000) });
    const { key_stored_at: _dropped, ...projected } = listed;
    const view = projected as Terminal;
    expect(await registry.leaseAndMarkInFlight(listed.terminal_sn, 'a', T0, 90_000, view, { status: 'checkin_unconfirmed', in_flight: IN_FLIGHT })).toBe(false);
    expect(await registry.get(listed.terminal_sn)).toEqual(listed);
  });

  it('never lets a retired terminal be leased, even forced or with an in-flight record', async () => {
    const { terminal_sn: sn } = await registered({ status: 'retired', checkin_in_flight: IN_FLIGHT });
    expect(await registry.acquireCheckinLease(sn, 'a', T0, 90_000)).toEqual({ kind: 'retired' });
    expect(await registry.acquireCheckinLease(sn, 'a', T0, 90_000, true)).toEqual({ kind: 'retired' });
    expect(await registry.get(sn)).toMatchObject({ status: 'retired' });
  });
});

describe('activation traces', () => {
  it('answers interrupted for a claim whose lease ran out unreleased, claimed again only once released', async () => {
    const device = `till-${randomUUID()}`;
    expect(await registry.claimActivation('store-1', device, T0, 120_000)).toEqual({ kind: 'claimed' });
    expect(await registry.claimActivation('store-1', device, T0 + 1, 120_000)).toEqual({ kind: 'busy' });
    expect(await registry.claimActivation('store-1', device, T0 + 120_001, 120_000)).toEqual({ kind: 'interrupted', since: T0 });
    await registry.releaseActivation('store-1', device, T0 + 120_001);
    expect(await registry.claimActivation('store-1', device, T0 + 120_002, 120_000)).toEqual({ kind: 'claimed' });
  });

  it('makes an activating terminal active, or parks it with the reason, only while it is activating', async () => {
    const done = await registered({ status: 'activating' });
    expect(await registry.completeActivation(done.terminal_sn, iso(T0 + 5))).toBe(true);
    expect(await registry.get(done.terminal_sn)).toMatchObject({ status: 'active', key_stored_at: iso(T0 + 5) });
    expect(await registry.markActivationKeyLost(done.terminal_sn, { code: 'ACTIVATION_KEY_LOST', message: 'x', at: iso(T0) })).toBe(false);
    const lost = await registered({ status: 'activating' });
    expect(await registry.markActivationKeyLost(lost.terminal_sn, { code: 'ACTIVATION_KEY_LOST', message: 'x', at: iso(T0) })).toBe(true);
    expect(await registry.get(lost.terminal_sn)).toMatchObject({ status: 'parked', last_error: { code: 'ACTIVATION_KEY_LOST' } });
  });
});

describe('the fleet shards and the store listing', () => {
  let walkRegistry: TerminalRegistry;
  let stores: FleetStore;
  let queries = 0;
  const sns = Array.from({ length: 40 }, (_, i) => `2000${String(i).padStart(14, '0')}`);

  beforeAll(async () => {
    const endpoint = inject('dynamoEndpoint');
    const table = `terminal-shards-${randomUUID()}`;
    await createTable(endpoint, table);
    const db = localDocumentClient(endpoint);
    const send = db.send.bind(db);
    db.send = ((command: Parameters<typeof send>[0]) => {
      if (command instanceof QueryCommand) queries += 1;
      return send(command);
    }) as typeof db.send;
    walkRegistry = new TerminalRegistry(db, table);
    stores = new FleetStore(db, table);
    for (const [i, sn] of sns.entries()) {
      await walkRegistry.register({ terminal_sn: sn, store_id: i % 4 === 0 ? 'store-b' : 'store-a', device_id: `till-${sn}`, status: i % 3 === 0 ? 'retired' : 'active', activated_at: iso(T0), key_stored_at: iso(T0) });
    }
    // The last five as the version before the shards wrote them.
    for (const sn of sns.slice(35)) {
      await db.send(new UpdateCommand({ TableName: table, Key: terminalKey(sn), UpdateExpression: 'SET fleet = :legacy REMOVE terminal_store', ExpressionAttributeValues: { ':legacy': 'terminal' } }));
    }
  });

  async function walk(limit: number) {
    const seen: string[] = [];
    const legacy: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await walkRegistry.listFleet(limit, cursor);
      expect(page.terminals.length).toBeLessThanOrEqual(limit);
      seen.push(...page.terminals.map((t) => t.terminal_sn));
      legacy.push(...(page.legacy ?? []));
      cursor = page.cursor;
    } while (cursor !== undefined);
    return { seen, legacy };
  }

  it('walks every shard and the legacy partition in pages that neither repeat nor skip a terminal', async () => {
    for (const limit of [1, 7, 100]) {
      const { seen, legacy } = await walk(limit);
      expect([...seen].sort()).toEqual(sns);
      expect(new Set(seen).size).toBe(sns.length);
      expect(legacy.sort()).toEqual(sns.slice(35));
      // Legacy last: moving one during a walk lands it in a shard already walked.
      expect(seen.slice(-5).sort()).toEqual(sns.slice(35));
    }
  });

  it("pages one store's terminals from its own partition: one query per unfiltered page, filtered by status", async () => {
    const mine = sns.slice(0, 35).filter((_, i) => i % 4 !== 0);
    queries = 0;
    const first = await stores.listStore({ storeId: 'store-a', limit: 10 });
    expect(queries).toBe(1);
    expect(first.terminals.map((t) => t.terminal_sn)).toEqual(mine.slice(0, 10));
    expect(first.terminals.every((t) => !('terminal_store' in t) && !('fleet' in t))).toBe(true);
    const rest = await stores.listStore({ storeId: 'store-a', limit: 100, ...(first.last !== undefined ? { after: first.last } : {}) });
    expect(rest.last).toBeUndefined();
    expect(rest.terminals.map((t) => t.terminal_sn)).toEqual(mine.slice(10));
    const retired = await stores.listStore({ storeId: 'store-a', status: 'retired', limit: 2 });
    expect(retired.terminals.every((t) => t.status === 'retired')).toBe(true);
    expect(retired.terminals.map((t) => t.terminal_sn)).toEqual(sns.filter((_, i) => i < 35 && i % 4 !== 0 && i % 3 === 0).slice(0, 2));
  });

  it('moves a terminal written before the shards into its shard and its store listing, once', async () => {
    const sn = sns[37] as string;
    const listedA = async () => (await stores.listStore({ storeId: 'store-a', limit: 100 })).terminals.map((t) => t.terminal_sn);
    expect(await listedA()).not.toContain(sn);
    expect(await walkRegistry.shardLegacyTerminal(sn)).toBe(true);
    expect(await walkRegistry.shardLegacyTerminal(sn)).toBe(false);
    expect(await listedA()).toContain(sn);
    expect((await walk(100)).legacy).not.toContain(sn);
    expect(await walkRegistry.get(sn)).toMatchObject({ terminal_sn: sn, status: 'active', store_id: 'store-a' });
  });
});
