// A check-in from the fleet's listing: the lease and the in-flight record are one conditional
// write, taken only while the terminal is as listed (docs/reliability.md, "Terminal keys");
// otherwise the check-in takes the lease first and judges the terminal under it. Every crash
// window still ends judged.
import { afterEach, describe, expect, it } from 'vitest';
import { checkInTerminal } from '../../lib/terminals/checkin.js';
import { CHECKIN_WORST_MS, DB_CALL_MS, KEY_CALL_MS, PROVIDER_CALL_MS } from '../../lib/terminals/budget.js';
import { KeyStoreUnavailableError } from '../../lib/keys/index.js';
import type { CheckinOutcome } from '../../lib/upay/index.js';
import type { Terminal, TerminalStatus } from '../../lib/store/terminal-registry.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { START, transport } from './support/payments.js';
import { checkedIn, checkinDyingInKeyWrite, keyOf, terminal, terminalWorld, type TerminalWorld } from './support/terminals.js';

const SN = '100000000000000001';
const DAY = 86_400_000;
const LEASE = 90_000;
const iso = (ms: number) => new Date(ms).toISOString();
const K = (version: number) => keyOf(SN, version);
const never = <T>() => new Promise<T>(() => undefined);
const tick = () => new Promise((resolve) => setImmediate(resolve));

let w: TerminalWorld;
afterEach(() => expectOnlyScriptedCalls(w.upay));

/** A terminal whose key K0 was stored a day ago, the clock now at START; and the terminal as a listing shows it. */
function world(status: TerminalStatus = 'active'): { listed: () => Terminal } {
  w = terminalWorld(START - DAY);
  w.registry.seed(terminal({ status }));
  w.keys.seed(K(0));
  w.clock.advance(DAY);
  return { listed: () => w.registry.mustTerminal(SN) };
}

const registryCalls = () => w.registry.calls.map((call) => call.method);

