import { UpayRequestError } from './errors.js';
import type { Credentials, Extended, GoodsDetail } from './types.js';

// Lengths are counted in UTF-8 bytes. The protocol gives bare numbers ("≤ 64"); bytes are never
// fewer than characters, so a byte limit refuses everything a character limit would, and a
// Chinese `subject` that fits here fits the provider whichever way it counts.

const MAX_CENTS = 9_999_999_999; // "≤ 10 digits"
const MAX_EXTENDED_KEYS = 24;
const MAX_EXTENDED_KEY_BYTES = 64;
const MAX_EXTENDED_VALUE_BYTES = 256;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const DECIMAL_DEGREES = /^-?\d{1,3}(\.\d{1,15})?$/;

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function fail(field: string, reason: string): never {
  throw new UpayRequestError(field, reason);
}

/** A required, non-empty, well-formed string of at most `maxBytes` UTF-8 bytes. */
export function text(value: unknown, field: string, maxBytes?: number): string {
  if (value === undefined || value === null) fail(field, 'is required');
  if (typeof value !== 'string') fail(field, 'must be a string');
  if (value.length === 0) fail(field, 'must not be empty');
  // A lone surrogate would be sent as U+FFFD: not what the caller asked for.
  if (LONE_SURROGATE.test(value)) fail(field, 'must be well-formed Unicode');
  if (maxBytes !== undefined && utf8Length(value) > maxBytes) fail(field, `must be at most ${maxBytes} UTF-8 bytes`);
  return value;
}

export function optionalText(value: unknown, field: string, maxBytes?: number): string | undefined {
  return value === undefined ? undefined : text(value, field, maxBytes);
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
    if (key.length === 0 || utf8Length(key) > MAX_EXTENDED_KEY_BYTES || LONE_SURROGATE.test(key)) {
      fail(field, `keys must be 1 to ${MAX_EXTENDED_KEY_BYTES} UTF-8 bytes`);
    }
    checked[key] = text(entry, `${field}.${key}`, MAX_EXTENDED_VALUE_BYTES);
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
