// Activation with fakes: one claim per (store, device), kept as the trace of an attempt that may
// have activated; the provider's refusal, an outage that applied nothing and an outcome nobody
// knows are told apart; the issued terminal is recorded as `activating` before its key is
// written (retried only on transient key store failures and only while time allows), then
// made active; a retry or the fleet run finishes or parks an activation that died in between.
import { afterEach, describe, expect, it } from 'vitest';
import { activateTerminal, type ActivationRequest } from '../../lib/terminals/activation.js';
import { KEY_WRITE_RETRY } from '../../lib/terminals/deps.js';
import { KeyExistsError, KeyNotFoundError, KeyStoreUnavailableError } from '../../lib/keys/index.js';
import type { ActivateOutcome } from '../../lib/upay/index.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { FAILURES, MAYBE_APPLIED, NOT_APPLIED, rejected, START, STORE, transport } from './support/payments.js';

/** What a terminal call proves (terminalCallCertainty): a 500 other than maintenance may have been applied. */
const TERMINAL_NOT_APPLIED = NOT_APPLIED.filter((kind) => kind !== 'server_error');
const TERMINAL_MAYBE_APPLIED = [...MAYBE_APPLIED, 'server_error' as const];
import { terminal, terminalWorld, type TerminalWorld } from './support/terminals.js';

const SN = '100000000000000007';
const KEY = 'tk-fresh-from-activation-0007';
const NOW_ISO = new Date(START).toISOString();
const request = (overrides: Partial<ActivationRequest> = {}): ActivationRequest => ({ store_id: STORE, device_id: 'till-7', activation_code: '12345678', name: 'front till', ...overrides });
const activated = (): ActivateOutcome => ({ kind: 'activated', terminal_sn: SN, terminal_key: KEY, raw: { result_code: '200' } });
const reasonOf = (kind: keyof typeof FAILURES) => {
  const failure = FAILURES[kind];
  return `${kind}${'code' in failure ? ` ${failure.code}` : ''}`;
};

let w: TerminalWorld;
afterEach(() => expectOnlyScriptedCalls(w.upay));

describe('an activation the provider accepts', () => {
  it('stores the key, registers the terminal active and closes the claim', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    const result = await activateTerminal(w.deps, request());
    const expected = { terminal_sn: SN, store_id: STORE, device_id: 'till-7', name: 'front till', status: 'active', activated_at: NOW_ISO, key_stored_at: NOW_ISO };
    expect(result).toEqual({ kind: 'activated', terminal: expected, created: true });
    expect(w.keys.stored(SN)).toEqual({ current: { terminal_sn: SN, terminal_key: KEY, device_id: 'till-7' } });
    expect(w.registry.mustTerminal(SN)).toEqual(expected);
    expect(w.registry.claim(STORE, 'till-7')).toEqual({ terminal_sn: SN });
    expect(w.telemetry.total('TerminalActivated')).toBe(1);
  });

  it('signs with the vendor pair and sends app id, code, device and name with the provider timeout', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    await activateTerminal(w.deps, request());
    expect(w.upay.callsOf('activate')).toEqual([
      {
        method: 'activate',
        credentials: { sn: '91800001', key: 'vendor-secret-0001' },
        request: { app_id: '2026010100000001', code: '12345678', device_id: 'till-7', name: 'front till' },
        options: { timeoutMs: 8_000 },
      },
    ]);
  });

  it('sends no name when none is given', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    const result = await activateTerminal(w.deps, request({ name: undefined }));
    expect(w.upay.callsOf('activate')[0]?.request).not.toHaveProperty('name');
    expect(result.kind === 'activated' && result.terminal).not.toHaveProperty('name');
  });

  it('keeps the key out of the result, the registry and the logs', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    const result = await activateTerminal(w.deps, request());
    expect(JSON.stringify([result, w.registry.row(SN), w.registry.calls, w.telemetry.lines])).not.toContain(KEY);
  });

  it('answers a retried activation with the terminal it made, without burning another code', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    await activateTerminal(w.deps, request());
    const again = await activateTerminal(w.deps, request({ activation_code: '87654321' }));
    expect(again).toMatchObject({ kind: 'activated', created: false, terminal: { terminal_sn: SN } });
    expect(w.upay.callsOf('activate')).toHaveLength(1);
  });
});