describe('a check-in of a terminal as listed', () => {
  it('takes the lease and writes the in-flight record in one write, before the provider call, then ends it', async () => {
    const { listed } = world();
    let atCall: unknown;
    w.upay.script('checkin', () => {
      atCall = w.registry.row(SN);
      return checkedIn(SN, K(1).terminal_key);
    });
    expect(await checkInTerminal(w.deps, SN, { listed: listed() })).toEqual({ kind: 'checked_in', terminal_sn: SN });
    expect(registryCalls()).toEqual(['leaseAndMarkInFlight', 'finishCheckin']);
    expect(atCall).toMatchObject({ lease_until: START + LEASE, terminal: { status: 'checkin_unconfirmed', checkin_in_flight: { started_at: iso(START), signed_with_key_stored_at: iso(START - DAY) } } });
    expect(w.registry.row(SN)).toMatchObject({ terminal: { status: 'active', checked_in_at: iso(START) } });
    expect(w.registry.row(SN)?.lease_owner).toBeUndefined();
    expect(w.registry.mustTerminal(SN).checkin_in_flight).toBeUndefined();
  });

  it('writes an unconfirmed terminal ahead as parked', async () => {
    const { listed } = world('checkin_unconfirmed');
    w.upay.script('checkin', () => never<CheckinOutcome>());
    void checkInTerminal(w.deps, SN, { listed: listed() });
    await tick();
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', checkin_in_flight: { started_at: iso(START) } });
  });

  it('does not take a terminal a check-in left in flight after the listing: it is judged under the lease (no silent brick)', async () => {
    const { listed } = world();
    const view = listed();
    // After the listing, another run rotates K0→K1 and dies before storing K1.
    const provider = await checkinDyingInKeyWrite(w, SN);
    w.clock.advance(LEASE + 1);
    // This run, from the older listing: signs with K0 (still previous), the provider rotates, the reply is lost.
    w.upay.script('checkin', ({ credentials }) => {
      provider.rotate(credentials.key);
      return transport('timeout');
    });
    expect(await checkInTerminal(w.deps, SN, { listed: view })).toMatchObject({ kind: 'parked_now' });
    expect(provider.accepts(K(0).terminal_key)).toBe(false);
    expect(w.registry.mustTerminal(SN).status).toBe('parked');
  });

  it('takes the lease first when the terminal was checked in since the listing', async () => {
    const { listed } = world();
    const view = listed();
    w.upay.script('checkin', checkedIn(SN, K(1).terminal_key), checkedIn(SN, K(2).terminal_key));
    await checkInTerminal(w.deps, SN);
    w.registry.calls.length = 0;
    expect(await checkInTerminal(w.deps, SN, { listed: view })).toMatchObject({ kind: 'checked_in' });
    expect(registryCalls()).toEqual(['leaseAndMarkInFlight', 'acquireCheckinLease', 'markCheckinInFlight', 'finishCheckin']);
    expect(w.upay.callsOf('checkin').at(-1)?.credentials.key).toBe(K(1).terminal_key);
  });

  it('calls the provider when its one write landed and the SDK resent it (the resend finds its own lease)', async () => {
    const { listed } = world('checkin_unconfirmed');
    const write = w.registry.leaseAndMarkInFlight.bind(w.registry);
    w.registry.leaseAndMarkInFlight = async (...args) => {
      await write(...args); // landed, its reply lost
      return write(...args);
    };
    w.upay.script('checkin', checkedIn(SN, K(1).terminal_key));
    expect(await checkInTerminal(w.deps, SN, { listed: listed() })).toEqual({ kind: 'checked_in', terminal_sn: SN });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'active', checked_in_at: iso(START) });
    expect(w.registry.mustTerminal(SN).checkin_in_flight).toBeUndefined();
  });

  it('answers busy, without calling the provider, while another check-in holds the lease', async () => {
    const { listed } = world();
    w.registry.seed(terminal(), { owner: 'admin', until: START + 60_000 });
    expect(await checkInTerminal(w.deps, SN, { listed: listed() })).toMatchObject({ kind: 'busy' });
    expect(w.registry.row(SN)).toMatchObject({ lease_owner: 'admin', terminal: { status: 'active' } });
    expect(w.registry.mustTerminal(SN).checkin_in_flight).toBeUndefined();
  });

  it('takes the lease first when the key cannot be read before it, and records the failure under it', async () => {
    const { listed } = world();
    w.keys.failNext('currentStored', new KeyStoreUnavailableError('throttled'), new KeyStoreUnavailableError('throttled'));
    expect(await checkInTerminal(w.deps, SN, { listed: listed() })).toMatchObject({ kind: 'failed', reason: 'KeyStoreUnavailableError' });
    expect(registryCalls()).toEqual(['acquireCheckinLease', 'finishCheckin']);
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'active', last_error: { code: 'CHECKIN_FAILED' } });
  });

  it('never judges a terminal listed with a check-in in flight, or parked, without its lease', async () => {
    world('parked');
    w.registry.seed(terminal({ status: 'parked', checkin_in_flight: { started_at: iso(START - 100_000), signed_with_key_stored_at: iso(START - DAY) } }), { owner: 'dead', until: START - 1 });
    expect(await checkInTerminal(w.deps, SN, { listed: w.registry.mustTerminal(SN) })).toMatchObject({ kind: 'parked_now' });
    expect(registryCalls()).toEqual(['acquireCheckinLease', 'finishCheckin']);
  });
});

