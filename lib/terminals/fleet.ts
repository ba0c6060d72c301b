// The daily fleet check-in: pages through every terminal with bounded concurrency, paces
// key writes, carries on past failures, and stops taking work when the invocation's time
// runs short, handing back a cursor to resume from. A terminal checked in recently is
// skipped, so a resumed or repeated run never rotates a key twice in a day. It also finishes
// activations that died during their key write (an `activating` terminal past its claim lease),
// and schedules retired terminals' keys for deletion once their refunds are over.
import { checkInTerminal, type CheckinResult } from './checkin.js';
import { CLAIM_LEASE_MS, finishInterruptedActivation } from './activation.js';
import type { TerminalDeps } from './deps.js';
import type { Pacer } from './pacer.js';
import type { Terminal } from '../store/terminal-registry.js';
import { deleteRetiredKeys } from './retired-keys.js';

export interface FleetOptions {
  cursor?: string;
  concurrency: number;
  pacer: Pacer;
  /** Milliseconds left in this invocation. */
  remainingMs: () => number;
  /** Stop starting check-ins when less than this is left (a check-in's worst case). */
  reserveMs: number;
  /** A terminal checked in less than this ago is skipped. */
  minIntervalMs: number;
  pageSize: number;
}

export interface FleetReport {
  checked_in: number;
  failed: number;
  unconfirmed: number;
  parked: number;
  skipped: number;
  /** Activations that died in their key write, found and judged (finished or parked). */
  interrupted_activations: number;
  /** Retired terminals whose key was scheduled for deletion, their refund period over. */
  keys_scheduled_for_deletion: number;
  /** Set when the run stopped early: resume from here. */
  cursor?: string;
}

export async function checkInFleet(deps: TerminalDeps, options: FleetOptions): Promise<FleetReport> {
  const report: FleetReport = { checked_in: 0, failed: 0, unconfirmed: 0, parked: 0, skipped: 0, interrupted_activations: 0, keys_scheduled_for_deletion: 0 };
  const workers = new Workers(options.concurrency);
  // A page's ending (its legacy moves) waits for its check-ins and for every page before it.
  let pagesEnded: Promise<void> = Promise.resolve();
  let cursor = options.cursor;
  try {
    for (;;) {
      const page = await deps.registry.listFleet(options.pageSize, cursor);
      const interrupted = page.terminals.filter((terminal) => terminal.status === 'activating' && deps.now() - Date.parse(terminal.activated_at) > CLAIM_LEASE_MS);
      for (const terminal of interrupted) await judgeActivation(deps, terminal, report);
      if (deps.keyRetirement) report.keys_scheduled_for_deletion += await deleteRetiredKeys({ ...deps, keyRetirement: deps.keyRetirement }, page.terminals);
      const due = page.terminals.filter((terminal) => isDue(terminal, deps.now(), options.minIntervalMs));
      report.skipped += page.terminals.length - due.length - interrupted.length;
      // No barrier between pages: the next page is listed as soon as this one's check-ins are
      // all started, while they run.
      const started = await startPage(deps, options, workers, due, report);
      if (started === undefined) {
        // Resume at this page's start: the terminals it did finish are skipped as recent.
        report.cursor = cursor ?? '';
        break;
      }
      // Only once the page is done: moved earlier, a terminal the page did not reach would sit in a shard the resumed walk has passed.
      const legacy = page.legacy ?? [];
      pagesEnded = pagesEnded.then(async () => {
        await started.ended;
        for (const terminalSn of legacy) await shardLegacy(deps, terminalSn);
      });
      if (page.cursor === undefined) break;
      cursor = page.cursor;
    }
  } finally {
    // Nothing is left running when the run returns or throws (a Lambda would freeze it mid-call).
    await workers.idle();
    await pagesEnded;
  }
  deps.telemetry.count('FleetCheckedIn', report.checked_in);
  deps.telemetry.count('FleetCheckinFailed', report.failed + report.unconfirmed);
  deps.telemetry.count('FleetParked', report.parked);
  deps.telemetry.info('fleet check-in finished', { ...report });
  return report;
}

