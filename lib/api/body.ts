// The request body as the caller sent it: the raw bytes of the API Gateway v2 event (which
// base64-encodes bodies it does not treat as text), bounded, and decoded as strict UTF-8 so
// that bytes which are not UTF-8 are refused instead of being stored as U+FFFD.
import { ApiError } from './errors.js';
import type { HttpEvent } from './route.js';

export const MAX_BODY_BYTES = 16 * 1024;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lenientUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/** The body's bytes, or undefined when there is none; 413 past MAX_BODY_BYTES. */
export function bodyBytes(event: Pick<HttpEvent, 'body' | 'isBase64Encoded'>): Buffer | undefined {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new ApiError('PAYLOAD_TOO_LARGE', `the body exceeds ${MAX_BODY_BYTES} bytes`);
  return bytes;
}

/** The JSON field whose text holds the first undecodable byte, when the rest of the body is JSON. */
function fieldWithBadBytes(bytes: Buffer): string | undefined {
  const search = (value: unknown, path: string[]): string | undefined => {
    if (typeof value === 'string') return value.includes('\uFFFD') ? path.join('.') || undefined : undefined;
    if (typeof value !== 'object' || value === null) return undefined;
    for (const [key, entry] of Object.entries(value)) {
      if (key.includes('\uFFFD')) return [...path, key].join('.');
      const found = search(entry, [...path, key]);
      if (found) return found;
    }
    return undefined;
  };
  try {
    return search(JSON.parse(lenientUtf8.decode(bytes)), []);
  } catch {
    return undefined;
  }
}

/** The body as text; 400 naming the field when its bytes are not UTF-8. */
export function utf8Text(bytes: Buffer): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const field = fieldWithBadBytes(bytes);
    throw new ApiError('INVALID_ENCODING', `${field ? `${field}: ` : ''}the body is not valid UTF-8`, field ?? 'body');
  }
}
