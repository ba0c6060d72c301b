import { KeyStoreError } from './port.js';
import type { TerminalKey, VendorCredentials } from './port.js';

/**
 * Validation and (de)serialisation shared by the adapters. Every message names fields only:
 * the values being checked are key material.
 */

type Fields<T> = Record<keyof T, string>;

function pickStrings<T>(value: unknown, fields: readonly (keyof T & string)[], what: string): Fields<T> {
  if (typeof value !== 'object' || value === null) throw new KeyStoreError(`${what} is not an object`);
  const picked: Partial<Fields<T>> = {};
  for (const field of fields) {
    const fieldValue: unknown = (value as Record<string, unknown>)[field];
    if (typeof fieldValue !== 'string' || fieldValue === '') {
      throw new KeyStoreError(`${what}: ${field} must be a non-empty string`);
    }
    picked[field] = fieldValue;
  }
  return picked as Fields<T>;
}

const TERMINAL_KEY_FIELDS = ['terminal_sn', 'terminal_key', 'device_id'] as const;
const VENDOR_FIELDS = ['vendor_sn', 'vendor_key', 'app_id'] as const;

/** A well-formed copy of `value` with exactly the key fields, or a `KeyStoreError`. */
export function toTerminalKey(value: unknown, what: string): TerminalKey {
  return pickStrings<TerminalKey>(value, TERMINAL_KEY_FIELDS, what);
}

/** Like `toTerminalKey`, and the key must belong to `terminalSn` (guards against a mixed-up secret). */
export function storedTerminalKey(value: unknown, terminalSn: string): TerminalKey {
  const key = toTerminalKey(value, `stored key of terminal ${terminalSn}`);
  if (key.terminal_sn !== terminalSn) {
    throw new KeyStoreError(`stored key of terminal ${terminalSn} names another terminal`);
  }
  return key;
}

export function toVendorCredentials(value: unknown, what: string): VendorCredentials {
  return pickStrings<VendorCredentials>(value, VENDOR_FIELDS, what);
}

/** The canonical text of a key: fixed field order, so equal keys give equal text (and equal version tokens). */
export function terminalKeyJson(key: TerminalKey): string {
  const { terminal_sn, terminal_key, device_id } = key;
  return JSON.stringify({ terminal_sn, terminal_key, device_id });
}

export function sameKey(a: TerminalKey, b: TerminalKey): boolean {
  return terminalKeyJson(a) === terminalKeyJson(b);
}

/** `JSON.parse` quotes the offending input in its message, so its error must not travel. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new KeyStoreError(`${what} is not valid JSON`);
  }
}
