// The terminal chaos run: a fleet activated and then checked in once a day for many days while
// the sandbox loses replies and answers 500s after it rotated, the key store fails or times out
// after writing, and invocations are killed at a random await point (every registry, key store
// and provider call of check-in and activation is one; a sweep on the first days kills one
// invocation at each point, before and after its effect), each followed by the next day's run.
// The real domain code, registry adapter (DynamoDB Local), key store adapter (local file) and
// provider client (HTTP to the sandbox) are used; only the kills and key store faults are
// wrappers. The verdict asks the sandbox itself, at the end of every day and after the last
// run: a terminal whose stored keys it no longer accepts, and that is not parked, is bricked
// silently (checked daily, so a later ILLEGAL_SIGN that parks a dead terminal hides nothing).
import { KeyStoreUnavailableError, type KeyStore } from '../lib/keys/index.js';
import type { TerminalRegistry } from '../lib/store/terminal-registry.js';
import type { UpayClient } from '../lib/upay/index.js';
import { activateTerminal, type ActivationResult } from '../lib/terminals/activation.js';
import { checkInTerminal, type CheckinResult } from '../lib/terminals/checkin.js';
import { KEY_WRITE_RETRY, type TerminalDeps } from '../lib/terminals/deps.js';
import { isDue } from '../lib/terminals/fleet.js';
import { silentTelemetry, type Telemetry } from '../lib/telemetry.js';
import { mapBounded } from './bounded.js';
import { mulberry32 } from './chaos.js';

export interface TerminalChaosOptions {
  terminals: number;
  days: number;
  faultRate: number;
  seed: number;
  /** Invocations in flight at once. */
  parallel?: number;
  log?: (line: string) => void;
}

export interface TerminalChaosWorld {
  sandboxUrl: string;
  storeId: string;
  registry: TerminalRegistry;
  keys: KeyStore;
  /** A second adapter over the same store, for the verdict (no cache shared with the run). */
  verdictKeys: KeyStore;
  upay: UpayClient;
}

export interface TerminalChaosReport {
  outcomes: Record<string, number>;
  faults: Record<string, number>;
  kills: Record<string, number>;
  final: Record<string, number>;
  /** Terminals found dead and not parked at the end of a day (or after the last run). */
  brickedSilently: string[];
  activationsUnresolved: string[];
}

const DAY_MS = 86_400_000;
/** As functions/checkin-fleet.ts. */
const MIN_INTERVAL_MS = 22 * 3_600_000;
const START = Date.UTC(2026, 0, 5, 19, 0, 0);
/** Calls an invocation makes at most before its outcome is written; a kill lands on one of them. */
const KILL_POINTS = 8;
/** The provider's faults on a check-in; `applied` ones rotate the key first. */
const PROVIDER_FAULTS = ['drop_reply', 'http_500_applied', 'malformed', 'http_500', 'maintenance', 'close'] as const;
const ASYNC_KEY_CALLS = new Set(['current', 'currentStored', 'previous', 'rotate', 'create', 'vendor', 'currentSince']);
const FAULTY_KEY_WRITES = new Set(['rotate', 'create', 'currentStored']);

class Killed {
  readonly signal: Promise<void>;
  private fire: () => void = () => undefined;
  private calls = 0;
  dead = false;

  constructor(
    private readonly killAt: number | undefined,
    private readonly afterEffect: boolean,
    private readonly onKill: (point: string) => void,
  ) {
    this.signal = new Promise((resolve) => (this.fire = resolve));
  }

  /** Runs `call`, unless this invocation dies here: before the call, or after it took effect. */
  async step<T>(point: string, call: () => Promise<T>): Promise<T> {
    if (this.dead) return never<T>();
    this.calls += 1;
    if (this.calls !== this.killAt) return call();
    if (this.afterEffect) await call().catch(() => undefined);
    this.dead = true;
    this.onKill(`${point}/${this.afterEffect ? 'after' : 'before'}`);
    this.fire();
    return never<T>();
  }
}

const never = <T>() => new Promise<T>(() => undefined);

/** FNV-1a: each invocation draws from its own stream, so concurrency does not reorder the plan. */
function streamSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

