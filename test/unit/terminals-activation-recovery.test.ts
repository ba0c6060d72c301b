// Activation killed during its key write (issue 11, "Terminal keys" 2): the issued terminal is
// recorded as `activating` before the key is written; a retry or the fleet run finishes it
// (key found) or parks it as ACTIVATION_KEY_LOST with the TerminalKeyLost metric; key-write
// retries stop while the invocation still has time for the steps after them.
import { afterEach, describe, expect, it } from 'vitest';
import { activateTerminal, type ActivationRequest } from '../../lib/terminals/activation.js';
import { checkInFleet } from '../../lib/terminals/fleet.js';
import { KeyStoreUnavailableError, type TerminalKey } from '../../lib/keys/index.js';
import { DB_CALL_MS, KEY_CALL_MS } from '../../lib/terminals/budget.js';
import type { ActivateOutcome } from '../../lib/upay/index.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { START, STORE } from './support/payments.js';
import { terminal, terminalWorld, type TerminalWorld } from './support/terminals.js';

const SN = '100000000000000007';
const KEY = { terminal_sn: SN, terminal_key: 'tk-fresh-from-activation-0007', device_id: 'till-7' };
const request = (): ActivationRequest => ({ store_id: STORE, device_id: 'till-7', activation_code: '12345678' });
const activated = (): ActivateOutcome => ({ kind: 'activated', terminal_sn: SN, terminal_key: KEY.terminal_key, raw: { result_code: '200' } });
const never = <T>() => new Promise<T>(() => undefined);
const AFTER_LEASE = 120_001;

let w: TerminalWorld;
afterEach(() => expectOnlyScriptedCalls(w.upay));

/** An activation killed in its key write; `stored` says whether the write landed before the kill. */
async function killedInKeyWrite(stored: boolean): Promise<void> {
  w = terminalWorld();
  w.upay.script('activate', activated());
  const originalCreate = w.keys.create.bind(w.keys);
  w.keys.create = async (key: TerminalKey) => {
    if (stored) await originalCreate(key);
    return never<void>();
  };
  void activateTerminal(w.deps, request());
  await new Promise((resolve) => setImmediate(resolve));
  w.keys.create = originalCreate;
}

describe('the trace of an issued terminal', () => {
  it('is written before the key: the registry holds the terminal as activating while the key is written', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    let statusAtWrite: string | undefined;
    const originalCreate = w.keys.create.bind(w.keys);
    w.keys.create = async (key: TerminalKey) => {
      statusAtWrite = w.registry.row(SN)?.terminal.status;
      return originalCreate(key);
    };
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'activated', created: true, terminal: { status: 'active' } });
    expect(statusAtWrite).toBe('activating');
    expect(w.registry.mustTerminal(SN).status).toBe('active');
  });

  it('is what an activation killed in its key write leaves: an activating terminal, shown as such', async () => {
    await killedInKeyWrite(false);
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'activating', terminal_sn: SN });
    expect(w.registry.claim(STORE, 'till-7')).toEqual({ terminal_sn: SN });
  });
});

describe('a retried activation that finds the trace', () => {
  it('answers busy while the killed attempt could still be running', async () => {
    await killedInKeyWrite(false);
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'busy' });
  });

  it('finishes it when the key reached the store', async () => {
    await killedInKeyWrite(true);
    w.clock.advance(AFTER_LEASE);
    expect(await activateTerminal(w.deps, request())).toMatchObject({ kind: 'activated', created: false, terminal: { status: 'active' } });
    expect(w.registry.mustTerminal(SN).status).toBe('active');
    expect(w.upay.callsOf('activate')).toHaveLength(1);
  });

  it('parks it as ACTIVATION_KEY_LOST with the TerminalKeyLost metric when the key never arrived, and never calls the provider again', async () => {
    await killedInKeyWrite(false);
    w.clock.advance(AFTER_LEASE);
    expect(await activateTerminal(w.deps, request())).toEqual({ kind: 'needs_attention', reason: expect.stringContaining('Interrupted activation') });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', last_error: { code: 'ACTIVATION_KEY_LOST' } });
    expect(w.telemetry.total('TerminalKeyLost')).toBe(1);
    expect(w.upay.callsOf('activate')).toHaveLength(1);
  });
});

describe('the fleet run', () => {
  const options = { concurrency: 1, pacer: { take: async () => undefined }, remainingMs: () => 600_000, reserveMs: 60_000, minIntervalMs: 20 * 3_600_000, pageSize: 100 };

  it('finds an activating terminal past its claim lease and parks it when its key is missing, counting the metric', async () => {
    w = terminalWorld();
    w.registry.seed(terminal({ terminal_sn: SN, status: 'activating', activated_at: new Date(START - AFTER_LEASE).toISOString() }));
    const report = await checkInFleet(w.deps, options);
    expect(report).toMatchObject({ interrupted_activations: 1, parked: 1 });
    expect(w.registry.mustTerminal(SN)).toMatchObject({ status: 'parked', last_error: { code: 'ACTIVATION_KEY_LOST' } });
    expect(w.telemetry.total('TerminalKeyLost')).toBe(1);
  });

  it('finishes one whose key is stored, and leaves a recent one to its attempt', async () => {
    w = terminalWorld();
    w.registry.seed(terminal({ terminal_sn: SN, status: 'activating', activated_at: new Date(START - AFTER_LEASE).toISOString() }));
    w.registry.seed(terminal({ terminal_sn: '100000000000000008', status: 'activating', activated_at: new Date(START).toISOString() }));
    w.keys.seed(KEY);
    expect(await checkInFleet(w.deps, options)).toMatchObject({ interrupted_activations: 1, parked: 0, checked_in: 0 });
    expect(w.registry.mustTerminal(SN).status).toBe('active');
    expect(w.registry.mustTerminal('100000000000000008').status).toBe('activating');
    expect(w.upay.calls).toEqual([]);
  });
});

describe('key-write retries', () => {
  it('stop when the invocation has no room for another attempt and the final registry write', async () => {
    w = terminalWorld();
    w.upay.script('activate', activated());
    w.keys.failNext('create', ...Array.from({ length: 10 }, () => new KeyStoreUnavailableError('throttled')));
    const result = await activateTerminal(w.deps, request(), { remainingMs: () => DB_CALL_MS + KEY_CALL_MS - 1 });
    expect(result).toMatchObject({ kind: 'needs_attention' });
    expect(w.keys.countOf('create')).toBe(1);
    expect(w.registry.mustTerminal(SN).status).toBe('activating');
  });
});