describe('the activation claim', () => {
  it('answers busy while another activation of the same device holds the claim', async () => {
    w = terminalWorld();
    w.registry.seedClaim(STORE, 'till-7', { lease_until: START + 1 });
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'busy' });
    expect(w.upay.calls).toEqual([]);
    expect(w.registry.claim(STORE, 'till-7')).toEqual({ lease_until: START + 1 });
  });

  it('never takes over a claim whose holder died (its lease ran out unreleased): the provider may have activated, a person must look', async () => {
    w = terminalWorld();
    w.registry.seedClaim(STORE, 'till-7', { lease_until: START - 1, claimed_at: START - 120_001 });
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'needs_attention', reason: expect.stringContaining('Interrupted activation') });
    expect(w.upay.calls).toEqual([]);
    expect(w.telemetry.total('ActivationInterrupted')).toBe(1);
  });

  it('takes over a released claim (its attempt activated nothing)', async () => {
    w = terminalWorld();
    w.registry.seedClaim(STORE, 'till-7', { lease_until: 0 });
    w.upay.script('activate', activated());
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'activated', created: true });
  });

  it('claims per store and device: another device is not blocked', async () => {
    w = terminalWorld();
    w.registry.seedClaim(STORE, 'till-7', { lease_until: START + 1 });
    w.upay.script('activate', activated());
    expect(await activateTerminal(w.deps, request({ device_id: 'till-8' }))).toMatchObject({ kind: 'activated' });
  });

  it('answers the registered terminal for a claim that names one', async () => {
    w = terminalWorld();
    w.registry.seedClaim(STORE, 'till-7', { terminal_sn: SN });
    w.registry.seed(terminal({ terminal_sn: SN, device_id: 'till-7' }));
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'activated', created: false, terminal: { terminal_sn: SN } });
    expect(w.upay.calls).toEqual([]);
  });

  it('calls a person when the claim names a terminal missing from the registry', async () => {
    w = terminalWorld();
    w.registry.seedClaim(STORE, 'till-7', { terminal_sn: SN });
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'needs_attention', reason: 'activation claim names a terminal the registry does not hold for this device' });
    expect(w.upay.calls).toEqual([]);
  });

  it.each([
    ['another store', { store_id: 'store-2' }],
    ['another device', { device_id: 'till-8' }],
  ])('calls a person, rather than hand it out, when the claimed terminal is registered for %s', async (_label, owner) => {
    w = terminalWorld();
    w.registry.seedClaim(STORE, 'till-7', { terminal_sn: SN });
    w.registry.seed(terminal({ terminal_sn: SN, device_id: 'till-7', ...owner }));
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'needs_attention' });
  });

  it('asks for a two-minute claim from now', async () => {
    w = terminalWorld();
    w.upay.script('activate', rejected('ACTIVATION_CODE_EXPIRED'));
    await activateTerminal(w.deps, request());
    expect(w.registry.calls.find((call) => call.method === 'claimActivation')?.args).toEqual([STORE, 'till-7', START, 120_000]);
  });
});

describe('an activation the provider refuses', () => {
  it('reports the code and message, stores no key, and frees the claim for a retry', async () => {
    w = terminalWorld();
    w.upay.script('activate', { ...rejected('ACTIVATION_CODE_USED_UP'), error_message: 'the code has no uses left' });
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'refused', code: 'ACTIVATION_CODE_USED_UP', message: 'the code has no uses left' });
    expect(w.keys.countOf('create')).toBe(0);
    expect(w.registry.countOf('register')).toBe(0);
    expect(w.registry.claim(STORE, 'till-7')).toMatchObject({ lease_until: 0 });
    expect(w.telemetry.total('TerminalActivationFailed')).toBe(1);
    w.upay.script('activate', activated());
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'activated', created: true });
  });

  it('names a refusal without a code ACTIVATION_REFUSED', async () => {
    w = terminalWorld();
    w.upay.script('activate', rejected());
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'refused', code: 'ACTIVATION_REFUSED', message: 'activation refused' });
  });
});

