// The local stand-in for the Cognito user pool + API Gateway JWT authorizer: it signs
// tokens with a local RSA key and verifies them the way the authorizer does (signature,
// issuer, audience, expiry), then hands the claims over as strings, as API Gateway does.
import { SignJWT, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type CryptoKey } from 'jose';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GROUPS_CLAIM, STORE_CLAIM, type Role } from '../lib/api/auth.js';

export const LOCAL_ISSUER = 'https://upay-local.invalid/issuer';
export const LOCAL_AUDIENCE = 'upay-local-app';
const ALG = 'RS256';

export interface TokenRequest {
  store_id: string;
  role: Role;
  subject?: string;
  ttlSeconds?: number;
}

export interface LocalIssuer {
  sign(request: TokenRequest): Promise<string>;
  /** The authorizer: the token's claims as API Gateway passes them, or undefined if refused. */
  verify(token: string): Promise<Record<string, string> | undefined>;
}

async function keyPair(file?: string): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey }> {
  if (file && existsSync(file)) {
    const { privateJwk, publicJwk } = JSON.parse(readFileSync(file, 'utf8')) as { privateJwk: JWK; publicJwk: JWK };
    return { privateKey: (await importJWK(privateJwk, ALG)) as CryptoKey, publicKey: (await importJWK(publicJwk, ALG)) as CryptoKey };
  }
  const pair = await generateKeyPair(ALG, { extractable: true });
  if (file) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ privateJwk: await exportJWK(pair.privateKey), publicJwk: await exportJWK(pair.publicKey) }), { mode: 0o600 });
  }
  return pair;
}

const asClaim = (value: unknown): string => (Array.isArray(value) ? `[${value.join(' ')}]` : String(value));

/** `file` keeps the signing key across restarts so printed tokens stay valid. */
export async function localIssuer(file?: string): Promise<LocalIssuer> {
  const { privateKey, publicKey } = await keyPair(file);
  return {
    sign: ({ store_id, role, subject, ttlSeconds }) =>
      new SignJWT({ [STORE_CLAIM]: store_id, [GROUPS_CLAIM]: [role] })
        .setProtectedHeader({ alg: ALG })
        .setIssuer(LOCAL_ISSUER)
        .setAudience(LOCAL_AUDIENCE)
        .setSubject(subject ?? `${role}@${store_id}`)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds ?? 12 * 3600}s`)
        .sign(privateKey),
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, { issuer: LOCAL_ISSUER, audience: LOCAL_AUDIENCE, algorithms: [ALG], requiredClaims: ['exp'] });
        return Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, asClaim(value)]));
      } catch {
        return undefined;
      }
    },
  };
}
