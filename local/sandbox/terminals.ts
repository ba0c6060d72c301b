import { DAY_MS } from './clock.js';
import type { SandboxClock } from './clock.js';
import type { Entropy } from './entropy.js';
import type { ActivateRequest, CheckinRequest } from './requests.js';
import { signatureMatches } from './signature.js';

export interface VendorCredentials {
  vendor_sn: string;
  vendor_key: string;
  app_id: string;
}

export interface ActivationCodeGrant {
  code: string;
  uses: number;
  store_id: string;
}

export const DEFAULT_STORE_ID = 'store-1';
export const ACTIVATION_CODE_LIFETIME_MS = 7 * DAY_MS;

interface ActivationCode {
  readonly storeId: string;
  readonly expiresAt: number;
  usesLeft: number;
}

export interface Terminal {
  readonly sn: string;
  readonly storeId: string;
  readonly deviceId: string;
  readonly name?: string;
  readonly activatedAt: number;
  currentKey: string;
  previousKey?: string;
  checkins: number;
  lastCheckinAt?: number;
}

export type TerminalOutcome = { terminal: Terminal } | { errorCode: string; errorMessage: string };

export class TerminalRegistry {
  readonly #codes = new Map<string, ActivationCode>();
  readonly #terminals = new Map<string, Terminal>();
  readonly #devicesByStore = new Map<string, Set<string>>();
  readonly #activationClientSns = new Set<string>();

  constructor(
    private readonly clock: SandboxClock,
    private readonly entropy: Entropy,
  ) {}

  issueCode(uses: number, storeId: string, lifetimeMs = ACTIVATION_CODE_LIFETIME_MS, code?: string): string {
    let issued = code ?? this.entropy.digits(8);
    while (code === undefined && this.#codes.has(issued)) issued = this.entropy.digits(8);
    this.#codes.set(issued, { storeId, usesLeft: uses, expiresAt: this.clock.now() + lifetimeMs });
    return issued;
  }

  activate(request: ActivateRequest): TerminalOutcome {
    const code = this.#codes.get(request.code);
    if (code === undefined) return refusal('ACTIVATION_CODE_NOT_EXISTS', 'no such activation code');
    if (this.clock.now() >= code.expiresAt) return refusal('ACTIVATION_CODE_EXPIRED', 'the activation code has expired');
    if (code.usesLeft <= 0) return refusal('ACTIVATION_CODE_USED_UP', 'the activation code has no uses left');
    const devices = this.#devicesByStore.get(code.storeId) ?? new Set<string>();
    if (devices.has(request.deviceId)) {
      return refusal('DEVICE_ID_ALREADY_USED', 'this device_id already activated a terminal in this store');
    }
    if (request.clientSn !== undefined && this.#activationClientSns.has(request.clientSn)) {
      return refusal('CLIENT_SN_CONFLICT', 'client_sn already used for an activation of this app');
    }
    code.usesLeft -= 1;
    devices.add(request.deviceId);
    this.#devicesByStore.set(code.storeId, devices);
    if (request.clientSn !== undefined) this.#activationClientSns.add(request.clientSn);
    const terminal: Terminal = {
      sn: this.#newTerminalSn(),
      storeId: code.storeId,
      deviceId: request.deviceId,
      name: request.name,
      activatedAt: this.clock.now(),
      currentKey: this.entropy.hex(32),
      checkins: 0,
    };
    this.#terminals.set(terminal.sn, terminal);
    return { terminal };
  }

  // Rotation keeps exactly two keys: after two check-ins a key is gone, which is what makes
  // two lost check-in replies in a row fatal for a careless holder (protocol §3.2).
  checkIn(terminal: Terminal, request: CheckinRequest): TerminalOutcome {
    if (request.deviceId !== terminal.deviceId) {
      return refusal('DEVICE_ID_MISMATCH', 'device_id is not the one this terminal was activated with');
    }
    terminal.previousKey = terminal.currentKey;
    terminal.currentKey = this.entropy.hex(32);
    terminal.checkins += 1;
    terminal.lastCheckinAt = this.clock.now();
    return { terminal };
  }

  find(sn: string): Terminal | undefined {
    return this.#terminals.get(sn);
  }

  acceptsSignature(terminal: Terminal, body: Buffer, sign: string): boolean {
    return (
      signatureMatches(body, terminal.currentKey, sign) ||
      (terminal.previousKey !== undefined && signatureMatches(body, terminal.previousKey, sign))
    );
  }

  #newTerminalSn(): string {
    let sn = `1000${this.entropy.digits(14)}`;
    while (this.#terminals.has(sn)) sn = `1000${this.entropy.digits(14)}`;
    return sn;
  }
}

function refusal(errorCode: string, errorMessage: string): TerminalOutcome {
  return { errorCode, errorMessage };
}
