import { createHash } from 'node:crypto';

/**
 * `md5_hex(body_bytes + key)`, lower-case. A string body is taken as its UTF-8 bytes; callers
 * that send bytes should sign those very bytes, since any re-serialisation changes the hash.
 */
export function sign(body: string | Uint8Array, key: string): string {
  return createHash('md5').update(body).update(key, 'utf8').digest('hex');
}
