// Activation: vendor-signed, once per (store, device). Each step leaves a durable trace before
// the step that could lose something:
//  1. the claim on (store, device), written right before the provider call and kept until it
//     is released (nothing activated) or names its terminal: a claim that outlived its lease
//     unreleased is an attempt that died after the provider may have activated (never retried
//     blindly: the code may be used up);
//  2. the issued terminal, registered as `activating` before its key is written: an attempt
//     killed during the key write leaves a terminal the terminal GET shows and that the retry
//     or the fleet run finishes (key found in the store) or parks as ACTIVATION_KEY_LOST;
//  3. the key, then the terminal made `active`.
// Every way of ending without a stored key counts a metric that alarms (TerminalKeyTrouble).
import { checkRequest, UpayRequestError, type ActivateRequest, type Credentials } from '../upay/index.js';
import { KeyNotFoundError, type StoredKey } from '../keys/index.js';
import type { Terminal } from '../store/terminal-registry.js';
import { withRetries, type RetryBudget } from './retry.js';
import { KEY_WRITE_RETRY, type TerminalDeps } from './deps.js';
import { describeFailure } from './provider-failure.js';
import { DB_CALL_MS, KEY_CALL_MS } from './budget.js';

export interface ActivationRequest {
  store_id: string;
  device_id: string;
  activation_code: string;
  name?: string;
}

export interface ActivationOptions {
  /** Milliseconds left in the invocation; write retries stop in time for the steps after them. */
  remainingMs?: () => number;
}

export type ActivationResult =
  | { kind: 'activated'; terminal: Terminal; created: boolean }
  /** The provider refused: code unknown, expired or used up, device id already used. */
  | { kind: 'refused'; code: string; message: string }
  /** Another activation of the same device is under way. */
  | { kind: 'busy' }
  /** Nothing was activated (provider unreachable or erroring); safe to retry. */
  | { kind: 'unavailable'; reason: string }
  /** The provider may have activated a terminal whose key we do not hold: a person must look. */
  | { kind: 'needs_attention'; reason: string };

/** Longer than any activation (the activate Lambda's timeout): a claim this old has no live holder. */
export const CLAIM_LEASE_MS = 120_000;

const REGISTER_RETRY = { attempts: 3, delaysMs: [200, 1_000] };

export async function activateTerminal(deps: TerminalDeps, request: ActivationRequest, options: ActivationOptions = {}): Promise<ActivationResult> {
  const { registry, telemetry } = deps;
  const vendor = await deps.keys.vendor();
  const providerRequest = { app_id: vendor.app_id, code: request.activation_code, device_id: request.device_id, ...(request.name ? { name: request.name } : {}) };
  try {
    checkRequest.activate(providerRequest);
  } catch (error) {
    // The provider calls it `code`; our API (and so the caller) calls it `activation_code`.
    if (error instanceof UpayRequestError && error.field === 'code') throw new UpayRequestError('activation_code', error.reason);
    throw error;
  }
  const claim = await registry.claimActivation(request.store_id, request.device_id, deps.now(), CLAIM_LEASE_MS);
  if (claim.kind === 'busy') return { kind: 'busy' };
  if (claim.kind === 'interrupted') {
    telemetry.count('ActivationInterrupted');
    telemetry.error('an earlier activation of this device died after calling the provider', { store_id: request.store_id, device_id: request.device_id, since: new Date(claim.since).toISOString() });
    return { kind: 'needs_attention', reason: 'an earlier activation of this device stopped after the provider may have activated it; see DEPLOY.md, "Interrupted activation"' };
  }
  if (claim.kind === 'activated') return resume(deps, claim.terminal_sn, request);

  // No catch: after a throw the provider may have activated, so the claim stays as the trace.
  const result = await activateClaimed(deps, request, { sn: vendor.vendor_sn, key: vendor.vendor_key }, providerRequest, options);
  if (result.kind === 'refused' || result.kind === 'unavailable') await registry.releaseActivation(request.store_id, request.device_id, deps.now());
  telemetry.count(result.kind === 'activated' ? 'TerminalActivated' : 'TerminalActivationFailed');
  telemetry.info('activation finished', { store_id: request.store_id, device_id: request.device_id, outcome: result.kind });
  return result;
}

