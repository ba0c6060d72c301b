// Helpers for the security tests: raw HTTP (any method, path, header and body, byte for byte,
// which fetch would normalise or refuse), the ledger table as a whole, the provider's request
// counts, the keys the local key store holds, and the error shapes a caller may see.
import { createServer, request } from 'node:http';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { SignJWT, importJWK, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { LOCAL_AWS } from '../../../local/dynamodb.js';
import { LOCAL_AUDIENCE, LOCAL_ISSUER } from '../../../local/tokens.js';
import { sandboxControl } from './local-stack.js';

export interface RawAnswer {
  status: number;
  contentType: string | undefined;
  text: string;
}

export interface RawRequest {
  method: string;
  /** Sent exactly as given (no dot-segment or percent normalisation). */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One request over a fresh connection, the bytes exactly as given. */
export function rawRequest(baseUrl: string, options: RawRequest): Promise<RawAnswer> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body, 'utf8');
    const outgoing = request(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        agent: false,
        headers: { ...(body !== undefined ? { 'content-length': String(body.length) } : {}), ...options.headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export type ErrorShape = { kind: 'api'; code: string; message: string; field?: string } | { kind: 'gateway'; message: string };

/**
 * What an error answer must look like: our `{"error":{"code","message","field"?}}`, or the
 * local API Gateway's own `{"message"}` (which it uses for 400, 401, 404 and 413 only).
 * Returns a description of the problem, or undefined when the shape is right.
 */
export function errorShapeProblem(answer: RawAnswer): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `status ${answer.status} with a body that is not JSON: ${JSON.stringify(answer.text.slice(0, 200))}`;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `status ${answer.status} with a JSON body that is not an object`;
  const record = body as Record<string, unknown>;
  if ('error' in record) {
    const error = record.error;
    if (Object.keys(record).length !== 1) return 'the error body has keys besides "error"';
    if (typeof error !== 'object' || error === null || Array.isArray(error)) return '"error" is not an object';
    const { code, message, field, ...rest } = error as Record<string, unknown>;
    if (typeof code !== 'string' || !/^[A-Z_]+$/.test(code)) return `"error.code" is not a code: ${JSON.stringify(code)}`;
    if (typeof message !== 'string' || message === '') return '"error.message" is not a non-empty string';
    if (field !== undefined && typeof field !== 'string') return '"error.field" is not a string';
    if (Object.keys(rest).length > 0) return `"error" has unexpected keys ${Object.keys(rest).join(', ')}`;
    return undefined;
  }
  if ([400, 401, 404, 413].includes(answer.status) && typeof record.message === 'string' && Object.keys(record).length === 1) return undefined;
  return `status ${answer.status} with an unexpected error body ${answer.text.slice(0, 200)}`;
}

/** Every item of the table, each as canonical JSON, sorted: two snapshots are equal iff nothing was written. */
export async function tableSnapshot(endpoint: string, tableName: string): Promise<string[]> {
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  try {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    return items.map(canonical).sort();
  } finally {
    client.destroy();
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export interface ProviderStats {
  requests: number;
  by_path: Record<string, number>;
}

export async function providerStats(sandboxUrl: string): Promise<ProviderStats> {
  return (await sandboxControl(sandboxUrl, 'GET', 'stats')) as ProviderStats;
}

interface StoredKey {
  terminal_key?: unknown;
}

interface KeyFile {
  vendor?: { vendor_key?: unknown };
  terminals?: Record<string, { current?: StoredKey; previous?: StoredKey }>;
}

/** The secrets the local key store holds now: the vendor key and every terminal's current and previous key. */
export function storedSecrets(stackDir: string): string[] {
  const file = JSON.parse(readFileSync(join(stackDir, 'keys.json'), 'utf8')) as KeyFile;
  const secrets: string[] = [];
  if (typeof file.vendor?.vendor_key === 'string') secrets.push(file.vendor.vendor_key);
  for (const record of Object.values(file.terminals ?? {})) {
    for (const key of [record.current, record.previous]) if (typeof key?.terminal_key === 'string') secrets.push(key.terminal_key);
  }
  return secrets;
}

/** Where a secret (or any 16-character run of it, to catch a truncated leak) occurs in `text`. */
export function secretLeaks(text: string, secrets: Iterable<string>): string[] {
  const found: string[] = [];
  for (const secret of secrets) {
    const window = Math.min(16, secret.length);
    for (let start = 0; start + window <= secret.length; start += 1) {
      const piece = secret.slice(start, start + window);
      const at = text.indexOf(piece);
      if (at >= 0) {
        found.push(`${secret.slice(0, 4)}… (a run of ${window} characters of it) at offset ${at}: …${text.slice(Math.max(0, at - 80), at + window + 20)}…`);
        break;
      }
    }
  }
  return found;
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` (every 25 ms, at most `tries` times); throws if it never holds. */
export async function eventually(condition: () => Promise<boolean>, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries; i += 1) {
    if (await condition()) return;
    await pause(25);
  }
  throw new Error(`never happened: ${what}`);
}

export interface MintOptions {
  /** Claims of the payload; `undefined` values are left out. */
  claims: Record<string, unknown>;
  issuer?: string;
  audience?: string;
  /** Seconds from now; a negative value makes an expired token; `null` leaves `exp` out. */
  expiresIn?: number | null;
  notBefore?: number;
  /** Another key than the stack's (a token from an impostor). */
  key?: CryptoKey;
}

/** A token signed with the stack's own JWT key (read from `<dir>/jwt-key.json`), claims as given. */
export async function mintToken(stackDir: string, options: MintOptions): Promise<string> {
  const key = options.key ?? (await stackJwtKey(stackDir));
  const now = Math.floor(Date.now() / 1000);
  const claims = Object.fromEntries(Object.entries(options.claims).filter(([, value]) => value !== undefined)) as JWTPayload;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(options.issuer ?? LOCAL_ISSUER)
    .setAudience(options.audience ?? LOCAL_AUDIENCE)
    .setIssuedAt(now);
  if (options.expiresIn !== null) jwt = jwt.setExpirationTime(now + (options.expiresIn ?? 3600));
  if (options.notBefore !== undefined) jwt = jwt.setNotBefore(now + options.notBefore);
  return jwt.sign(key);
}

async function stackJwtKey(stackDir: string): Promise<CryptoKey> {
  const { privateJwk } = JSON.parse(readFileSync(join(stackDir, 'jwt-key.json'), 'utf8')) as { privateJwk: JWK };
  return (await importJWK(privateJwk, 'RS256')) as CryptoKey;
}

/** The public half of the stack's JWT key, as a JWK (for algorithm-confusion forgeries). */
export function stackPublicJwk(stackDir: string): JWK {
  return (JSON.parse(readFileSync(join(stackDir, 'jwt-key.json'), 'utf8')) as { publicJwk: JWK }).publicJwk;
}

export interface CapturedCallback {
  authorization: string | undefined;
  body: Buffer;
}

export interface CallbackReceiver {
  /** Give this to the stack as `NOTIFY_URL`: the provider's callbacks then come here, not to the stack. */
  url: string;
  callbacks: CapturedCallback[];
  /** The first captured callback whose JSON body names `client_sn`, waiting for it if need be. */
  waitFor(clientSn: string): Promise<CapturedCallback>;
  close(): Promise<void>;
}

/** Stands in for our notify route: records each callback byte for byte and answers `success`. */
export async function startCallbackReceiver(): Promise<CallbackReceiver> {
  const callbacks: CapturedCallback[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      callbacks.push({ authorization: incoming.headers.authorization, body: Buffer.concat(chunks) });
      response.end('success');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const names = (callback: CapturedCallback, clientSn: string) => {
    try {
      return (JSON.parse(callback.body.toString('utf8')) as { client_sn?: unknown }).client_sn === clientSn;
    } catch {
      return false;
    }
  };
  return {
    url: `http://127.0.0.1:${address.port}/notify`,
    callbacks,
    async waitFor(clientSn) {
      let found: CapturedCallback | undefined;
      await eventually(async () => (found = callbacks.find((callback) => names(callback, clientSn))) !== undefined, `a callback for ${clientSn}`);
      if (!found) throw new Error('unreachable');
      return found;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Effects {
  providerRequests: number;
  byPath: Record<string, number>;
  table: string[];
}

export interface EffectProbe {
  /** The provider's request counts and every ledger item, now. */
  now(): Promise<Effects>;
  /** Runs `act` and asserts that it asked the provider nothing and wrote nothing to the ledger. */
  unchangedBy<T>(act: () => Promise<T>): Promise<T>;
}

export function effectProbe(sandboxUrl: string, dynamoEndpoint: string, tableName: string): EffectProbe {
  const now = async (): Promise<Effects> => {
    const stats = await providerStats(sandboxUrl);
    return { providerRequests: stats.requests, byPath: stats.by_path, table: await tableSnapshot(dynamoEndpoint, tableName) };
  };
  return {
    now,
    async unchangedBy(act) {
      const before = await now();
      const result = await act();
      const after = await now();
      expect(after.byPath, 'provider requests by path').toEqual(before.byPath);
      expect(after.table, 'ledger items').toEqual(before.table);
      return result;
    },
  };
}

/** One item of the ledger table as stored (plain values). */
export async function ledgerItem(dynamoEndpoint: string, tableName: string, key: { pk: string; sk: string }): Promise<Record<string, unknown> | undefined> {
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ ...LOCAL_AWS, endpoint: dynamoEndpoint }));
  try {
    return (await client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;
  } finally {
    client.destroy();
  }
}

export interface ProviderExchange {
  path: string;
  request: Buffer;
  /** Undefined when the provider closed the connection without a reply. */
  reply: Buffer | undefined;
}

export interface RecordingProxy {
  /** Give this to the stack as `UPAY_BASE_URL`. */
  url: string;
  /** Where to forward (the sandbox's URL, known only once the stack has started it). */
  target: string;
  exchanges: ProviderExchange[];
  close(): Promise<void>;
}

/** A pass-through between our backend and the provider that keeps every request and reply. */
export async function startRecordingProxy(): Promise<RecordingProxy> {
  const exchanges: ProviderExchange[] = [];
  const proxy: RecordingProxy = { url: '', target: '', exchanges, close: async () => undefined };
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const path = incoming.url ?? '/';
      const body = Buffer.concat(chunks);
      const { host: _host, connection: _connection, ...headers } = incoming.headers;
      const upstream = request(new URL(path, proxy.target), { method: incoming.method, headers, agent: false }, (reply) => {
        const replyChunks: Buffer[] = [];
        reply.on('data', (chunk: Buffer) => replyChunks.push(chunk));
        reply.on('end', () => {
          const text = Buffer.concat(replyChunks);
          exchanges.push({ path, request: body, reply: text });
          const { 'content-length': _length, 'transfer-encoding': _encoding, connection: _close, ...replyHeaders } = reply.headers;
          outgoing.writeHead(reply.statusCode ?? 502, { ...replyHeaders, 'content-length': String(text.length) });
          outgoing.end(text);
        });
        reply.on('error', () => {
          exchanges.push({ path, request: body, reply: Buffer.concat(replyChunks) });
          outgoing.destroy();
        });
      });
      upstream.on('error', () => {
        exchanges.push({ path, request: body, reply: undefined });
        outgoing.destroy();
      });
      upstream.end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  proxy.url = `http://127.0.0.1:${address.port}`;
  proxy.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return proxy;
}

/** Every `terminal_key` the provider sent in a reply, whole or (in a truncated reply) the part that came. */
export function keysInReplies(exchanges: readonly ProviderExchange[]): string[] {
  const keys: string[] = [];
  for (const { reply } of exchanges) {
    for (const match of (reply?.toString('utf8') ?? '').matchAll(/"terminal_key"\s*:\s*"([^"]*)/g)) if ((match[1] ?? '').length >= 8) keys.push(match[1] ?? '');
  }
  return [...new Set(keys)];
}
