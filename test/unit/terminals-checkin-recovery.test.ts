// Check-in under crashes and doubtful replies (issue 11, "Terminal keys" 1): the check-in is
// recorded as in flight before the provider is called, with the status it leaves if it is lost
// (write-ahead); a run that finds such a record judges it (key moved: stored; else the loss is
// already counted); a 500 that is not maintenance is a possible loss; ILLEGAL_SIGN and two possible losses in a row park the terminal; key-write retries stop
// while the invocation and the lease still leave time to record the outcome.
import { afterEach, describe, expect, it } from 'vitest';
import { checkInTerminal } from '../../lib/terminals/checkin.js';
import { checkInFleet } from '../../lib/terminals/fleet.js';
import { KeyStoreUnavailableError, type TerminalKey } from '../../lib/keys/index.js';
import { DB_CALL_MS, KEY_CALL_MS } from '../../lib/terminals/budget.js';
import type { CheckinOutcome } from '../../lib/upay/index.js';
import type { TerminalStatus } from '../../lib/store/terminal-registry.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { START, transport } from './support/payments.js';
import { checkedIn, checkinDyingInKeyWrite, keyOf, terminal, terminalWorld, type TerminalWorld } from './support/terminals.js';

const SN = '100000000000000001';
const DAY = 86_400_000;
const LEASE = 90_000;
const iso = (ms: number) => new Date(ms).toISOString();
const K = (version: number) => keyOf(SN, version);

let w: TerminalWorld;
afterEach(() => expectOnlyScriptedCalls(w.upay));

/** A terminal whose key K0 was stored a day ago; the clock now at START. */
function world(status: TerminalStatus = 'active'): TerminalWorld {
  const fresh = terminalWorld(START - DAY);
  fresh.registry.seed(terminal({ status }));
  fresh.keys.seed(K(0));
  fresh.clock.advance(DAY);
  return fresh;
}

const never = <T>() => new Promise<T>(() => undefined);

describe('the in-flight record', () => {
  it('is written before the provider is called, naming the signing key by when it was stored, with the status a loss leaves, and cleared at the end', async () => {
    w = world();
    let seen: unknown;
    w.upay.script('checkin', () => {
      seen = w.registry.row(SN)?.terminal;
      return checkedIn(SN, K(1).terminal_key);
    });
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('checked_in');
    expect(seen).toMatchObject({ status: 'checkin_unconfirmed', checkin_in_flight: { started_at: iso(START), signed_with_key_stored_at: iso(START - DAY) } });
    expect(w.registry.mustTerminal(SN).status).toBe('active');
    expect(w.registry.mustTerminal(SN).checkin_in_flight).toBeUndefined();
    expect(JSON.stringify(w.registry.calls)).not.toContain(K(0).terminal_key);
  });

  it('stays behind when the run throws after the provider call, with the status written ahead', async () => {
    w = world();
    w.upay.script('checkin', () => {
      throw new Error('killed');
    });
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'failed' });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'checkin_unconfirmed', checkin_in_flight: { started_at: iso(START) } });
    expect(w.registry.row(SN)?.lease_owner).toBeUndefined();
  });
});

