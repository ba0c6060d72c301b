// Check-in of one terminal, safe against every crash window (invariant 4; the state machine is
// in key-risk.ts and docs/reliability.md, "Terminal keys"):
//  - one check-in per terminal at a time (lease in the registry);
//  - before the provider is called, the registry records the check-in as in flight with the
//    key that signs it, and with the status the terminal has if this call is lost (write-ahead:
//    a run killed anywhere after that point leaves the terminal already judged, e.g. parked);
//  - for a terminal the fleet's listing shows idle, the lease and that record are one write,
//    taken only while the terminal is still as listed (else the lease comes first, as above);
//  - a run that finds such a trace judges it first: if the stored key moved since, the dead run
//    stored its new key (active); if not, its possible loss is already in the status;
//  - the new key is stored before anything else, retried only while the invocation and the
//    lease leave time for one more attempt and the registry write that ends the check-in;
//  - a possible loss (reply lost, a 500 that is not maintenance, new key not stored) moves the
//    terminal one step towards parked; a second one parks it, and the refusal of the stored
//    key parks it at once. A parked terminal raises TerminalParked and is left to an admin.
import { randomUUID } from 'node:crypto';
import type { StoredKey } from '../keys/index.js';
import type { CheckinFinish, CheckinInFlight, Terminal, TerminalStatus } from '../store/terminal-registry.js';
import { withRetries } from './retry.js';
import { KEY_WRITE_RETRY, type TerminalDeps } from './deps.js';
import { describeFailure } from './provider-failure.js';
import { afterPossibleLoss } from './key-risk.js';
import { CHECKIN_LEASE_MS, DB_CALL_MS, KEY_CALL_MS } from './budget.js';

export type CheckinResult =
  | { kind: 'checked_in'; terminal_sn: string }
  /** Another check-in of this terminal holds the lease. */
  | { kind: 'busy'; terminal_sn: string }
  /** Checked in (or its check-in lost) by another run since the caller's listing: not due any more. */
  | { kind: 'recent'; terminal_sn: string }
  | { kind: 'not_found'; terminal_sn: string }
  /** Parked terminals are checked in only when an admin forces it. */
  | { kind: 'parked'; terminal_sn: string }
  /** Retired terminals are never checked in. */
  | { kind: 'retired'; terminal_sn: string }
  /** Definitely no rotation happened; the stored key is still current. */
  | { kind: 'failed'; terminal_sn: string; reason: string }
  /** The key may have rotated without us holding the new one. */
  | { kind: 'unconfirmed' | 'parked_now'; terminal_sn: string; reason: string };

export interface CheckinOptions {
  /** An admin's explicit check-in: also runs on a parked terminal. */
  force?: boolean;
  /** Milliseconds left in the invocation; key-write retries stop in time to record the outcome. */
  remainingMs?: () => number;
  /**
   * The terminal as the fleet's listing showed it. When it shows the usual case (active or
   * unconfirmed, nothing in flight), the lease and the in-flight record are one write, on
   * condition that the terminal is still as listed; otherwise the lease is taken first.
   */
  listed?: Terminal;
  /**
   * The caller's due check (the fleet's interval), applied again under the lease to a terminal
   * with nothing in flight: another run may have checked it in, or lost its check-in, since the
   * listing, and one more check-in in the same incident would be its second possible loss.
   */
  due?: (terminal: Terminal) => boolean;
}

