// The provider's callback: verified (SHA256withRSA over the raw body, with the provider's
// public key) before anything is read from it, and then only a hint to re-query the order
// (protocol §7): the body itself is never trusted as the order's state.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { PaymentDeps } from './deps.js';
import { orderIdFor } from './model.js';
import { refreshOrder } from './query.js';

export type NotifyResult =
  | { kind: 'accepted'; order_id?: string }
  /** The signature does not verify: not from the provider. */
  | { kind: 'forged'; reason: string }
  /** Signed, but not a callback we can read. */
  | { kind: 'malformed'; reason: string };

export function providerKey(pem: string): KeyObject {
  return createPublicKey(pem);
}

/** The key callbacks are verified with, or why there is none (then every callback is refused). */
export function callbackKey(pem: string | undefined): { key: KeyObject } | { problem: string } {
  if (!pem) return { problem: 'no provider public key is configured' };
  try {
    return { key: providerKey(pem) };
  } catch {
    return { problem: 'the configured provider public key is not a public key' };
  }
}

export function verifyCallback(rawBody: Buffer | string, authorization: string | undefined, key: KeyObject): { terminal_sn: string } | undefined {
  const match = /^(\S+) (\S+)$/.exec(authorization ?? '');
  if (!match) return undefined;
  const [, terminalSn, signature] = match as unknown as [string, string, string];
  try {
    return verify('sha256', typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody, key, Buffer.from(signature, 'base64')) ? { terminal_sn: terminalSn } : undefined;
  } catch {
    return undefined;
  }
}

export async function handleNotify(deps: PaymentDeps, rawBody: Buffer | string, authorization: string | undefined, key: KeyObject): Promise<NotifyResult> {
  const signer = verifyCallback(rawBody, authorization, key);
  if (!signer) return { kind: 'forged', reason: 'signature does not verify' };
  let clientSn: unknown;
  let terminalSn: unknown;
  try {
    const text = typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
    ({ client_sn: clientSn, terminal_sn: terminalSn } = JSON.parse(text) as Record<string, unknown>);
  } catch {
    return { kind: 'malformed', reason: 'body is not JSON' };
  }
  if (typeof clientSn !== 'string' || terminalSn !== signer.terminal_sn) return { kind: 'malformed', reason: "body does not name the signing terminal's order" };

  const found = await deps.ledger.getOrder(orderIdFor(clientSn));
  if (!found || found.order.terminal_sn !== signer.terminal_sn) {
    // Verified but not ours to settle: acknowledge so the provider stops retrying.
    deps.telemetry.warn('verified callback for an unknown order', { terminal_sn: signer.terminal_sn });
    deps.telemetry.count('NotifyIgnored');
    return { kind: 'accepted' };
  }
  await refreshOrder(deps, found);
  deps.telemetry.count('NotifyAccepted');
  return { kind: 'accepted', order_id: found.order.order_id };
}