describe('a check-in of a terminal as listed, every call at its worst case', () => {
  it('refused its one write, still ends within the reserve the fleet run starts it with (CHECKIN_WORST_MS)', async () => {
    const { listed } = world();
    const view = { ...listed(), checked_in_at: iso(START - 2 * DAY) }; // a stale listing: the write is refused
    const slow = <A extends unknown[], R>(call: (...args: A) => Promise<R>, ms: number) => async (...args: A) => {
      w.clock.advance(ms);
      return call(...args);
    };
    for (const method of ['leaseAndMarkInFlight', 'acquireCheckinLease', 'markCheckinInFlight', 'finishCheckin'] as const) {
      (w.registry as unknown as Record<string, unknown>)[method] = slow(w.registry[method].bind(w.registry) as (...args: unknown[]) => Promise<unknown>, DB_CALL_MS);
    }
    w.keys.currentStored = slow(w.keys.currentStored.bind(w.keys), KEY_CALL_MS);
    w.keys.rotate = slow(w.keys.rotate.bind(w.keys), KEY_CALL_MS);
    w.upay.script('checkin', () => {
      w.clock.advance(PROVIDER_CALL_MS);
      return checkedIn(SN, K(1).terminal_key);
    });
    const started = w.clock.now();
    expect(await checkInTerminal(w.deps, SN, { listed: view, remainingMs: () => CHECKIN_WORST_MS - (w.clock.now() - started) })).toMatchObject({ kind: 'checked_in' });
    expect(w.clock.now() - started).toBeLessThanOrEqual(CHECKIN_WORST_MS);
  });
});

describe('a check-in of a terminal as listed, killed', () => {
  it('before its one write: leaves the terminal as it was, checked in by the next run', async () => {
    const { listed } = world();
    w.keys.currentStored = () => never();
    void checkInTerminal(w.deps, SN, { listed: listed() });
    await tick();
    expect(w.registry.row(SN)).toEqual({ terminal: terminal() });
  });

  it('after its write, before the provider answers: the next run counts the possible loss', async () => {
    const { listed } = world();
    w.upay.script('checkin', () => never<CheckinOutcome>());
    void checkInTerminal(w.deps, SN, { listed: listed() });
    await tick();
    w.clock.advance(LEASE + 1);
    let statusAtCall: string | undefined;
    w.upay.script('checkin', () => {
      statusAtCall = w.registry.mustTerminal(SN).status;
      return checkedIn(SN, K(1).terminal_key);
    });
    expect(await checkInTerminal(w.deps, SN, { listed: listed() })).toMatchObject({ kind: 'checked_in' });
    expect(statusAtCall).toBe('parked');
    expect(w.telemetry.total('CheckinInterrupted')).toBe(1);
  });

  it('after storing its new key: the next run finds the key moved and counts no loss', async () => {
    const { listed } = world();
    w.upay.script('checkin', checkedIn(SN, K(1).terminal_key));
    w.registry.failNext('finishCheckin', new Error('killed'));
    await expect(checkInTerminal(w.deps, SN, { listed: listed() })).rejects.toThrow('killed');
    w.clock.advance(LEASE + 1);
    let statusAtCall: string | undefined;
    w.upay.script('checkin', ({ credentials }) => {
      statusAtCall = w.registry.mustTerminal(SN).status;
      expect(credentials.key).toBe(K(1).terminal_key);
      return checkedIn(SN, K(2).terminal_key);
    });
    expect(await checkInTerminal(w.deps, SN, { listed: listed() })).toMatchObject({ kind: 'checked_in' });
    expect(statusAtCall).toBe('checkin_unconfirmed');
  });

  it('when its write fails after landing: frees the lease, and the record left counts no loss (the provider was not called)', async () => {
    const { listed } = world();
    const landed = w.registry.leaseAndMarkInFlight.bind(w.registry);
    w.registry.leaseAndMarkInFlight = async (...args) => {
      await landed(...args);
      throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    };
    expect(await checkInTerminal(w.deps, SN, { listed: listed() })).toMatchObject({ kind: 'failed', reason: 'TimeoutError' });
    expect(w.upay.calls).toEqual([]);
    expect(w.registry.row(SN)?.lease_owner).toBeUndefined();
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'active', checkin_in_flight: { started_at: iso(START) } });
  });
});
