// A world of fakes wired as TerminalDeps, and terminals and outcomes as the flows see them.
import { KEY_WRITE_RETRY, type TerminalDeps } from '../../../lib/terminals/deps.js';
import { checkInTerminal } from '../../../lib/terminals/checkin.js';
import { KeyStoreUnavailableError, type TerminalKey } from '../../../lib/keys/index.js';
import type { Terminal } from '../../../lib/store/terminal-registry.js';
import type { CheckinOutcome } from '../../../lib/upay/index.js';
import { asRegistry, FakeKeyStore, FakeRegistry } from './fake-terminals.js';
import { ScriptedUpay } from './fake-upay.js';
import { FakeClock, RecordingTelemetry } from './fakes.js';
import { START, STORE, transport } from './payments.js';

export interface TerminalWorld {
  clock: FakeClock;
  registry: FakeRegistry;
  keys: FakeKeyStore;
  upay: ScriptedUpay;
  telemetry: RecordingTelemetry;
  deps: TerminalDeps;
}

/** The production retry policy (attempts and which errors), without its real-time delays. */
export const INSTANT_KEY_WRITE_RETRY = { ...KEY_WRITE_RETRY, delaysMs: [0] };

export function terminalWorld(now = START): TerminalWorld {
  const clock = new FakeClock(now);
  const registry = new FakeRegistry();
  const keys = new FakeKeyStore(clock.now);
  const upay = new ScriptedUpay();
  const telemetry = new RecordingTelemetry();
  const deps: TerminalDeps = { upay, keys, registry: asRegistry(registry), telemetry, now: clock.now, providerTimeoutMs: 8_000, keyWriteRetry: INSTANT_KEY_WRITE_RETRY };
  return { clock, registry, keys, upay, telemetry, deps };
}

export function terminal(overrides: Partial<Terminal> = {}): Terminal {
  return {
    terminal_sn: '100000000000000001',
    store_id: STORE,
    device_id: 'till-1',
    status: 'active',
    activated_at: new Date(START - 86_400_000).toISOString(),
    checked_in_at: new Date(START - 86_400_000).toISOString(),
    key_stored_at: new Date(START - 86_400_000).toISOString(),
    ...overrides,
  };
}

export const keyOf = (terminalSn: string, version: number) => ({ terminal_sn: terminalSn, terminal_key: `tk-${terminalSn}-${version}`, device_id: 'till-1' });

export const checkedIn = (terminalSn: string, key: string): CheckinOutcome => ({ kind: 'checked_in', terminal_sn: terminalSn, terminal_key: key, raw: { result_code: '200' } });

/**
 * The provider as protocol §3.2 has it: each check-in signed with the current or previous key
 * rotates (previous := current, current := new, `keyOf(sn, n)`); anything else is ILLEGAL_SIGN.
 */
export class RotatingProvider {
  current: string;
  previous: string | undefined;
  private issued = 0;

  constructor(private readonly terminalSn: string) {
    this.current = keyOf(terminalSn, 0).terminal_key;
  }

  accepts(key: string): boolean {
    return key === this.current || key === this.previous;
  }

  rotate(key: string): CheckinOutcome {
    if (!this.accepts(key)) return transport('illegal_sign');
    this.issued += 1;
    this.previous = this.current;
    this.current = keyOf(this.terminalSn, this.issued).terminal_key;
    return checkedIn(this.terminalSn, this.current);
  }
}

/**
 * The first run: the provider rotates K0→K1, the key write fails and its retry never
 * returns (the Lambda is killed in it). Returns the provider, which rotates every later check-in too.
 */
export async function checkinDyingInKeyWrite(w: TerminalWorld, terminalSn: string): Promise<RotatingProvider> {
  const provider = new RotatingProvider(terminalSn);
  w.upay.always('checkin', ({ credentials }) => provider.rotate(credentials.key));
  w.keys.failNext('rotate', new KeyStoreUnavailableError('throttled'));
  const originalRotate = w.keys.rotate.bind(w.keys);
  w.keys.rotate = async (key: TerminalKey) => (w.keys.countOf('rotate') === 0 ? originalRotate(key) : new Promise<void>(() => undefined));
  void checkInTerminal(w.deps, terminalSn);
  await new Promise((resolve) => setImmediate(resolve));
  w.keys.rotate = originalRotate;
  return provider;
}