describe('a run that finds an interrupted check-in (lease run out, in-flight record left)', () => {
  it('walks the issue’s sequence to parked, never to just checkin_unconfirmed: rotate, key write failing, killed; then a lost reply', async () => {
    w = world();
    // Run 1: the provider rotates K0→K1, the key write keeps failing, the Lambda is killed in it.
    const provider = await checkinDyingInKeyWrite(w, SN);
    expect(provider.current).toBe(K(1).terminal_key);
    // Run 2, after the lease: signs with K0 (still "previous"), the provider rotates again, the reply is lost.
    w.clock.advance(LEASE + 1);
    w.upay.script('checkin', ({ credentials }) => {
      provider.rotate(credentials.key);
      return transport('timeout');
    });
    const second = await checkInTerminal(w.deps, SN);
    expect(provider.accepts(K(0).terminal_key)).toBe(false); // K0 is dead: the stored key is dead
    expect(second).toMatchObject({ kind: 'parked_now' });
    expect(w.registry.mustTerminal(SN).status).toBe('parked');
    expect(w.telemetry.total('TerminalParked')).toBe(1);
    expect(w.telemetry.total('CheckinInterrupted')).toBe(1);
  });

  it('keeps the possible loss its record counted: a second check-in in flight is written ahead as parked', async () => {
    w = world();
    w.registry.seed(terminal({ status: 'checkin_unconfirmed', checkin_in_flight: { started_at: iso(START - 100_000), signed_with_key_stored_at: iso(START - DAY) } }), { owner: 'dead', until: START - 1 });
    let statusAtCall: string | undefined;
    w.upay.script('checkin', () => {
      statusAtCall = w.registry.mustTerminal(SN).status;
      return checkedIn(SN, K(1).terminal_key);
    });
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('checked_in');
    expect(statusAtCall).toBe('parked');
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'active' });
    expect(w.registry.mustTerminal(SN).checkin_in_flight).toBeUndefined();
  });

  it('is no loss when the stored key moved since the record (the dead run stored its new key)', async () => {
    w = world();
    w.upay.script('checkin', checkedIn(SN, K(1).terminal_key));
    // Run 1 dies after storing K1, in the registry write that ends it.
    w.registry.failNext('finishCheckin', new Error('killed'));
    await expect(checkInTerminal(w.deps, SN)).rejects.toThrow('killed');
    expect(w.keys.stored(SN)?.current).toEqual(K(1));
    w.clock.advance(LEASE + 1);
    let statusAtCall: string | undefined;
    w.upay.script('checkin', ({ credentials }) => {
      statusAtCall = w.registry.mustTerminal(SN).status;
      expect(credentials.key).toBe(K(1).terminal_key);
      return checkedIn(SN, K(2).terminal_key);
    });
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('checked_in');
    // Judged as stored (active), so this check-in is written ahead as one possible loss, not two.
    expect(statusAtCall).toBe('checkin_unconfirmed');
  });

  it('leases a terminal its dead run left parked, and keeps it parked without calling the provider, with the reason and the alarm metric', async () => {
    w = world('checkin_unconfirmed');
    w.registry.seed(terminal({ status: 'parked', checkin_in_flight: { started_at: iso(START - 100_000), signed_with_key_stored_at: iso(START - DAY) } }), { owner: 'dead', until: START - 1 });
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'parked_now' });
    expect(w.upay.calls).toEqual([]);
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', last_error: { code: 'CHECKIN_INTERRUPTED' } });
    expect(w.registry.mustTerminal(SN).checkin_in_flight).toBeUndefined();
    expect(w.telemetry.total('TerminalParked')).toBe(1);
  });

  it('still lets an admin’s forced check-in try the stored key', async () => {
    w = world('checkin_unconfirmed');
    w.registry.seed(terminal({ status: 'parked', checkin_in_flight: { started_at: iso(START - 100_000), signed_with_key_stored_at: iso(START - DAY) } }), { owner: 'dead', until: START - 1 });
    w.upay.script('checkin', checkedIn(SN, K(1).terminal_key));
    expect(await checkInTerminal(w.deps, SN, { force: true })).toMatchObject({ kind: 'checked_in' });
    expect(w.registry.mustTerminal(SN).status).toBe('active');
  });
});

