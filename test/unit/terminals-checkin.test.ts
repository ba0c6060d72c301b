// Check-in of one terminal with fakes: the state machine active → checkin_unconfirmed → parked
// on losses, back to active on success; refusals that applied nothing leave the status alone;
// at most one check-in at a time (lease); parked terminals only when forced.
import { afterEach, describe, expect, it } from 'vitest';
import { checkInTerminal } from '../../lib/terminals/checkin.js';
import { KEY_WRITE_RETRY } from '../../lib/terminals/deps.js';
import { KeyExistsError, KeyNotFoundError, KeyStoreUnavailableError } from '../../lib/keys/index.js';
import type { TerminalStatus } from '../../lib/store/terminal-registry.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { FAILURES, MAYBE_APPLIED, NOT_APPLIED, rejected, START, transport } from './support/payments.js';
import { checkedIn, keyOf, terminal, terminalWorld, type TerminalWorld } from './support/terminals.js';

const SN = '100000000000000001';
const K0 = keyOf(SN, 0);
const K1 = keyOf(SN, 1);
const NOW_ISO = new Date(START).toISOString();
/** Refusals that prove the key did not rotate and say nothing against it (ILLEGAL_SIGN and 500s are tested apart). */
const CHECKIN_NOT_APPLIED = NOT_APPLIED.filter((kind) => kind !== 'illegal_sign' && kind !== 'server_error');

let w: TerminalWorld;
afterEach(() => expectOnlyScriptedCalls(w.upay));

function withTerminal(status: TerminalStatus = 'active', extra: Parameters<typeof terminal>[0] = {}): TerminalWorld {
  const fresh = terminalWorld();
  fresh.registry.seed(terminal({ status, ...extra }));
  fresh.keys.seed(K0);
  return fresh;
}

const reasonOf = (kind: keyof typeof FAILURES) => {
  const failure = FAILURES[kind];
  return `${kind}${'code' in failure ? ` ${failure.code}` : ''}`;
};

describe('a check-in the provider answers', () => {
  it('stores the new key, then marks the terminal active and checked in, clearing the last error and the lease', async () => {
    w = withTerminal('active', { last_error: { code: 'CHECKIN_FAILED', message: 'old', at: 'then' } });
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'checked_in', terminal_sn: SN });
    expect(w.keys.stored(SN)).toEqual({ current: K1, previous: K0 });
    const row = w.registry.row(SN);
    expect(row?.terminal).toMatchObject({ status: 'active', checked_in_at: NOW_ISO, key_stored_at: NOW_ISO });
    expect(row?.terminal.last_error).toBeUndefined();
    expect(row?.lease_owner).toBeUndefined();
    expect(row?.lease_until).toBeUndefined();
    expect(w.telemetry.total('CheckinSucceeded')).toBe(1);
  });

  it('signs with the stored current key and sends the terminal’s device id with the provider timeout', async () => {
    w = withTerminal();
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    await checkInTerminal(w.deps, SN);
    expect(w.upay.callsOf('checkin')).toEqual([{ method: 'checkin', credentials: { sn: SN, key: K0.terminal_key }, request: { device_id: 'till-1' }, options: { timeoutMs: 8_000 } }]);
  });

  it('reads the key fresh, not from a cache another instance has made stale', async () => {
    w = withTerminal();
    await w.keys.current(SN); // this instance caches K0
    w.keys.rotateElsewhere(K1); // another instance checked in
    w.upay.script('checkin', checkedIn(SN, keyOf(SN, 2).terminal_key));
    await checkInTerminal(w.deps, SN);
    expect(w.upay.callsOf('checkin')[0]?.credentials.key).toBe(K1.terminal_key);
  });

  it('brings an unconfirmed terminal back to active', async () => {
    w = withTerminal('checkin_unconfirmed', { last_error: { code: 'CHECKIN_UNCONFIRMED', message: 'x', at: 'then' } });
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'checked_in' });
    expect(w.registry.mustTerminal(SN).status).toBe('active');
    expect(w.registry.mustTerminal(SN).last_error).toBeUndefined();
  });

  it('never writes the key into the registry or the logs', async () => {
    w = withTerminal();
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    await checkInTerminal(w.deps, SN);
    const everything = JSON.stringify([w.registry.row(SN), w.registry.calls, w.telemetry.lines]);
    expect(everything).not.toContain(K0.terminal_key);
    expect(everything).not.toContain(K1.terminal_key);
  });
});

