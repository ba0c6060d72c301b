// Activation: vendor-signed, once per (store, device). The key goes straight into the key
// store, then the terminal into the registry; a retry finds the terminal instead of
// burning another activation code.
import { checkRequest, UpayRequestError, type ActivateRequest, type Credentials } from '../upay/index.js';
import type { Terminal } from '../store/terminal-registry.js';
import { withRetries } from './retry.js';
import { KEY_WRITE_RETRY, type TerminalDeps } from './deps.js';
import { describeFailure } from './provider-failure.js';

export interface ActivationRequest {
  store_id: string;
  device_id: string;
  activation_code: string;
  name?: string;
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

const CLAIM_LEASE_MS = 120_000;

export async function activateTerminal(deps: TerminalDeps, request: ActivationRequest): Promise<ActivationResult> {
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
  if (claim.kind === 'activated') {
    const terminal = await registry.get(claim.terminal_sn);
    if (terminal && terminal.store_id === request.store_id && terminal.device_id === request.device_id) return { kind: 'activated', terminal, created: false };
    return { kind: 'needs_attention', reason: 'activation claim names a terminal the registry does not hold for this device' };
  }

  let result: ActivationResult;
  try {
    result = await activateClaimed(deps, request, { sn: vendor.vendor_sn, key: vendor.vendor_key }, providerRequest);
  } catch (error) {
    await registry.releaseActivation(request.store_id, request.device_id);
    throw error;
  }
  if (result.kind !== 'activated') await registry.releaseActivation(request.store_id, request.device_id);
  telemetry.count(result.kind === 'activated' ? 'TerminalActivated' : 'TerminalActivationFailed');
  telemetry.info('activation finished', { store_id: request.store_id, device_id: request.device_id, outcome: result.kind });
  return result;
}

async function activateClaimed(deps: TerminalDeps, request: ActivationRequest, vendor: Credentials, providerRequest: ActivateRequest): Promise<ActivationResult> {
  const { keys, registry, telemetry } = deps;
  const outcome = await deps.upay.activate(vendor, providerRequest, { timeoutMs: deps.providerTimeoutMs });
  if (outcome.kind === 'rejected') {
    return { kind: 'refused', code: outcome.error_code ?? 'ACTIVATION_REFUSED', message: outcome.error_message ?? 'activation refused' };
  }
  if (outcome.kind === 'transport') {
    const failure = describeFailure(outcome.failure);
    return failure.applied === 'no' ? { kind: 'unavailable', reason: failure.reason } : { kind: 'needs_attention', reason: `activation outcome unknown: ${failure.reason}` };
  }

  const now = new Date(deps.now()).toISOString();
  try {
    await withRetries(deps.keyWriteRetry ?? KEY_WRITE_RETRY, () => keys.create({ terminal_sn: outcome.terminal_sn, terminal_key: outcome.terminal_key, device_id: request.device_id }));
  } catch (error) {
    telemetry.error('activated terminal key could not be stored', { terminal_sn: outcome.terminal_sn, error: (error as Error).name });
    telemetry.count('TerminalKeyLost');
    return { kind: 'needs_attention', reason: `terminal ${outcome.terminal_sn} was activated but its key could not be stored` };
  }
  const terminal: Terminal = {
    terminal_sn: outcome.terminal_sn,
    store_id: request.store_id,
    device_id: request.device_id,
    ...(request.name ? { name: request.name } : {}),
    status: 'active',
    activated_at: now,
    key_stored_at: now,
  };
  try {
    // Idempotent (a client request token), so a retry after a lost reply is safe.
    await withRetries({ attempts: 3, delaysMs: [200, 1_000] }, () => registry.register(terminal));
  } catch (error) {
    telemetry.error('activated terminal could not be registered', { terminal_sn: terminal.terminal_sn, error: (error as Error).name });
    telemetry.count('TerminalNotRegistered');
    return { kind: 'needs_attention', reason: `terminal ${terminal.terminal_sn} was activated and its key stored, but it could not be registered` };
  }
  return { kind: 'activated', terminal, created: true };
}