describe('a run killed while its check-in is in flight', () => {
  it('leaves an unconfirmed terminal parked (its stored key may be dead), not just unconfirmed', async () => {
    w = world('checkin_unconfirmed');
    w.upay.script('checkin', () => never<CheckinOutcome>());
    void checkInTerminal(w.deps, SN);
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', checkin_in_flight: { started_at: iso(START) } });
  });

  it('is judged by the next fleet run even though the terminal is parked', async () => {
    w = world('checkin_unconfirmed');
    w.upay.script('checkin', () => never<CheckinOutcome>());
    void checkInTerminal(w.deps, SN);
    await new Promise((resolve) => setImmediate(resolve));
    w.clock.advance(DAY);
    const report = await checkInFleet(w.deps, { concurrency: 1, pacer: { take: async () => undefined }, remainingMs: () => 600_000, reserveMs: 60_000, minIntervalMs: 20 * 3_600_000, pageSize: 100 });
    expect(report.parked).toBe(1);
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', last_error: { code: 'CHECKIN_INTERRUPTED' } });
    expect(w.registry.mustTerminal(SN).checkin_in_flight).toBeUndefined();
    expect(w.telemetry.total('TerminalParked')).toBe(1);
  });
});

describe('what a check-in reply proves', () => {
  it('takes a 500 that is not maintenance (UNKNOWN_SYSTEM_ERROR) as a possible loss: the provider may have rotated', async () => {
    w = world();
    w.upay.script('checkin', { kind: 'transport', failure: { kind: 'server_error', code: 'UNKNOWN_SYSTEM_ERROR', maintenance: false } });
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'unconfirmed' });
    expect(w.registry.mustTerminal(SN).status).toBe('checkin_unconfirmed');
  });

  it('parks an unconfirmed terminal on a second 500', async () => {
    w = world('checkin_unconfirmed');
    w.upay.script('checkin', { kind: 'transport', failure: { kind: 'server_error', code: 'UNKNOWN_SYSTEM_ERROR', maintenance: false } });
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'parked_now' });
  });

  it('takes maintenance (MAINTENANCE_INPROGRESS) as not applied', async () => {
    w = world('checkin_unconfirmed');
    w.upay.script('checkin', { kind: 'transport', failure: { kind: 'server_error', code: 'MAINTENANCE_INPROGRESS', maintenance: true } });
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'failed' });
    expect(w.registry.mustTerminal(SN).status).toBe('checkin_unconfirmed');
  });

  it('parks the terminal when the provider refuses the stored key (ILLEGAL_SIGN): it is dead', async () => {
    w = world();
    w.upay.script('checkin', transport('illegal_sign'));
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'parked_now' });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', last_error: { code: 'KEY_REFUSED' } });
    expect(w.telemetry.total('TerminalParked')).toBe(1);
  });
});

describe('key-write retries', () => {
  const failingWrites = () => Array.from({ length: 10 }, () => new KeyStoreUnavailableError('throttled'));

  it('stop when the invocation has no room for another attempt and the final registry write', async () => {
    w = world();
    w.upay.script('checkin', checkedIn(SN, K(1).terminal_key));
    w.keys.failNext('rotate', ...failingWrites());
    const result = await checkInTerminal(w.deps, SN, { remainingMs: () => DB_CALL_MS + KEY_CALL_MS - 1 });
    expect(result).toMatchObject({ kind: 'unconfirmed', reason: 'new key not stored' });
    expect(w.keys.countOf('rotate')).toBe(1);
    expect(w.registry.mustTerminal(SN).status).toBe('checkin_unconfirmed');
  });

  it('stop before the lease runs out, whatever the invocation has left', async () => {
    w = world();
    w.upay.script('checkin', checkedIn(SN, K(1).terminal_key));
    const originalRotate = w.keys.rotate.bind(w.keys);
    w.keys.rotate = async (key: TerminalKey) => {
      w.clock.advance(20_000); // each attempt takes 20 s
      return originalRotate(key);
    };
    w.keys.failNext('rotate', ...failingWrites());
    await checkInTerminal(w.deps, SN, { remainingMs: () => 600_000 });
    // Attempts at 0, 20, 40, 60 s; at 80 s, 10 s of lease is left: less than an attempt and the final write.
    expect(w.keys.countOf('rotate')).toBe(4);
    expect(w.registry.row(SN)?.lease_owner).toBeUndefined();
  });
});
