import { RequestRejected } from './wire.js';

export type JsonObject = Record<string, unknown>;

function invalid(field: string, problem: string): RequestRejected {
  return new RequestRejected('INVALID_PARAMS', `${field} ${problem}`);
}

// Limits are in characters (code points), not UTF-16 units or bytes: a 64-character Chinese
// subject is as valid as a 64-character ASCII one.
function characters(value: string): number {
  return value.length <= 1 ? value.length : [...value].length;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Request values are strings, as in every sample of the provider; `null` and, in every request,
// an empty string count as absent (the provider's PHP demo sends `"sub_payway": ""`).
export function optionalText(body: JsonObject, field: string, max?: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (max !== undefined && characters(value) > max) throw invalid(field, `must be at most ${max} characters`);
  return value;
}

export function requiredText(body: JsonObject, field: string, max?: number): string {
  const value = optionalText(body, field, max);
  if (value === undefined) throw invalid(field, 'is required');
  return value;
}

const CENTS = /^[1-9][0-9]{0,9}$/;

export function cents(body: JsonObject, field: string): number {
  const value = requiredText(body, field);
  if (!CENTS.test(value)) throw invalid(field, 'must be a positive whole number of cents: digits only, at most 10');
  return Number(value);
}

export function optionalChoice(body: JsonObject, field: string, allowed: ReadonlySet<string>): string | undefined {
  const value = optionalText(body, field);
  if (value !== undefined && !allowed.has(value)) throw invalid(field, `must be one of ${[...allowed].join(', ')}`);
  return value;
}

export function optionalUrl(body: JsonObject, field: string, max: number): string | undefined {
  const value = optionalText(body, field, max);
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(field, 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(field, 'must be an absolute http(s) URL');
  return value;
}

const DECIMAL = /^-?[0-9]{1,3}(\.[0-9]+)?$/;

export function checkCoordinates(body: JsonObject): void {
  const longitude = optionalText(body, 'longitude');
  const latitude = optionalText(body, 'latitude');
  if ((longitude === undefined) !== (latitude === undefined)) {
    throw invalid(longitude === undefined ? 'longitude' : 'latitude', 'must be sent together with its pair');
  }
  if (longitude !== undefined && !(DECIMAL.test(longitude) && Math.abs(Number(longitude)) <= 180)) {
    throw invalid('longitude', 'must be a decimal degree between -180 and 180');
  }
  if (latitude !== undefined && !(DECIMAL.test(latitude) && Math.abs(Number(latitude)) <= 90)) {
    throw invalid('latitude', 'must be a decimal degree between -90 and 90');
  }
}

const EXTENDED_MAX_KEYS = 24;
const EXTENDED_MAX_KEY = 64;
const EXTENDED_MAX_VALUE = 256;

export function checkExtended(body: JsonObject): void {
  const extended = body.extended;
  if (extended === undefined || extended === null || extended === '') return;
  if (!isJsonObject(extended)) throw invalid('extended', 'must be a JSON object');
  const entries = Object.entries(extended);
  if (entries.length > EXTENDED_MAX_KEYS) throw invalid('extended', `must have at most ${EXTENDED_MAX_KEYS} keys`);
  for (const [key, value] of entries) {
    if (characters(key) > EXTENDED_MAX_KEY) throw invalid('extended', `keys must be at most ${EXTENDED_MAX_KEY} characters`);
    if (typeof value !== 'string') throw invalid(`extended.${key}`, 'must be a string');
    if (characters(value) > EXTENDED_MAX_VALUE) {
      throw invalid(`extended.${key}`, `must be at most ${EXTENDED_MAX_VALUE} characters`);
    }
  }
}

const GOODS_FIELDS = ['goods_id', 'goods_name', 'quantity', 'price', 'promotion_type'] as const;

export function checkGoodsDetails(body: JsonObject): void {
  const goods = body.goods_details;
  if (goods === undefined || goods === null || goods === '') return;
  if (!Array.isArray(goods)) throw invalid('goods_details', 'must be an array');
  goods.forEach((item: unknown, index) => {
    if (!isJsonObject(item)) throw invalid(`goods_details[${index}]`, 'must be an object');
    for (const field of GOODS_FIELDS) {
      const value = item[field];
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw invalid(`goods_details[${index}].${field}`, 'is required (string or number)');
      }
    }
  });
}
