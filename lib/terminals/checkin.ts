// Check-in of one terminal, safe against every crash window (invariant 4):
//  - one check-in per terminal at a time (lease in the registry);
//  - sign with the stored current key, read fresh (another instance may have rotated it);
//  - the new key is stored before anything else, with bounded retries;
//  - a check-in that may have rotated the key without us holding the new one leaves the
//    terminal `checkin_unconfirmed` (its stored key is still valid as the provider's
//    "previous" key, so the next attempt signs with it); a second such loss parks the
//    terminal, and no automatic check-in touches it until an admin acts.
import { randomUUID } from 'node:crypto';
import type { Terminal, TerminalError, TerminalStatus } from '../store/terminal-registry.js';
import { withRetries } from './retry.js';
import { KEY_WRITE_RETRY, type TerminalDeps } from './deps.js';
import { describeFailure } from './provider-failure.js';

export type CheckinResult =
  | { kind: 'checked_in'; terminal_sn: string }
  /** Another check-in of this terminal holds the lease. */
  | { kind: 'busy'; terminal_sn: string }
  | { kind: 'not_found'; terminal_sn: string }
  /** Parked terminals are checked in only when an admin forces it. */
  | { kind: 'parked'; terminal_sn: string }
  /** Definitely no rotation happened; the stored key is still current. */
  | { kind: 'failed'; terminal_sn: string; reason: string }
  /** The key may have rotated without us holding the new one. */
  | { kind: 'unconfirmed' | 'parked_now'; terminal_sn: string; reason: string };

export interface CheckinOptions {
  /** An admin's explicit check-in: also runs on a parked terminal. */
  force?: boolean;
}

const LEASE_MS = 90_000;

export async function checkInTerminal(deps: TerminalDeps, terminalSn: string, options: CheckinOptions = {}): Promise<CheckinResult> {
  const owner = randomUUID();
  const lease = await deps.registry.acquireCheckinLease(terminalSn, owner, deps.now(), LEASE_MS, options.force);
  if (lease.kind !== 'leased') {
    deps.telemetry.count(METRIC[lease.kind]);
    return { kind: lease.kind, terminal_sn: terminalSn };
  }

  let outcome: LeasedOutcome;
  try {
    outcome = await checkInLeased(deps, lease.terminal);
  } catch (error) {
    // Only what comes before the provider call can throw (the key read): nothing rotated.
    outcome = { kind: 'failed', reason: (error as Error).name };
  }
  const next = nextState(deps, lease.terminal, outcome);
  if (!(await deps.registry.finishCheckin(terminalSn, owner, next))) {
    deps.telemetry.warn('check-in lease was lost before the registry was updated', { terminal_sn: terminalSn });
  }
  const result = toResult(terminalSn, outcome, next.status);
  deps.telemetry.count(METRIC[result.kind]);
  const log = result.kind === 'checked_in' ? deps.telemetry.info : deps.telemetry.warn;
  log('check-in finished', { terminal_sn: terminalSn, outcome: result.kind, status: next.status, reason: 'reason' in result ? result.reason : undefined });
  return result;
}

const METRIC: Record<CheckinResult['kind'], string> = {
  checked_in: 'CheckinSucceeded',
  failed: 'CheckinFailed',
  unconfirmed: 'CheckinUnconfirmed',
  parked_now: 'TerminalParked',
  busy: 'CheckinBusy',
  not_found: 'CheckinFailed',
  parked: 'CheckinSkippedParked',
};

function toResult(terminalSn: string, outcome: LeasedOutcome, status: TerminalStatus): CheckinResult {
  if (outcome.kind === 'checked_in') return { kind: 'checked_in', terminal_sn: terminalSn };
  if (outcome.kind === 'failed') return { kind: 'failed', terminal_sn: terminalSn, reason: outcome.reason };
  return { kind: status === 'parked' ? 'parked_now' : 'unconfirmed', terminal_sn: terminalSn, reason: outcome.reason };
}

type LeasedOutcome = { kind: 'checked_in' } | { kind: 'failed'; reason: string } | { kind: 'lost'; reason: string };

async function checkInLeased(deps: TerminalDeps, terminal: Terminal): Promise<LeasedOutcome> {
  deps.keys.forget(terminal.terminal_sn);
  const current = await deps.keys.current(terminal.terminal_sn);
  const outcome = await deps.upay.checkin(
    { sn: terminal.terminal_sn, key: current.terminal_key },
    { device_id: terminal.device_id },
    { timeoutMs: deps.providerTimeoutMs },
  );
  if (outcome.kind === 'rejected') return { kind: 'failed', reason: outcome.error_code ?? 'CHECKIN_REFUSED' };
  if (outcome.kind === 'transport') {
    const failure = describeFailure(outcome.failure);
    return failure.applied === 'no' ? { kind: 'failed', reason: failure.reason } : { kind: 'lost', reason: `reply lost: ${failure.reason}` };
  }
  try {
    await withRetries(deps.keyWriteRetry ?? KEY_WRITE_RETRY, () =>
      deps.keys.rotate({ terminal_sn: terminal.terminal_sn, terminal_key: outcome.terminal_key, device_id: terminal.device_id }),
    );
  } catch (error) {
    deps.telemetry.error('new terminal key could not be stored', { terminal_sn: terminal.terminal_sn, error: (error as Error).name });
    return { kind: 'lost', reason: 'new key not stored' };
  }
  return { kind: 'checked_in' };
}

function nextState(
  deps: TerminalDeps,
  terminal: Terminal,
  outcome: LeasedOutcome,
): { status: TerminalStatus; checked_in_at?: string; key_stored_at?: string; last_error?: TerminalError } {
  const at = new Date(deps.now()).toISOString();
  switch (outcome.kind) {
    case 'checked_in':
      return { status: 'active', checked_in_at: at, key_stored_at: at };
    case 'failed':
      return { status: terminal.status, last_error: { code: 'CHECKIN_FAILED', message: outcome.reason, at } };
    case 'lost':
      return {
        status: terminal.status === 'active' ? 'checkin_unconfirmed' : 'parked',
        last_error: { code: 'CHECKIN_UNCONFIRMED', message: outcome.reason, at },
      };
  }
}
