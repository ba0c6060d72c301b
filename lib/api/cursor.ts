// Opaque page cursors: the position to resume from, bound to the query it came from, so a
// cursor of another query (another store, day or filter) is a 400 naming `cursor`, never a
// page of something else.
import { createHash } from 'node:crypto';
import { ApiError } from './errors.js';

const scopeOf = (query: unknown) => createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 16);

export function encodeCursor(query: unknown, position: unknown): string {
  return Buffer.from(JSON.stringify({ q: scopeOf(query), p: position }), 'utf8').toString('base64url');
}

/** The position in `cursor`, checked by `valid`; undefined without a cursor. */
export function decodeCursor<T>(cursor: string | undefined, query: unknown, valid: (position: unknown) => position is T): T | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const { q, p } = (parsed ?? {}) as { q?: unknown; p?: unknown };
  if (q !== scopeOf(query) || !valid(p)) throw new ApiError('VALIDATION_FAILED', 'cursor: is not a cursor of this query', 'cursor');
  return p;
}

export const isString = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 512;

/** A DynamoDB key of string attributes, exactly the `names`. */
export const isKeyOf =
  (names: readonly string[]) =>
  (value: unknown): value is Record<string, string> =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === names.length && names.every((name) => isString((value as Record<string, unknown>)[name]));