describe('a check-in whose reply may have rotated the key without us', () => {
  it.each(MAYBE_APPLIED)('after a %s, marks an active terminal checkin_unconfirmed and keeps the stored key', async (kind) => {
    w = withTerminal();
    w.upay.script('checkin', transport(kind));
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'unconfirmed', terminal_sn: SN, reason: `reply lost: ${reasonOf(kind)}` });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'checkin_unconfirmed', last_error: { code: 'CHECKIN_UNCONFIRMED', message: `reply lost: ${reasonOf(kind)}`, at: NOW_ISO } });
    expect(w.keys.stored(SN)).toEqual({ current: K0 });
    expect(w.keys.countOf('rotate')).toBe(0);
    expect(w.telemetry.total('CheckinUnconfirmed')).toBe(1);
  });

  it('parks an unconfirmed terminal after a second loss in a row', async () => {
    w = withTerminal('checkin_unconfirmed');
    w.upay.script('checkin', transport('timeout'));
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'parked_now', terminal_sn: SN, reason: 'reply lost: timeout' });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', last_error: { code: 'CHECKIN_UNCONFIRMED' } });
    expect(w.telemetry.total('TerminalParked')).toBe(1);
  });

  it('walks active → checkin_unconfirmed → parked over two losses, and then leaves the terminal alone', async () => {
    w = withTerminal();
    w.upay.script('checkin', transport('timeout'), transport('connection_lost'));
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('unconfirmed');
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('parked_now');
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('parked');
    expect(w.upay.callsOf('checkin')).toHaveLength(2);
    // Both lost attempts signed with the one key we hold: the provider's "previous" after the first.
    expect(w.upay.callsOf('checkin').map((call) => call.credentials.key)).toEqual([K0.terminal_key, K0.terminal_key]);
  });

  it('marks the terminal unconfirmed when the new key cannot be stored, after the bounded retries', async () => {
    w = withTerminal();
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    w.keys.failNext('rotate', ...Array.from({ length: KEY_WRITE_RETRY.attempts }, () => new KeyStoreUnavailableError('throttled')));
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'unconfirmed', terminal_sn: SN, reason: 'new key not stored' });
    expect(w.keys.countOf('rotate')).toBe(KEY_WRITE_RETRY.attempts);
    expect(w.keys.stored(SN)).toEqual({ current: K0 });
    expect(w.registry.mustTerminal(SN).status).toBe('checkin_unconfirmed');
    expect(w.telemetry.lines).toContainEqual({ level: 'error', message: 'new terminal key could not be stored', fields: { terminal_sn: SN, error: 'KeyStoreUnavailableError' } });
  });

  it('parks an unconfirmed terminal whose new key cannot be stored', async () => {
    w = withTerminal('checkin_unconfirmed');
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    w.keys.failNext('rotate', ...Array.from({ length: KEY_WRITE_RETRY.attempts }, () => new KeyStoreUnavailableError('throttled')));
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('parked_now');
    expect(w.registry.mustTerminal(SN).status).toBe('parked');
  });

  it('checks in when the key write succeeds on a retry, whatever the transient failure was', async () => {
    w = withTerminal();
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    w.keys.failNext('rotate', new KeyStoreUnavailableError('throttled'), new Error('socket hang up'));
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('checked_in');
    expect(w.keys.countOf('rotate')).toBe(3);
    expect(w.keys.stored(SN)?.current).toEqual(K1);
  });

  it('does not retry a key write that failed for a reason that will not change', async () => {
    w = withTerminal();
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    w.keys.failNext('rotate', new KeyExistsError('replaced'));
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('unconfirmed');
    expect(w.keys.countOf('rotate')).toBe(1);
  });
});

describe('a check-in refused before anything was applied', () => {
  it.each(['active', 'checkin_unconfirmed'] as const)('leaves a %s terminal’s status and key alone when the provider refuses (FAIL)', async (status) => {
    w = withTerminal(status);
    w.upay.script('checkin', rejected('UPAY_TERMINAL_STATUS_ABNORMAL'));
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'failed', terminal_sn: SN, reason: 'UPAY_TERMINAL_STATUS_ABNORMAL' });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status, last_error: { code: 'CHECKIN_FAILED', message: 'UPAY_TERMINAL_STATUS_ABNORMAL', at: NOW_ISO } });
    expect(w.keys.stored(SN)).toEqual({ current: K0 });
    expect(w.telemetry.total('CheckinFailed')).toBe(1);
  });

  it('names a refusal without a code CHECKIN_REFUSED', async () => {
    w = withTerminal();
    w.upay.script('checkin', rejected());
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'failed', reason: 'CHECKIN_REFUSED' });
  });

  it.each(CHECKIN_NOT_APPLIED)('after a %s leaves an unconfirmed terminal unconfirmed (never parks it)', async (kind) => {
    w = withTerminal('checkin_unconfirmed');
    w.upay.script('checkin', transport(kind));
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'failed', terminal_sn: SN, reason: reasonOf(kind) });
    expect(w.registry.mustTerminal(SN).status).toBe('checkin_unconfirmed');
    expect(w.keys.countOf('rotate')).toBe(0);
  });

  it.each(CHECKIN_NOT_APPLIED)('after a %s leaves an active terminal active', async (kind) => {
    w = withTerminal('active');
    w.upay.script('checkin', transport(kind));
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('failed');
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'active', last_error: { code: 'CHECKIN_FAILED' } });
  });
});