export async function checkInTerminal(deps: TerminalDeps, terminalSn: string, options: CheckinOptions = {}): Promise<CheckinResult> {
  const owner = randomUUID();
  const leasedAt = deps.now();
  const leaseEnd = leasedAt + CHECKIN_LEASE_MS;
  // What is left for this check-in: the invocation's time and the lease, whichever ends first.
  const remainingMs = () => Math.min(options.remainingMs?.() ?? Infinity, leaseEnd - deps.now());
  if (options.listed !== undefined && !options.force && isIdle(options.listed)) {
    const settled = await settle(deps, new LeasedCheckin(deps, options.listed, owner, remainingMs, false, leasedAt));
    if (settled !== undefined) return settled;
  }
  const lease = await deps.registry.acquireCheckinLease(terminalSn, owner, deps.now(), CHECKIN_LEASE_MS, options.force);
  if (lease.kind !== 'leased') {
    deps.telemetry.count(METRIC[lease.kind]);
    return { kind: lease.kind, terminal_sn: terminalSn };
  }
  const found = lease.terminal;
  if (options.due !== undefined && found.checkin_in_flight === undefined && !options.due(found)) {
    // Freed as found (its last error kept): nothing was sent.
    await deps.registry.finishCheckin(terminalSn, owner, { status: found.status, ...(found.last_error ? { last_error: found.last_error } : {}), clear_in_flight: false });
    deps.telemetry.count(METRIC.recent);
    return { kind: 'recent', terminal_sn: terminalSn };
  }
  return (await settle(deps, new LeasedCheckin(deps, lease.terminal, owner, remainingMs, options.force === true))) as CheckinResult;
}

/** Nothing in flight and a status that is checked in as it is: no earlier check-in to judge. */
const isIdle = (terminal: Terminal) => terminal.checkin_in_flight === undefined && (terminal.status === 'active' || terminal.status === 'checkin_unconfirmed');

/** Runs the check-in and ends it under its lease; undefined when the terminal was not as listed (no lease taken). */
async function settle(deps: TerminalDeps, run: LeasedCheckin): Promise<CheckinResult | undefined> {
  const terminalSn = run.terminalSn;
  let finish: CheckinFinish;
  let outcome: Outcome;
  try {
    const executed = await run.execute();
    if (executed === NOT_AS_LISTED) return undefined;
    outcome = executed;
    finish = run.finish(outcome);
  } catch (error) {
    // Thrown by a registry, key store or provider call: whatever is in flight stays recorded,
    // unjudged, for the next run (as if this one had died here).
    outcome = { kind: 'failed', reason: (error as Error).name };
    finish = { ...run.unsettled(), last_error: { code: 'CHECKIN_FAILED', message: outcome.reason, at: run.at() } };
  }
  if (!(await deps.registry.finishCheckin(terminalSn, run.owner, finish))) {
    deps.telemetry.warn('check-in lease was lost before the registry was updated', { terminal_sn: terminalSn });
  }
  const result = toResult(terminalSn, outcome, finish.status);
  deps.telemetry.count(METRIC[result.kind]);
  const log = result.kind === 'checked_in' ? deps.telemetry.info : deps.telemetry.warn;
  log('check-in finished', { terminal_sn: terminalSn, outcome: result.kind, status: finish.status, reason: 'reason' in result ? result.reason : undefined });
  return result;
}

/** The terminal changed since it was listed (or its key could not be read before the lease): take the lease first. */
const NOT_AS_LISTED = Symbol('not as listed');

const METRIC: Record<CheckinResult['kind'], string> = {
  checked_in: 'CheckinSucceeded',
  failed: 'CheckinFailed',
  unconfirmed: 'CheckinUnconfirmed',
  parked_now: 'TerminalParked',
  busy: 'CheckinBusy',
  recent: 'CheckinSkippedRecent',
  not_found: 'CheckinFailed',
  parked: 'CheckinSkippedParked',
  retired: 'CheckinSkippedRetired',
};

function toResult(terminalSn: string, outcome: Outcome, status: TerminalStatus): CheckinResult {
  if (outcome.kind === 'checked_in') return { kind: 'checked_in', terminal_sn: terminalSn };
  if (status === 'parked') return { kind: 'parked_now', terminal_sn: terminalSn, reason: outcome.reason };
  if (outcome.kind === 'failed') return { kind: 'failed', terminal_sn: terminalSn, reason: outcome.reason };
  return { kind: 'unconfirmed', terminal_sn: terminalSn, reason: outcome.reason };
}

