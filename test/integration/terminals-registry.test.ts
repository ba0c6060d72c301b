// The registry adapter's new conditions against DynamoDB Local: the in-flight record of a
// check-in, the lease of a parked terminal with such a record, the interrupted activation claim
// and the `activating` terminal.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTable, localDocumentClient } from '../../local/dynamodb.js';
import { TerminalRegistry, type Terminal } from '../../lib/store/terminal-registry.js';

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
