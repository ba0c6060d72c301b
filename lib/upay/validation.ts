import { UpayRequestError } from './errors.js';
import type { Credentials, Extended, GoodsDetail } from './types.js';

// Lengths are counted in characters (code points), as the provider counts them: a 64-character
// Chinese `subject` is as valid as a 64-character ASCII one. Our API's schemas, this module and
// the sandbox apply the same rule.

const MAX_CENTS = 9_999_999_999; // "≤ 10 digits"
const MAX_EXTENDED_KEYS = 24;
const MAX_EXTENDED_KEY_CHARS = 64;
const MAX_EXTENDED_VALUE_CHARS = 256;
const DECIMAL_DEGREES = /^-?\d{1,3}(\.\d{1,15})?$/;

/**
 * What free text may not hold: control characters (NUL, line breaks…), bidi overrides and
 * isolates (which make a stored order number read differently from what it is), invisible
 * separators (zero-width space, word joiner: two order numbers that read the same), U+FFFD (bytes
 * that were not UTF-8 on the way in) and lone surrogates (which cannot be sent as UTF-8).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what it finds
const UNSAFE_CHARACTER = /[\u0000-\u001F\u007F-\u009F\u061C\u180E\u200B\u200E\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\uFFFD]|\p{Cs}/u;

/** The length of `value` as the provider counts it: characters, not UTF-16 units or bytes. */
export function characters(value: string): number {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
}

/** Why `value` cannot be sent as free text, or undefined when it can. */
export function unsafeTextProblem(value: string): string | undefined {
  const found = UNSAFE_CHARACTER.exec(value)?.[0];
  if (found === undefined) return undefined;
  const codePoint = `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return `must not contain control, line-break, bidi-control or replacement characters (found ${codePoint})`;
}

function fail(field: string, reason: string): never {
  throw new UpayRequestError(field, reason);
}

/** A required, non-empty string of printable text, at most `maxChars` characters. */
export function text(value: unknown, field: string, maxChars?: number): string {
  if (value === undefined || value === null) fail(field, 'is required');
  if (typeof value !== 'string') fail(field, 'must be a string');
  if (value.length === 0) fail(field, 'must not be empty');
  const unsafe = unsafeTextProblem(value);
  if (unsafe) fail(field, unsafe);
  if (maxChars !== undefined && characters(value) > maxChars) fail(field, `must be at most ${maxChars} characters`);
  return value;
}

export function optionalText(value: unknown, field: string, maxChars?: number): string | undefined {
  return value === undefined ? undefined : text(value, field, maxChars);
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  const given = text(value, field);
  if (!(allowed as readonly string[]).includes(given)) fail(field, `must be one of ${allowed.join(', ')}`);
  return given as T;
}

export function digits(value: unknown, field: string, count: number): string {
  const given = text(value, field);
  if (given.length !== count || !/^\d+$/.test(given)) fail(field, `must be ${count} digits`);
  return given;
}

function wholeNumber(value: unknown, field: string, min: number, what: string): string {
  if (value === undefined || value === null) fail(field, 'is required');
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(field, `must be ${what} as an integer`);
  if (value < min) fail(field, `must be at least ${min}`);
  if (value > MAX_CENTS) fail(field, 'must have at most 10 digits');
  return String(value);
}

/** Integer cents, 1 … 9 999 999 999, as the wire string. */
export function cents(value: unknown, field: string): string {
  return wholeNumber(value, field, 1, 'cents');
}

export function credentials(value: unknown, snField: string, keyField: string): Credentials {
  if (typeof value !== 'object' || value === null) fail(snField, 'credentials are required');
  const { sn, key } = value as Partial<Credentials>;
  const checkedSn = text(sn, snField);
  // The Authorization header is "<sn> <sign>": whitespace in the sn would shift the sign.
  if (/\s/.test(checkedSn)) fail(snField, 'must not contain whitespace');
  return { sn: checkedSn, key: text(key, keyField) };
}

export function requestObject(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('request', 'must be an object');
  return value as Record<string, unknown>;
}

function plainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function extended(value: unknown, field = 'extended'): Extended | undefined {
  if (value === undefined) return undefined;
  if (!plainObject(value)) fail(field, 'must be a JSON object');
  const entries = Object.entries(value);
  if (entries.length > MAX_EXTENDED_KEYS) fail(field, `must have at most ${MAX_EXTENDED_KEYS} keys`);
  const checked: Extended = {};
  for (const [key, entry] of entries) {
    if (key.length === 0 || characters(key) > MAX_EXTENDED_KEY_CHARS || unsafeTextProblem(key)) {
      fail(field, `keys must be 1 to ${MAX_EXTENDED_KEY_CHARS} printable characters`);
    }
    checked[key] = text(entry, `${field}.${key}`, MAX_EXTENDED_VALUE_CHARS);
  }
  return checked;
}

/** Goods lines on the wire: every value a string, like every amount. */
export type WireGoodsDetail = Record<'goods_id' | 'goods_name' | 'quantity' | 'price', string> & {
  promotion_type?: string;
};

export function goodsDetails(value: unknown, field = 'goods_details'): WireGoodsDetail[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) fail(field, 'must be an array');
  return value.map((item: unknown, index) => {
    const at = `${field}[${index}]`;
    if (!plainObject(item)) fail(at, 'must be an object');
    const line = item as Partial<Record<keyof GoodsDetail, unknown>>;
    const wire: WireGoodsDetail = {
      goods_id: text(line.goods_id, `${at}.goods_id`),
      goods_name: text(line.goods_name, `${at}.goods_name`),
      quantity: wholeNumber(line.quantity, `${at}.quantity`, 1, 'a count'),
      // A free line (gift, sample) is a real goods line; the order total stays positive.
      price: wholeNumber(line.price, `${at}.price`, 0, 'cents'),
    };
    const promotion = optionalText(line.promotion_type, `${at}.promotion_type`);
    if (promotion !== undefined) wire.promotion_type = promotion;
    return wire;
  });
}

export function coordinates(
  longitude: unknown,
  latitude: unknown,
): { longitude: string; latitude: string } | undefined {
  if (longitude === undefined && latitude === undefined) return undefined;
  if (longitude === undefined) fail('longitude', 'is required when latitude is given');
  if (latitude === undefined) fail('latitude', 'is required when longitude is given');
  return {
    longitude: degrees(longitude, 'longitude', 180),
    latitude: degrees(latitude, 'latitude', 90),
  };
}

function degrees(value: unknown, field: string, limit: number): string {
  const given = text(value, field);
  if (!DECIMAL_DEGREES.test(given) || Math.abs(Number(given)) > limit) {
    fail(field, `must be decimal degrees between -${limit} and ${limit}`);
  }
  return given;
}

export function notifyUrl(value: unknown, field = 'notify_url'): string | undefined {
  const given = optionalText(value, field, 128);
  if (given === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    fail(field, 'must be an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(field, 'must be an http or https URL');
  return given;
}