type Outcome =
  | { kind: 'checked_in' }
  /** Nothing rotated. */
  | { kind: 'failed'; reason: string }
  /** The provider may have rotated without us storing the new key. */
  | { kind: 'lost'; reason: string }
  /** The provider refused the stored key: it is dead. */
  | { kind: 'key_refused'; reason: string }
  /** Judging an earlier interrupted check-in left the terminal parked: not called again. */
  | { kind: 'parked_by_recovery'; reason: string };

class LeasedCheckin {
  /** The terminal's status once an interrupted earlier check-in is accounted for. */
  status: TerminalStatus;
  private recovered: { checked_in_at: string; key_stored_at: string } | undefined;
  private inFlight = false;
  /** The status written with the in-flight record: what this check-in leaves if it is lost. */
  private ifLost: TerminalStatus;

  /**
   * `listedAt`: the terminal is as listed, not leased yet; the lease (from then) is taken with
   * the in-flight record. Absent: the caller holds the lease, and the terminal is as leased.
   */
  constructor(
    private readonly deps: TerminalDeps,
    private readonly terminal: Terminal,
    readonly owner: string,
    private readonly remainingMs: () => number,
    private readonly force: boolean,
    private readonly listedAt?: number,
  ) {
    this.status = terminal.status;
    this.ifLost = afterPossibleLoss(terminal.status);
  }

  get terminalSn(): string {
    return this.terminal.terminal_sn;
  }

  at(): string {
    return new Date(this.deps.now()).toISOString();
  }

  async execute(): Promise<Outcome | typeof NOT_AS_LISTED> {
    if (this.listedAt !== undefined) return this.executeAsListed(this.listedAt);
    const { deps, terminal } = this;
    const stored = await deps.keys.currentStored(terminal.terminal_sn);
    this.judgeInterrupted(stored);
    if (this.status === 'parked' && !this.force) {
      return { kind: 'parked_by_recovery', reason: 'an interrupted check-in was the second possible loss in a row' };
    }
    this.ifLost = afterPossibleLoss(this.status);
    const marked = await deps.registry.markCheckinInFlight(terminal.terminal_sn, this.owner, { status: this.ifLost, ...this.recovered, in_flight: this.inFlightRecord(stored) });
    if (!marked) return { kind: 'failed', reason: 'lease lost before the provider call' };
    this.inFlight = true;
    return this.callProvider(stored);
  }

  /**
   * The key is read before the lease: only a check-in moves it, and a check-in since the
   * listing changed what the write's condition pins (its in-flight record while it runs, the
   * status or last check-in it leaves, the lease), so the key read is the one the listed
   * terminal signs with.
   */
  private async executeAsListed(nowMs: number): Promise<Outcome | typeof NOT_AS_LISTED> {
    const { deps, terminal } = this;
    const stored = await deps.keys.currentStored(terminal.terminal_sn).catch(() => undefined);
    if (stored === undefined) return NOT_AS_LISTED;
    const leased = await deps.registry.leaseAndMarkInFlight(terminal.terminal_sn, this.owner, nowMs, CHECKIN_LEASE_MS, terminal, { status: this.ifLost, in_flight: this.inFlightRecord(stored) });
    if (!leased) return NOT_AS_LISTED;
    this.inFlight = true;
    return this.callProvider(stored);
  }

  private inFlightRecord(stored: StoredKey): CheckinInFlight {
    return { started_at: this.at(), signed_with_key_stored_at: stored.stored_at.toISOString() };
  }