describe('the check-in lease', () => {
  it('answers busy, without calling the provider, while another check-in holds the lease', async () => {
    w = terminalWorld();
    w.registry.seed(terminal(), { owner: 'other', until: START + 1 });
    w.keys.seed(K0);
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'busy', terminal_sn: SN });
    expect(w.upay.calls).toEqual([]);
    expect(w.registry.row(SN)?.lease_owner).toBe('other');
  });

  it('takes over a lease that has run out', async () => {
    w = terminalWorld();
    w.registry.seed(terminal(), { owner: 'crashed', until: START - 1 });
    w.keys.seed(K0);
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('checked_in');
  });

  it('asks for a 90 s lease from now, under a fresh owner each time', async () => {
    w = withTerminal();
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key), checkedIn(SN, keyOf(SN, 2).terminal_key));
    await checkInTerminal(w.deps, SN);
    await checkInTerminal(w.deps, SN);
    const leases = w.registry.calls.filter((call) => call.method === 'acquireCheckinLease').map((call) => call.args);
    expect(leases.map((args) => [args[0], args[2], args[3], Boolean(args[4])])).toEqual([
      [SN, START, 90_000, false],
      [SN, START, 90_000, false],
    ]);
    expect(leases[0]?.[1]).not.toBe(leases[1]?.[1]);
  });

  it('answers not_found for an unknown terminal', async () => {
    w = terminalWorld();
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'not_found', terminal_sn: SN });
    expect(w.upay.calls).toEqual([]);
  });

  it('leaves a parked terminal alone unless forced', async () => {
    w = withTerminal('parked');
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'parked', terminal_sn: SN });
    expect(w.upay.calls).toEqual([]);
    expect(w.registry.mustTerminal(SN).status).toBe('parked');
  });

  it('checks in a parked terminal when an admin forces it, making it active', async () => {
    w = withTerminal('parked');
    w.upay.script('checkin', checkedIn(SN, K1.terminal_key));
    expect(await checkInTerminal(w.deps, SN, { force: true })).toEqual({ kind: 'checked_in', terminal_sn: SN });
    expect(w.registry.mustTerminal(SN).status).toBe('active');
  });

  it('keeps a forced parked terminal parked when its check-in is lost again', async () => {
    w = withTerminal('parked');
    w.upay.script('checkin', transport('timeout'));
    expect((await checkInTerminal(w.deps, SN, { force: true })).kind).toBe('parked_now');
    expect(w.registry.mustTerminal(SN).status).toBe('parked');
  });

  it('does not let force override another check-in’s lease', async () => {
    w = terminalWorld();
    w.registry.seed(terminal({ status: 'parked' }), { owner: 'other', until: START + 1 });
    expect((await checkInTerminal(w.deps, SN, { force: true })).kind).toBe('busy');
    expect(w.upay.calls).toEqual([]);
  });

  it('leaves the registry to the new lease holder when its own lease was lost meanwhile, and says so', async () => {
    w = withTerminal();
    w.upay.script('checkin', () => {
      w.registry.seed(terminal({ status: 'active' }), { owner: 'intruder', until: START + 90_000 });
      return checkedIn(SN, K1.terminal_key);
    });
    expect((await checkInTerminal(w.deps, SN)).kind).toBe('checked_in');
    expect(w.registry.row(SN)?.lease_owner).toBe('intruder');
    expect(w.keys.stored(SN)?.current).toEqual(K1);
    expect(w.telemetry.messages('warn')).toContain('check-in lease was lost before the registry was updated');
  });

  it('fails without calling the provider when the terminal has no stored key, and frees the lease', async () => {
    w = terminalWorld();
    w.registry.seed(terminal());
    expect(await checkInTerminal(w.deps, SN)).toEqual({ kind: 'failed', terminal_sn: SN, reason: KeyNotFoundError.name });
    expect(w.upay.calls).toEqual([]);
    expect(await checkInTerminal(w.deps, SN)).toMatchObject({ kind: 'failed' }); // not 'busy': the lease was released
  });
});
