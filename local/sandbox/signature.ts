import { createHash, timingSafeEqual } from 'node:crypto';

export interface Authorization {
  sn: string;
  sign: string;
}

const MD5_HEX = /^[0-9a-fA-F]{32}$/;

// `Authorization: <sn> <sign>` with exactly one space; anything else is not a signature.
export function parseAuthorization(header: string | undefined): Authorization | undefined {
  if (header === undefined) return undefined;
  const parts = header.split(' ');
  if (parts.length !== 2) return undefined;
  const [sn, sign] = parts as [string, string];
  if (sn === '' || !MD5_HEX.test(sign)) return undefined;
  return { sn, sign };
}

// Over the raw bytes as received: re-serialising the JSON would accept bodies the provider rejects.
export function md5Sign(body: Buffer, key: string): string {
  return createHash('md5').update(body).update(key, 'utf8').digest('hex');
}

export function signatureMatches(body: Buffer, key: string, sign: string): boolean {
  return timingSafeEqual(Buffer.from(md5Sign(body, key)), Buffer.from(sign.toLowerCase()));
}