async function activateClaimed(deps: TerminalDeps, request: ActivationRequest, vendor: Credentials, providerRequest: ActivateRequest, options: ActivationOptions): Promise<ActivationResult> {
  const { keys, registry, telemetry } = deps;
  const outcome = await deps.upay.activate(vendor, providerRequest, { timeoutMs: deps.providerTimeoutMs });
  if (outcome.kind === 'rejected') {
    return { kind: 'refused', code: outcome.error_code ?? 'ACTIVATION_REFUSED', message: outcome.error_message ?? 'activation refused' };
  }
  if (outcome.kind === 'transport') {
    const failure = describeFailure(outcome.failure);
    if (failure.applied === 'no') return { kind: 'unavailable', reason: failure.reason };
    telemetry.count('ActivationInterrupted');
    return { kind: 'needs_attention', reason: `activation outcome unknown: ${failure.reason}` };
  }

  const now = new Date(deps.now()).toISOString();
  const terminal: Terminal = {
    terminal_sn: outcome.terminal_sn,
    store_id: request.store_id,
    device_id: request.device_id,
    ...(request.name ? { name: request.name } : {}),
    status: 'activating',
    activated_at: now,
    key_stored_at: now,
  };
  // Each write leaves room for the ones after it: the key write and the final registry write.
  const budget = (after: number): RetryBudget => ({ remainingMs: () => (options.remainingMs?.() ?? Infinity) - after, attemptMs: DB_CALL_MS });
  let registered = true;
  try {
    // Idempotent (a client request token), so a retry after a lost reply is safe.
    await withRetries(REGISTER_RETRY, () => registry.register(terminal), budget(KEY_CALL_MS + DB_CALL_MS));
  } catch (error) {
    registered = false;
    telemetry.error('activated terminal could not be registered', { terminal_sn: terminal.terminal_sn, error: (error as Error).name });
    telemetry.count('TerminalNotRegistered');
  }
  try {
    await withRetries(deps.keyWriteRetry ?? KEY_WRITE_RETRY, () => keys.create({ terminal_sn: outcome.terminal_sn, terminal_key: outcome.terminal_key, device_id: request.device_id }), {
      remainingMs: () => (options.remainingMs?.() ?? Infinity) - DB_CALL_MS,
      attemptMs: KEY_CALL_MS,
    });
  } catch (error) {
    telemetry.error('activated terminal key could not be stored', { terminal_sn: outcome.terminal_sn, error: (error as Error).name });
    telemetry.count('TerminalKeyLost');
    return { kind: 'needs_attention', reason: `terminal ${outcome.terminal_sn} was activated but its key could not be stored` };
  }
  if (!registered) {
    return { kind: 'needs_attention', reason: `terminal ${terminal.terminal_sn} was activated and its key stored, but it could not be registered` };
  }
  try {
    await withRetries(REGISTER_RETRY, () => registry.completeActivation(terminal.terminal_sn, now), budget(0));
  } catch (error) {
    telemetry.error('activated terminal could not be marked active', { terminal_sn: terminal.terminal_sn, error: (error as Error).name });
    return { kind: 'needs_attention', reason: `terminal ${terminal.terminal_sn} was activated and its key stored; retry the activation to finish it` };
  }
  return { kind: 'activated', terminal: { ...terminal, status: 'active' }, created: true };
}

/** A retried activation finds the terminal its claim names. */
async function resume(deps: TerminalDeps, terminalSn: string, request: ActivationRequest): Promise<ActivationResult> {
  const terminal = await deps.registry.get(terminalSn);
  if (!terminal || terminal.store_id !== request.store_id || terminal.device_id !== request.device_id) {
    return { kind: 'needs_attention', reason: 'activation claim names a terminal the registry does not hold for this device' };
  }
  if (terminal.status !== 'activating') return { kind: 'activated', terminal, created: false };
  // Its attempt may still be writing the key: judged only once that attempt must be over.
  if (deps.now() - Date.parse(terminal.activated_at) <= CLAIM_LEASE_MS) return { kind: 'busy' };
  return finishInterruptedActivation(deps, terminal);
}

/**
 * An `activating` terminal whose attempt is over: active if its key reached the store, else
 * parked as ACTIVATION_KEY_LOST (the provider holds a terminal we have no key for).
 */
export async function finishInterruptedActivation(deps: TerminalDeps, terminal: Terminal): Promise<ActivationResult> {
  const { registry, telemetry } = deps;
  let stored: StoredKey | undefined;
  try {
    stored = await deps.keys.currentStored(terminal.terminal_sn);
  } catch (error) {
    if (!(error instanceof KeyNotFoundError)) throw error;
  }
  if (stored) {
    const at = stored.stored_at.toISOString();
    await registry.completeActivation(terminal.terminal_sn, at);
    telemetry.warn('an interrupted activation had stored its key; terminal is active', { terminal_sn: terminal.terminal_sn });
    return { kind: 'activated', terminal: { ...terminal, status: 'active', key_stored_at: at }, created: false };
  }
  const at = new Date(deps.now()).toISOString();
  await registry.markActivationKeyLost(terminal.terminal_sn, { code: 'ACTIVATION_KEY_LOST', message: 'the provider activated this terminal but its key was never stored', at });
  telemetry.count('TerminalKeyLost');
  telemetry.error('an interrupted activation lost the key of a terminal the provider activated', { terminal_sn: terminal.terminal_sn });
  return { kind: 'needs_attention', reason: `terminal ${terminal.terminal_sn} was activated but its key was never stored; see DEPLOY.md, "Interrupted activation"` };
}