describe('an activation that did not complete', () => {
  it.each(TERMINAL_NOT_APPLIED)('is unavailable (safe to retry) after a %s: nothing was activated', async (kind) => {
    w = terminalWorld();
    w.upay.script('activate', transport(kind));
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'unavailable', reason: reasonOf(kind) });
    expect(w.registry.claim(STORE, 'till-7')).toMatchObject({ lease_until: 0 });
  });

  it('is unavailable after maintenance (MAINTENANCE_INPROGRESS proves nothing was done)', async () => {
    w = terminalWorld();
    w.upay.script('activate', { kind: 'transport', failure: { kind: 'server_error', code: 'MAINTENANCE_INPROGRESS', maintenance: true } });
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'unavailable', reason: 'server_error MAINTENANCE_INPROGRESS' });
  });

  it.each(TERMINAL_MAYBE_APPLIED)('needs a person after a %s, and keeps the claim as the trace: a terminal may exist whose key we never saw', async (kind) => {
    w = terminalWorld();
    w.upay.script('activate', transport(kind));
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'needs_attention', reason: `activation outcome unknown: ${reasonOf(kind)}` });
    expect(w.keys.countOf('create')).toBe(0);
    expect(w.registry.countOf('releaseActivation')).toBe(0);
    expect(w.telemetry.total('ActivationInterrupted')).toBe(1);
  });

  it('retries the key write on a transient failure, and succeeds', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    w.keys.failNext('create', new KeyStoreUnavailableError('throttled'), new Error('socket hang up'));
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'activated', created: true });
    expect(w.keys.countOf('create')).toBe(3);
  });

  it('needs a person when the key still cannot be stored after the bounded retries, leaving the terminal activating (visible, judged later)', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    w.keys.failNext('create', ...Array.from({ length: KEY_WRITE_RETRY.attempts }, () => new KeyStoreUnavailableError('throttled')));
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'needs_attention', reason: `terminal ${SN} was activated but its key could not be stored` });
    expect(w.keys.countOf('create')).toBe(KEY_WRITE_RETRY.attempts);
    expect(w.registry.mustTerminal(SN).status).toBe('activating');
    expect(w.telemetry.total('TerminalKeyLost')).toBe(1);
  });

  it('does not retry a key write refused for a reason that will not change', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    w.keys.failNext('create', new KeyExistsError('another key is stored'));
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'needs_attention' });
    expect(w.keys.countOf('create')).toBe(1);
  });

  it('fails before claiming or calling the provider when the vendor credentials are missing', async () => {
    w = terminalWorld();
    w.keys.vendorCredentials = undefined;
    await expect(activateTerminal(w.deps, request())).rejects.toThrow(KeyNotFoundError);
    expect(w.registry.countOf('claimActivation')).toBe(0);
    expect(w.upay.calls).toEqual([]);
  });

  it('keeps the claim when the provider call throws (the provider may have activated): a later retry is told a person must look', async () => {
    w = terminalWorld();
    w.upay.script('activate', () => {
      throw new Error('bug in the client');
    });
    await expect(activateTerminal(w.deps, request())).rejects.toThrow('bug in the client');
    expect(w.registry.countOf('releaseActivation')).toBe(0);
    w.clock.advance(120_001);
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'needs_attention' });
    expect(w.upay.callsOf('activate')).toHaveLength(1);
  });
});

describe('bad input', () => {
  it('is refused before claiming, naming our field for the activation code', async () => {
    w = terminalWorld();
    await expect(activateTerminal(w.deps, request({ activation_code: '' }))).rejects.toMatchObject({ name: 'UpayRequestError', field: 'activation_code' });
    await expect(activateTerminal(w.deps, request({ device_id: 'd'.repeat(129) }))).rejects.toMatchObject({ field: 'device_id' });
    await expect(activateTerminal(w.deps, request({ name: 'n'.repeat(129) }))).rejects.toMatchObject({ field: 'name' });
    expect(w.registry.countOf('claimActivation')).toBe(0);
    expect(w.upay.calls).toEqual([]);
  });
});

describe('the key write retry policy', () => {
  it('retries anything but "another key is stored", a bounded number of times', () => {
    expect(KEY_WRITE_RETRY.attempts).toBeGreaterThan(1);
    expect(KEY_WRITE_RETRY.retryIf?.(new KeyStoreUnavailableError('throttled'))).toBe(true);
    expect(KEY_WRITE_RETRY.retryIf?.(new Error('socket hang up'))).toBe(true);
    expect(KEY_WRITE_RETRY.retryIf?.(new KeyExistsError('exists'))).toBe(false);
  });
});