// An unconfirmed terminal's stored key is the provider's "previous": it signs for as long as
// no further check-in happens, and one more loss would brick it. So its retry waits for the
// next daily run (not a resumed run minutes later, in the same provider incident).
export function isDue(terminal: Terminal, nowMs: number, minIntervalMs: number): boolean {
  // A parked terminal is visited only to judge a check-in left in flight on it.
  if (terminal.status === 'parked') return terminal.checkin_in_flight !== undefined;
  if (terminal.status === 'activating' || terminal.status === 'retired') return false;
  const last = terminal.status === 'checkin_unconfirmed' ? terminal.last_error?.at : terminal.checked_in_at;
  return last === undefined || nowMs - Date.parse(last) >= minIntervalMs;
}

/**
 * Starts the page's check-ins as workers free up; resolves once all are started, with their
 * end, or undefined when time ran short before the last one (the ones started still end).
 */
async function startPage(deps: TerminalDeps, options: FleetOptions, workers: Workers, terminals: Terminal[], report: FleetReport): Promise<{ ended: Promise<void> } | undefined> {
  const checkins: Promise<void>[] = [];
  for (const terminal of terminals) {
    await workers.free();
    await options.pacer.take();
    // Judged after the pacer's wait, which spends the invocation too.
    if (options.remainingMs() < options.reserveMs) return undefined;
    checkins.push(workers.run(async () => tally(report, await checkInSafely(deps, terminal, options))));
  }
  // Wrapped: an async function returning the promise itself would wait for it.
  return { ended: Promise.all(checkins).then(() => undefined) };
}

/** At most `concurrency` tasks at once; a task never rejects (checkInSafely catches). */
class Workers {
  private running = 0;
  private waiting: (() => void)[] = [];
  private readonly all = new Set<Promise<void>>();

  constructor(private readonly concurrency: number) {}

  /** Resolves when a worker is free to take a task (right away if one is). */
  async free(): Promise<void> {
    while (this.running >= this.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Runs `task` on a worker; call after `free`. */
  run(task: () => Promise<void>): Promise<void> {
    this.running += 1;
    const done = task().finally(() => {
      this.running -= 1;
      this.all.delete(done);
      this.waiting.shift()?.();
    });
    this.all.add(done);
    return done;
  }

  async idle(): Promise<void> {
    while (this.all.size > 0) await Promise.all(this.all);
  }
}

// A terminal registered before the fleet was sharded is checked in all the same (the walk
// reads its legacy partition too); moving it only puts it in its store's listing. A failure
// is left for the next run.
async function shardLegacy(deps: TerminalDeps, terminalSn: string): Promise<void> {
  try {
    await deps.registry.shardLegacyTerminal(terminalSn);
  } catch (error) {
    deps.telemetry.warn('terminal not moved into its fleet shard; the next run tries again', { terminal_sn: terminalSn, error: (error as Error).name });
  }
}

async function judgeActivation(deps: TerminalDeps, terminal: Terminal, report: FleetReport): Promise<void> {
  try {
    const result = await finishInterruptedActivation(deps, terminal);
    report.interrupted_activations += 1;
    if (result.kind !== 'activated') report.parked += 1;
  } catch (error) {
    deps.telemetry.error('judging an interrupted activation threw', { terminal_sn: terminal.terminal_sn, error: (error as Error).name });
    report.failed += 1;
  }
}

async function checkInSafely(deps: TerminalDeps, listed: Terminal, options: FleetOptions): Promise<CheckinResult> {
  const terminalSn = listed.terminal_sn;
  try {
    return await checkInTerminal(deps, terminalSn, { remainingMs: options.remainingMs, listed, due: (found) => isDue(found, deps.now(), options.minIntervalMs) });
  } catch (error) {
    // One terminal's failure (e.g. the key store throttling) must not stop the fleet.
    deps.telemetry.error('check-in threw', { terminal_sn: terminalSn, error: (error as Error).name, detail: (error as Error).message });
    return { kind: 'failed', terminal_sn: terminalSn, reason: (error as Error).name };
  }
}

function tally(report: FleetReport, result: CheckinResult): void {
  switch (result.kind) {
    case 'checked_in':
      report.checked_in += 1;
      return;
    case 'unconfirmed':
      report.unconfirmed += 1;
      return;
    case 'parked_now':
      report.parked += 1;
      return;
    case 'busy':
    case 'recent':
    case 'parked':
    case 'retired':
      report.skipped += 1;
      return;
    case 'failed':
    case 'not_found':
      report.failed += 1;
  }
}