  /** The provider call and the new key's write, the in-flight record written. */
  private async callProvider(stored: StoredKey): Promise<Outcome> {
    const { deps, terminal } = this;
    const outcome = await deps.upay.checkin(
      { sn: terminal.terminal_sn, key: stored.key.terminal_key },
      { device_id: terminal.device_id },
      { timeoutMs: deps.providerTimeoutMs },
    );
    if (outcome.kind === 'rejected') return { kind: 'failed', reason: outcome.error_code ?? 'CHECKIN_REFUSED' };
    if (outcome.kind === 'transport') {
      if (outcome.failure.kind === 'illegal_sign') return { kind: 'key_refused', reason: 'the provider refused the stored key (ILLEGAL_SIGN)' };
      const failure = describeFailure(outcome.failure);
      return failure.applied === 'no' ? { kind: 'failed', reason: failure.reason } : { kind: 'lost', reason: `reply lost: ${failure.reason}` };
    }
    try {
      await withRetries(
        deps.keyWriteRetry ?? KEY_WRITE_RETRY,
        () => deps.keys.rotate({ terminal_sn: terminal.terminal_sn, terminal_key: outcome.terminal_key, device_id: terminal.device_id }),
        // Room for the attempt and, after it, the registry write that records the outcome.
        { remainingMs: () => this.remainingMs() - DB_CALL_MS, attemptMs: KEY_CALL_MS },
      );
    } catch (error) {
      deps.telemetry.error('new terminal key could not be stored', { terminal_sn: terminal.terminal_sn, error: (error as Error).name });
      return { kind: 'lost', reason: 'new key not stored' };
    }
    return { kind: 'checked_in' };
  }

  /** The registry write that ends the check-in. */
  finish(outcome: Outcome): CheckinFinish {
    const at = this.at();
    const clear_in_flight = true;
    switch (outcome.kind) {
      case 'checked_in':
        return { status: 'active', checked_in_at: at, key_stored_at: at, clear_in_flight };
      case 'failed':
        if (!this.inFlight) return { ...this.unsettled(), last_error: { code: 'CHECKIN_FAILED', message: outcome.reason, at } };
        return { status: this.status, last_error: { code: 'CHECKIN_FAILED', message: outcome.reason, at }, clear_in_flight };
      case 'lost':
        return { status: this.ifLost, last_error: { code: 'CHECKIN_UNCONFIRMED', message: outcome.reason, at }, clear_in_flight };
      case 'key_refused':
        return { status: 'parked', last_error: { code: 'KEY_REFUSED', message: outcome.reason, at }, clear_in_flight };
      case 'parked_by_recovery':
        return { status: 'parked', last_error: { code: 'CHECKIN_INTERRUPTED', message: outcome.reason, at }, clear_in_flight };
    }
  }

  /**
   * The registry as durable so far, for a run that stops without knowing its outcome: the status
   * it recorded with its in-flight record, or, before that, the terminal as found (so an earlier
   * trace is judged once, by the next run, and never counted twice).
   */
  unsettled(): CheckinFinish {
    return { status: this.inFlight ? this.ifLost : this.terminal.status, clear_in_flight: false };
  }

  /**
   * An in-flight record left by a run that died (its lease ran out): if the stored key moved
   * since it was written, that run stored its new key; otherwise it was a possible loss, which
   * the status written with the record already counts.
   */
  private judgeInterrupted(stored: StoredKey): void {
    const trace = this.terminal.checkin_in_flight;
    if (trace === undefined) return;
    const storedAt = stored.stored_at.toISOString();
    this.deps.telemetry.count('CheckinInterrupted');
    if (storedAt !== trace.signed_with_key_stored_at) {
      this.status = 'active';
      this.recovered = { checked_in_at: storedAt, key_stored_at: storedAt };
      this.deps.telemetry.warn('an interrupted check-in had stored its new key', { terminal_sn: this.terminal.terminal_sn, started_at: trace.started_at });
      return;
    }
    this.deps.telemetry.warn('an interrupted check-in counts as a possible loss', { terminal_sn: this.terminal.terminal_sn, started_at: trace.started_at, status: this.status });
  }
}