export async function runTerminalChaos(world: TerminalChaosWorld, options: TerminalChaosOptions): Promise<TerminalChaosReport> {
  const log = options.log ?? (() => undefined);
  const report: TerminalChaosReport = { outcomes: {}, faults: {}, kills: {}, final: {}, brickedSilently: [], activationsUnresolved: [] };
  const bump = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  let now = START;
  const control = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${world.sandboxUrl}/_sandbox/${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}), signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new Error(`sandbox control ${path}: HTTP ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  };

  /** One Lambda invocation's view of the world: every call may be its last. */
  const invocation = (faults: boolean, name: string, sweep: number | undefined): { deps: TerminalDeps; killed: Killed } => {
    const random = mulberry32(streamSeed(`${options.seed}:${name}`));
    const chance = (rate: number) => faults && random() < rate;
    const killAt = chance(options.faultRate / 2) ? 1 + Math.floor(random() * KILL_POINTS) : undefined;
    const afterEffect = random() < 0.5;
    const onKill = (point: string) => bump(report.kills, point);
    // The sweep kills invocation k at await point k/2 + 1, before its effect for even k, after for odd.
    const killed = sweep !== undefined && sweep < 2 * KILL_POINTS ? new Killed(Math.floor(sweep / 2) + 1, sweep % 2 === 1, onKill) : new Killed(killAt, afterEffect, onKill);
    const registry = new Proxy(world.registry, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (...args: unknown[]) => killed.step(`registry.${String(prop)}`, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)) : value;
      },
    });
    const keys = new Proxy(world.keys, {
      get: (target, prop, receiver) => {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function' || !ASYNC_KEY_CALLS.has(String(prop))) return typeof value === 'function' ? value.bind(target) : value;
        const call = (...args: unknown[]) => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        return (...args: unknown[]) =>
          killed.step(`keys.${String(prop)}`, async () => {
            if (!FAULTY_KEY_WRITES.has(String(prop)) || !chance(options.faultRate / 3)) return call(...args);
            // A timeout may come after the write landed; a throttle before it.
            const landed = random() < 0.5;
            bump(report.faults, `key_store_${landed ? 'timeout_after_write' : 'unavailable'}`);
            if (landed) await call(...args);
            throw new KeyStoreUnavailableError('chaos: key store failed');
          });
      },
    });
    const upay: TerminalDeps['upay'] = {
      activate: (credentials, request, callOptions) => killed.step('upay.activate', () => world.upay.activate(credentials, request, callOptions)),
      checkin: (credentials, request, callOptions) =>
        killed.step('upay.checkin', async () => {
          if (chance(options.faultRate)) {
            const kind = PROVIDER_FAULTS[Math.floor(random() * PROVIDER_FAULTS.length)] as string;
            bump(report.faults, `checkin_${kind}`);
            await control('POST', 'faults', { kind, path: '/terminal/checkin', terminal_sn: credentials.sn, count: 1 });
          }
          return world.upay.checkin(credentials, request, callOptions);
        }),
    };
    const telemetry: Telemetry = silentTelemetry;
    const deps: TerminalDeps = { upay, keys, registry, telemetry, now: () => now, providerTimeoutMs: 1_000, keyWriteRetry: { ...KEY_WRITE_RETRY, delaysMs: [1] } };
    return { deps, killed };
  };

  const run = async <R extends { kind: string }>(what: string, name: string, faults: boolean, sweep: number | undefined, body: (deps: TerminalDeps) => Promise<R>): Promise<R | undefined> => {
    const { deps, killed } = invocation(faults, `${what}:${name}`, sweep);
    try {
      const result = await Promise.race([body(deps), killed.signal.then(() => undefined)]);
      bump(report.outcomes, `${what}:${result?.kind ?? 'killed'}`);
      return result;
    } catch (error) {
      bump(report.outcomes, `${what}:threw:${(error as Error).name}`);
      return undefined;
    }
  };

  // Day 0 onwards: an admin activates each device, retrying the next day what did not finish.
  const { code } = (await control('POST', 'activation-codes', { uses: options.terminals * 3, store_id: world.storeId })) as { code: string };
  const devices = Array.from({ length: options.terminals }, (_, i) => `chaos-till-${options.seed}-${i}`);
  const activation = new Map<string, ActivationResult['kind'] | 'killed' | 'threw'>();
  const parallel = options.parallel ?? 8;

  const day = async (index: number, faults: boolean) => {
    now = START + index * DAY_MS;
    const pending = devices.filter((device) => !['activated', 'needs_attention', 'refused'].includes(activation.get(device) ?? ''));
    await mapBounded(pending, parallel, async (device) => {
      // On the first day the first devices' activations are the sweep: each await point, before and after.
      const result = await run('activate', `${index}:${device}`, faults, index === 0 ? devices.indexOf(device) : undefined, (deps) => activateTerminal(deps, { store_id: world.storeId, device_id: device, activation_code: code }, { remainingMs: () => 29_000 }));
      activation.set(device, result?.kind ?? 'killed');
    });
    const fleet = await listAll(world.registry);
    // Scheduled as the fleet run schedules them (a day apart, so every terminal is due but the parked).
    const due = fleet.filter((terminal) => isDue(terminal, now, MIN_INTERVAL_MS));
    // Day 1 checks in as an admin's check-in does (the lease first); every other day as the fleet
    // run does, from the listing (the lease and the in-flight record in one write).
    const listed = index !== 1;
    await mapBounded(
      due,
      parallel,
      // On the second and third days, the first due terminals' check-ins are the sweep, of each way
      // in (not the first devices': their activations were the first day's sweep, and many have no
      // terminal to check in). Never on the last day, which runs without faults.
      (terminal) =>
        run<CheckinResult>('checkin', `${index}:${terminal.device_id}`, faults, faults && (index === 1 || index === 2) ? due.indexOf(terminal) : undefined, (deps) =>
          checkInTerminal(deps, terminal.terminal_sn, { remainingMs: () => 60_000, ...(listed ? { listed: terminal } : {}) }),
        ),
    );
    await judge(fleet.length);
    log(`day ${index}: ${fleet.length} terminals registered`);
  };

  const bricked = new Set<string>();
  /** Every terminal not parked and not still activating must have a key the sandbox takes. */
  const judge = async (expected: number) => {
    const terminals = await listAll(world.registry);
    if (terminals.length < expected) throw new Error('the registry lost terminals');
    await mapBounded(terminals, parallel, async (terminal) => {
      if (terminal.status === 'parked' || terminal.status === 'activating') return;
      if (!(await keySigns(world, terminal.terminal_sn))) bricked.add(terminal.terminal_sn);
    });
  };

  for (let index = 0; index < options.days; index += 1) await day(index, true);
  // The next scheduled run after the last day's kills, with nothing going wrong.
  await day(options.days, false);

  const final = await listAll(world.registry);
  await mapBounded(final, parallel, async (terminal) => {
    if (terminal.status !== 'parked') return bump(report.final, terminal.status);
    // How many parks a person will find were needed: is the stored key really dead?
    const alive = await keySigns(world, terminal.terminal_sn);
    bump(report.final, `parked:${terminal.last_error?.code ?? 'none'}:${alive ? 'key_works' : 'key_dead'}`);
  });
  // After the last run nothing may still wait to be judged.
  for (const terminal of final) if (terminal.status === 'activating' || terminal.checkin_in_flight !== undefined) bricked.add(terminal.terminal_sn);
  report.brickedSilently = [...bricked].sort();
  // A device is resolved when it has a terminal or a person was called (needs_attention).
  for (const device of devices) {
    const last = activation.get(device);
    if (last !== 'activated' && last !== 'needs_attention') report.activationsUnresolved.push(`${device}:${last ?? 'never'}`);
  }
  return report;
}

async function listAll(registry: TerminalRegistry) {
  const all = [];
  let cursor: string | undefined;
  do {
    const page = await registry.listFleet(100, cursor);
    all.push(...page.terminals);
    cursor = page.cursor;
  } while (cursor !== undefined);
  return all;
}

/** Whether the sandbox takes the stored current or previous key of the terminal. */
async function keySigns(world: TerminalChaosWorld, terminalSn: string): Promise<boolean> {
  for (const read of [() => world.verdictKeys.current(terminalSn), () => world.verdictKeys.previous(terminalSn)]) {
    const key = await read().catch(() => undefined);
    if (key !== undefined && (await signs(world.upay, terminalSn, key.terminal_key))) return true;
  }
  return false;
}

/** Whether the sandbox takes `key` for the terminal: a query signed with it is not ILLEGAL_SIGN. */
async function signs(upay: UpayClient, terminalSn: string, key: string): Promise<boolean> {
  const outcome = await upay.query({ sn: terminalSn, key }, { client_sn: 'chaos-probe' });
  if (outcome.kind === 'transport' && outcome.failure.kind !== 'illegal_sign') throw new Error(`probe of ${terminalSn} failed: ${outcome.failure.kind}`);
  return !(outcome.kind === 'transport' && outcome.failure.kind === 'illegal_sign');
}

export function terminalChaosSummary(report: TerminalChaosReport, options: TerminalChaosOptions): string {
  const sorted = (counts: Record<string, number>) => JSON.stringify(Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b))));
  return [
    `terminal chaos: terminals ${options.terminals}, days ${options.days}, fault rate ${options.faultRate}, seed ${options.seed}`,
    `invocations by outcome: ${sorted(report.outcomes)}`,
    `faults injected: ${sorted(report.faults)}`,
    `kills by await point: ${sorted(report.kills)}`,
    `terminals by final status: ${sorted(report.final)}`,
    ...report.brickedSilently.slice(0, 20).map((sn) => `  bricked silently: ${sn}`),
    ...report.activationsUnresolved.slice(0, 20).map((device) => `  activation unresolved: ${device}`),
    `activations_unresolved: ${report.activationsUnresolved.length}`,
    `bricked_silently: ${report.brickedSilently.length}`,
  ].join('\n');
}
