// Property-based abuse of every route of ROUTES through the local API Gateway: random and
// malformed bodies, wrong types and edge values per field, random headers, path parameters
// and query strings, oversized payloads, validly signed callbacks of any shape, and tokens with
// any store or groups. Whatever comes in:
//   - the answer is never a 5xx;
//   - an error is `{"error":{"code","message","field"?}}`, or the gateway's `{"message"}` (400/401/404/413);
//   - a 4xx asked the provider nothing and wrote nothing to the ledger (checked around every run).
// Seeds are fixed and run counts bounded so the file stays fast and every failure reproduces.
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import fc from 'fast-check';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { LocalStack } from '../../local/stack.js';
import { ROUTES, routeKey, type FunctionName, type RouteEntry } from '../../lib/api/routes.js';
import { payBody, precreateBody, refundBody, revokeBody } from '../../lib/api/schemas/payments.js';
import { activationBody } from '../../lib/api/schemas/terminals.js';
import { resolveBody } from '../../lib/api/schemas/records.js';
import { activate, barcode, call, startTestStack } from './helpers/local-stack.js';
import { effectProbe, errorShapeProblem, mintToken, rawRequest, startCallbackReceiver, type CallbackReceiver, type Effects, type RawAnswer } from './helpers/security.js';

const SEED = 20_261_126;
const STORE = 'fuzz-store';
const KIB = 1024;

const trusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

let stack: LocalStack;
let dir: string;
let tableName: string;
let receiver: CallbackReceiver;
let till: string;
let admin: string;
/** Paid orders the routes act on; each route that could use one up has its own. */
const orders = {} as Record<'query' | 'refund' | 'revoke' | 'cancel', { order_id: string; client_sn: string }>;
let sequence = 0;
const next = () => (sequence += 1);
const GHOST_TERMINAL = 'ghost-terminal';

// ---------------------------------------------------------------- JSON text, byte for byte

/** A JSON token written as-is (e.g. `-0`, `1e400`, `NaN`, or something that is not JSON at all). */
class Raw {
  constructor(readonly text: string) {}
}

/** An object as an ordered list of members: duplicate keys and `__proto__` stay members. */
class Members {
  constructor(readonly members: readonly (readonly [string, unknown])[]) {}
}

function jsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Members) return `{${value.members.map(([key, member]) => `${JSON.stringify(key)}:${jsonText(member)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') return jsonText(new Members(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

/** What the handler would see, or undefined when the text is not JSON. */
function parsed(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- generators

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const character = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 2, arbitrary: fc.constantFrom('\u0000', '"', '\\', '/', '#', '%', '.', '\u2028', '\uFEFF', '\u202E', '茶', '😀', 'ß', '\r\n') },
);
const text = fc.string({ unit: character, maxLength: 40 });
const hugeText = fc.tuple(fc.constantFrom('a', '茶', '😀', '\\u0000'), fc.integer({ min: 1, max: 6_000 })).map(([unit, count]) => unit.repeat(count));

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', '$where'];

const edgeValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    0, 1, -1, 1.5, 1e21, -1e21, 1e-7, 2 ** 53, 2 ** 53 + 2, 9_999_999_999, 10_000_000_000, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER,
    'NaN', 'Infinity', '-Infinity', '1e21', '0x10', '1000', ' 1000', '-0', '', ' ', 'null', 'true', '\u0000', '\ud800', '\udfff\ud800',
    null, true, false, [], {}, [1], [null], { $gt: 0 }, { $ne: '' },
    new Raw('-0'), new Raw('1e21'), new Raw('1E400'), new Raw('-1e-400'), new Raw('1.0'), new Raw('100000000000000000000000000001'),
    new Raw('NaN'), new Raw('Infinity'), new Raw('-Infinity'), new Raw('undefined'), new Raw('01'), new Raw('.5'), new Raw('+1'), new Raw('0x10'),
    new Raw('"\\ud800"'), new Raw('"\\u0000"'), new Raw('"a'), new Raw(''),
    new Members([['__proto__', { polluted: 'yes' }]]), new Members([['constructor', { prototype: { polluted: 'yes' } }]]),
  ),
  text,
  hugeText,
  fc.integer(),
  fc.double(),
  fc.integer({ min: 1, max: 3_000 }).map((depth) => new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`)),
  fc.integer({ min: 1, max: 1_500 }).map((depth) => new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc.jsonValue({ maxDepth: 3, stringUnit: character }),
);

// ---------------------------------------------------------------- the routes

/** The routes with a body schema: a body the schema accepts may legitimately do something. */
const SCHEMAS: Partial<Record<FunctionName, z.ZodType>> = { activate: activationBody, pay: payBody, precreate: precreateBody, refund: refundBody, revoke: revokeBody, cancel: revokeBody, resolve: resolveBody };

interface Target {
  method: string;
  path: string;
  /** The body schema, when the route has one: a body it accepts may legitimately do something. */
  schema?: z.ZodType;
  /** A valid body for mutation (fresh per call). */
  base?: () => Record<string, unknown>;
}

const KEYS = {
  activate: 'POST /v1/terminals',
  terminal: 'GET /v1/terminals/{terminal_sn}',
  checkin: 'POST /v1/terminals/{terminal_sn}/checkin',
  pay: 'POST /v1/payments',
  precreate: 'POST /v1/precreates',
  query: 'GET /v1/orders/{order_id}',
  lookup: 'GET /v1/orders',
  refund: 'POST /v1/orders/{order_id}/refunds',
  revoke: 'POST /v1/orders/{order_id}/revoke',
  cancel: 'POST /v1/orders/{order_id}/cancel',
  notify: 'POST /v1/upay/notify',
  attention: 'GET /v1/attention',
  resolve: 'POST /v1/orders/{order_id}/resolve',
  report: 'GET /v1/reports/daily',
  terminals: 'GET /v1/terminals',
  retire: 'POST /v1/terminals/{terminal_sn}/retire',
} as const;

/** Where the properties aim each route: real resources of the store, except check-in (a ghost: no key rotation per run). */
function target(route: RouteEntry): Target {
  switch (routeKey(route)) {
    case KEYS.activate:
      return { method: 'POST', path: route.path, schema: SCHEMAS.activate, base: () => ({ activation_code: '00000000', device_id: `fuzz-${next()}` }) };
    case KEYS.terminal:
      return { method: 'GET', path: `/v1/terminals/${till}` };
    case KEYS.checkin:
      return { method: 'POST', path: `/v1/terminals/${GHOST_TERMINAL}/checkin` };
    case KEYS.pay:
      return {
        method: 'POST',
        path: route.path,
        schema: SCHEMAS.pay,
        base: () => ({ terminal_sn: till, client_sn: `fz-${SEED}-${next()}`, total_amount: 1, dynamic_id: barcode(), subject: 'tea', operator: 'ann' }),
      };
    case KEYS.precreate:
      return {
        method: 'POST',
        path: route.path,
        schema: SCHEMAS.precreate,
        base: () => ({ terminal_sn: till, client_sn: `fzq-${SEED}-${next()}`, total_amount: 1, payway: '3', subject: 'cake', operator: 'ann' }),
      };
    case KEYS.query:
      return { method: 'GET', path: `/v1/orders/${orders.query.order_id}` };
    case KEYS.lookup:
      return { method: 'GET', path: `/v1/orders?client_sn=${encodeURIComponent(orders.query.client_sn)}` };
    case KEYS.refund:
      return { method: 'POST', path: `/v1/orders/${orders.refund.order_id}/refunds`, schema: SCHEMAS.refund, base: () => ({ refund_request_no: `f${next()}`, refund_amount: 1, operator: 'ann' }) };
    case KEYS.revoke:
      return { method: 'POST', path: `/v1/orders/${orders.revoke.order_id}/revoke`, schema: SCHEMAS.revoke, base: () => ({ operator: 'boss' }) };
    case KEYS.cancel:
      return { method: 'POST', path: `/v1/orders/${orders.cancel.order_id}/cancel`, schema: SCHEMAS.cancel, base: () => ({}) };
    case KEYS.notify:
      return { method: 'POST', path: route.path };
    case KEYS.attention:
      return { method: 'GET', path: route.path };
    case KEYS.resolve:
      // An order with no open case: a body the schema accepts is a 409 that changes nothing.
      return { method: 'POST', path: `/v1/orders/${orders.query.order_id}/resolve`, schema: SCHEMAS.resolve, base: () => ({ note: 'fuzz' }) };
    case KEYS.report:
      return { method: 'GET', path: `${route.path}?date=2026-12-01` };
    case KEYS.terminals:
      return { method: 'GET', path: route.path };
    case KEYS.retire:
      // A ghost: no run retires the store's till.
      return { method: 'POST', path: `/v1/terminals/${GHOST_TERMINAL}/retire` };
    default:
      throw new Error(`no fuzz target for ${routeKey(route)}: add one`);
  }
}

const route = fc.constantFrom(...ROUTES);
const bodyRoutes = ROUTES.filter((entry) => SCHEMAS[entry.function] !== undefined);

// ---------------------------------------------------------------- sending and the invariants

interface Sent {
  route: RouteEntry;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

let last: Effects | undefined;

/** Sends one request and checks the invariants; returns the answer for property-specific checks. */
async function exchange(sent: Sent, options: { effectFree?: boolean } = {}): Promise<RawAnswer> {
  const probe = effectProbe(stack.sandbox.url, inject('dynamoEndpoint'), tableName);
  const before = last ?? (await probe.now());
  const answer = await rawRequest(stack.apiUrl, { method: sent.method, path: sent.path, headers: sent.headers, ...(sent.body !== undefined ? { body: sent.body } : {}) });
  const after = await probe.now();
  last = after;
  const where = `${sent.method} ${sent.path.slice(0, 120)} → ${answer.status} ${answer.text.slice(0, 300)}`;
  expect(answer.status, where).toBeGreaterThanOrEqual(200);
  expect(answer.status, where).toBeLessThan(500);
  // A HEAD answer has no body to check.
  if (answer.status >= 400 && sent.method !== 'HEAD') expect(errorShapeProblem(answer), where).toBeUndefined();
  // PROVIDER_REFUSED is the provider's own verdict (an unknown activation code): it was asked, by design.
  const providerRefused = answer.status === 422 && answer.text.includes('"PROVIDER_REFUSED"');
  if ((answer.status >= 400 && !providerRefused) || options.effectFree) {
    expect(after.byPath, `provider calls for a ${answer.status}: ${where}`).toEqual(before.byPath);
    expect(after.table, `ledger writes for a ${answer.status}: ${where}`).toEqual(before.table);
  }
  return answer;
}

function request(entry: RouteEntry, body: string | Buffer | undefined, headers: Record<string, string> = {}): Sent {
  const { method, path } = target(entry);
  return {
    route: entry,
    method,
    path,
    headers: { 'content-type': 'application/json', ...(entry.jwt ? { authorization: `Bearer ${admin}` } : {}), ...headers },
    ...(body !== undefined ? { body } : {}),
  };
}

/** Whether the route's schema accepts the body text, as the handler reads it (an empty or JSON `null` body counts as no body). */
function accepts(schema: z.ZodType, bodyText: string): boolean {
  if (bodyText === '') return schema.safeParse(undefined).success;
  const value = parsed(bodyText);
  return value !== undefined && schema.safeParse(value.value ?? undefined).success;
}

/** A body-schema route given a body its schema refuses must answer 4xx. */
function expectRefusedIfInvalid(entry: RouteEntry, bodyText: string, answer: RawAnswer): void {
  const schema = target(entry).schema;
  if (schema && !accepts(schema, bodyText)) expect(answer.status, `${routeKey(entry)} accepted ${bodyText.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
}

const settings = (numRuns: number) => ({ seed: SEED, numRuns, endOnFailure: true });

// ---------------------------------------------------------------- the fixture

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upay-fuzz-'));
  tableName = `fuzz-${randomUUID()}`;
  receiver = await startCallbackReceiver();
  stack = await startTestStack({
    dir,
    tableName,
    storeId: STORE,
    env: { UPAY_PUBLIC_KEY_PEM: trusted.publicKey.export({ type: 'spki', format: 'pem' }).toString(), NOTIFY_URL: receiver.url },
  });
  admin = stack.tokens.admin;
  till = await activate(stack);
  for (const name of ['query', 'refund', 'revoke', 'cancel'] as const) {
    const answer = await call<{ order_id: string; client_sn: string; order_status: string }>(stack, 'POST', '/v1/payments', {
      token: stack.tokens.cashier,
      body: { terminal_sn: till, client_sn: `fuzz-${name}-${randomUUID().slice(0, 8)}`, total_amount: 9_999_999_999, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
    });
    if (answer.status !== 200) throw new Error(`setup payment failed: ${answer.status}`);
    orders[name] = answer.body;
  }
});

afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

// A test may change things outside `exchange` (setup, a plain call): never compare across tests.
beforeEach(() => {
  last = undefined;
});

// ---------------------------------------------------------------- the properties

describe('every route under random input', () => {
  it('has a fuzz target for every route in ROUTES', () => {
    for (const entry of ROUTES) expect(() => target(entry), routeKey(entry)).not.toThrow();
    expect(bodyRoutes.map(routeKey).sort()).toEqual([KEYS.activate, KEYS.cancel, KEYS.pay, KEYS.precreate, KEYS.refund, KEYS.resolve, KEYS.revoke].sort());
  });

  it('answers random JSON values as the body of any route without a 5xx, refusing every body its schema refuses, with no effect for a 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(route, fc.jsonValue({ maxDepth: 4, stringUnit: character }), async (entry, value) => {
        const bodyText = JSON.stringify(value);
        const answer = await exchange(request(entry, bodyText));
        expectRefusedIfInvalid(entry, bodyText, answer);
      }),
      settings(250),
    );
  });

  it('answers malformed body text and bytes (broken JSON, lone surrogates, invalid UTF-8, deep nesting, NaN-ish tokens) without a 5xx', async () => {
    const malformed = fc.oneof(
      text,
      hugeText,
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom(Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xc0, 0xaf]), Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), Buffer.from('{"a":"\xff"}', 'latin1')),
      fc.constantFrom('{', '}', '{"', '{"a"', '{"a":', '{"a":}', '[,]', '{,}', '{"a":1,}', "{'a':1}", '{"a":NaN}', '{"a":Infinity}', '{"a":-0}', '{"a":1e400}', '{"a":undefined}', '\u0000', 'null', 'true', '0', '""'),
      fc.integer({ min: 1, max: 8_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
      fc.integer({ min: 1, max: 3_000 }).map((depth) => `${'{"a":'.repeat(depth)}null${'}'.repeat(depth)}`),
      fc.integer({ min: 1, max: 8_000 }).map((depth) => '['.repeat(depth)),
    );
    await fc.assert(
      fc.asyncProperty(route, malformed, async (entry, body) => {
        const answer = await exchange(request(entry, body));
        expectRefusedIfInvalid(entry, Buffer.isBuffer(body) ? body.toString('utf8') : body, answer);
      }),
      settings(250),
    );
  });

  it.each(bodyRoutes.map((entry) => [routeKey(entry), entry] as const))(
    'answers %s bodies with fields replaced, removed, duplicated or added (wrong types, edge numbers, prototype keys) without a 5xx, and a 4xx changes nothing',
    async (_key, entry) => {
      const mutation = fc.oneof(
        fc.record({ kind: fc.constant('set' as const), field: fc.nat(), value: edgeValue }),
        fc.record({ kind: fc.constant('drop' as const), field: fc.nat() }),
        fc.record({ kind: fc.constant('duplicate' as const), field: fc.nat(), value: edgeValue }),
        fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.constantFrom(...PROTOTYPE_KEYS), text), value: edgeValue }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const base = target(entry).base?.() ?? {};
          let members: (readonly [string, unknown])[] = Object.entries(base);
          for (const change of mutations) {
            const at = 'field' in change ? change.field % Math.max(1, members.length) : 0;
            const name = members[at]?.[0] ?? 'operator';
            if (change.kind === 'set') members = members.map((member, index) => (index === at ? [name, change.value] : member));
            else if (change.kind === 'drop') members = members.filter((_member, index) => index !== at);
            else if (change.kind === 'duplicate') members = [...members, [name, change.value]];
            else members = [...members, [change.key, change.value]];
          }
          const bodyText = jsonText(new Members(members));
          const answer = await exchange(request(entry, bodyText));
          expectRefusedIfInvalid(entry, bodyText, answer);
        }),
        settings(100),
      );
    },
  );

  it('answers random headers, content types and Authorization values at any route without a 5xx', async () => {
    const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'host', 'expect', 'upgrade', 'te', 'trailer', 'keep-alive', 'authorization', 'content-type']);
    const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,24}$/).filter((name) => !FRAMING.has(name));
    const headerValue = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((code) => code !== 0x7f).map((code) => String.fromCharCode(code)), maxLength: 120 });
    const contentType = fc.oneof(
      fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', '*/*', ''),
      headerValue,
    );
    const authorization = (jwt: boolean) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constant(jwt ? `Bearer ${admin}` : undefined) },
        { weight: 1, arbitrary: headerValue },
        { weight: 1, arbitrary: headerValue.map((value) => `Bearer ${value}`) },
        { weight: 1, arbitrary: headerValue.map((value) => `Bearer ${admin}${value}`) },
        { weight: 1, arbitrary: headerValue.map((value) => `${till} ${value}`) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      );
    await fc.assert(
      fc.asyncProperty(
        route.chain((entry) => fc.tuple(fc.constant(entry), authorization(entry.jwt))),
        fc.dictionary(headerName, headerValue, { maxKeys: 8 }),
        contentType,
        async ([entry, auth], extra, type) => {
          // Each route gets a body its schema refuses, or none: only the headers vary.
          const sent = request(entry, target(entry).schema ? '{"operator":""}' : undefined, { ...extra, 'content-type': type });
          if (auth === undefined) delete sent.headers.authorization;
          else sent.headers.authorization = auth;
          await exchange(sent);
        },
      ),
      settings(200),
    );
  });

  it('answers any HTTP method at any route path without a 5xx, and a method the route table does not list with 404', async () => {
    const methods = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND');
    await fc.assert(
      fc.asyncProperty(route, methods, fc.boolean(), async (entry, method, withBody) => {
        const sent = request(entry, withBody && method !== 'TRACE' ? '{"operator":""}' : undefined);
        sent.method = method;
        const answer = await exchange(sent);
        const listed = ROUTES.some((candidate) => candidate.method === method && new RegExp(`^${candidate.path.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(sent.path.replace(/\?.*$/, '')));
        if (!listed) expect(answer.status, `${method} ${sent.path}`).toBe(404);
      }),
      settings(100),
    );
  });

  it('answers random path parameters (encoded slashes, dots, unicode, NUL, very long) without a 5xx, and only a real resource is found', async () => {
    const paramRoutes = ROUTES.filter((entry) => entry.path.includes('{'));
    const param = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 60 }).map(encodeURIComponent),
      fc.constantFrom('..', '.', '%2e%2e', '%2E', '%2F', 'a%2Fb', '..%2F..%2Fterminals', '%5C', '%00', '%20', '+', '%2B', '~', '*', '%25', '%252F', '__proto__', 'constructor', 'prototype', '%7B%7D'),
      fc.stringMatching(/^[A-Za-z0-9_-]{26}$/).map((id) => `ord_${id}`),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
      fc.integer({ min: 65, max: 4_000 }).map((length) => 'a'.repeat(length)),
      fc.integer({ min: 1, max: 1_300 }).map((count) => '%E8%8C%B6'.repeat(count)),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paramRoutes), param, async (entry, value) => {
        const base = target(entry).base;
        const sent = request(entry, base ? JSON.stringify(base()) : undefined);
        sent.path = entry.path.replace(/\{[^}]+\}/, value);
        const answer = await exchange(sent);
        if (answer.status < 300) expect([till, orders.query.order_id, orders.refund.order_id, orders.revoke.order_id, orders.cancel.order_id].some((real) => decodeURIComponent(value) === real), sent.path).toBe(true);
      }),
      settings(250),
    );
  });

  it('answers random query strings on the order routes without a 5xx, finding only the real order', async () => {
    const key = fc.oneof(fc.constantFrom('client_sn', 'sn', 'refresh', '__proto__', 'constructor', 'client_sn[]', 'sn[$ne]', ''), fc.stringMatching(/^[a-z_]{1,12}$/));
    const value = fc.oneof(
      fc.constantFrom('', 'true', 'false', 'TRUE', '1', '0000000000000000', '%', '%zz', '%E0%A4%A', '%ED%A0%80', orders.query?.client_sn ?? 'x', 'a'.repeat(5_000)),
      fc.string({ unit: 'binary', maxLength: 40 }).map(encodeURIComponent),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(fc.tuple(key, value), { maxLength: 4 }), async (byId, pairs) => {
        const base = byId ? `/v1/orders/${orders.query.order_id}` : '/v1/orders';
        const query = pairs.map(([name, raw]) => `${encodeURIComponent(name)}=${raw}`).join('&');
        const entry = ROUTES.find((candidate) => routeKey(candidate) === (byId ? KEYS.query : KEYS.lookup));
        if (!entry) throw new Error('no order route');
        const answer = await exchange({ route: entry, method: 'GET', path: `${base}${query ? `?${query}` : ''}`, headers: { authorization: `Bearer ${admin}` } });
        if (answer.status < 300) expect((JSON.parse(answer.text) as { order_id?: string }).order_id).toBe(orders.query.order_id);
      }),
      settings(200),
    );
  });

  it('refuses every body over 16 KiB with 413 (the gateway over 1 MiB), counting bytes not characters, at any route', async () => {
    const size = fc.oneof(
      fc.integer({ min: 16 * KIB - 40, max: 16 * KIB + 40 }),
      fc.integer({ min: 1, max: 64 * KIB }),
      fc.integer({ min: KIB * KIB - 20, max: KIB * KIB + 20 }),
      fc.integer({ min: KIB * KIB, max: 3 * KIB * KIB }),
    );
    await fc.assert(
      fc.asyncProperty(route, size, fc.constantFrom('a', '茶'), async (entry, bytes, unit) => {
        // A JSON object of exactly `bytes` bytes (or one more, when a 3-byte unit does not fit).
        const room = Math.max(0, bytes - '{"pad":""}'.length);
        const filler = unit.repeat(Math.floor(room / Buffer.byteLength(unit))) + 'a'.repeat(room % Buffer.byteLength(unit));
        const body = `{"pad":"${filler}"}`;
        const sent = request(entry, body);
        const answer = await exchange(sent);
        const length = Buffer.byteLength(body);
        if (length > KIB * KIB) expect(answer, `${length} bytes`).toMatchObject({ status: 413, text: JSON.stringify({ message: 'Request Entity Too Large' }) });
        else if (length > 16 * KIB) expect({ length, status: answer.status, code: (JSON.parse(answer.text) as { error?: { code?: string } }).error?.code }).toEqual({ length, status: 413, code: 'PAYLOAD_TOO_LARGE' });
        else expect(answer.status, `${length} bytes`).not.toBe(413);
      }),
      settings(80),
    );
  });

  it('answers validly signed callbacks of any shape with success or a 4xx, never a 5xx, and changes nothing for an order it does not hold', async () => {
    const field = fc.oneof(edgeValue, fc.constant(till), fc.stringMatching(/^[0-9]{16}$/));
    const callback = fc.oneof(
      fc.jsonValue({ maxDepth: 3, stringUnit: character }),
      fc.record(
        { terminal_sn: fc.oneof(fc.constant(till), field), client_sn: fc.oneof(text, field), sn: field, order_status: fc.oneof(fc.constantFrom('PAID', 'PAY_CANCELED', 'REFUNDED', 'CANCELED'), field), total_amount: field },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(callback, fc.option(fc.stringMatching(/^[\x21-\x7e]{1,30}$/)), async (value, headerSn) => {
        const body = jsonText(value);
        const named = (value as { terminal_sn?: unknown } | null)?.terminal_sn;
        const sn = headerSn ?? (typeof named === 'string' && /^[\x21-\x7e]+$/.test(named) ? named : till);
        const entry = ROUTES.find((candidate) => candidate.function === 'notify');
        if (!entry) throw new Error('no notify route');
        const answer = await exchange(
          {
            route: entry,
            method: 'POST',
            path: '/v1/upay/notify',
            headers: { 'content-type': 'application/json', authorization: `${sn} ${sign('sha256', Buffer.from(body), trusted.privateKey).toString('base64')}` },
            body,
          },
          { effectFree: true },
        );
        expect([200, 400, 401, 413], answer.text).toContain(answer.status);
        if (answer.status === 200) expect(answer.text).toBe('success');
      }),
      settings(150),
    );
  });

  it("never lets a token naming any other store, whatever its groups, read or change the store's order or terminal", async () => {
    const store = fc.oneof(
      fc.constantFrom(STORE.toUpperCase(), ` ${STORE}`, `${STORE} `, `${STORE}\u0000`, `${STORE}#`, `${STORE}/x`, STORE.replace('z', 'ｚ'), '*', '', '[fuzz-store]', 'demo-store'),
      text,
    );
    const groups = fc.array(fc.oneof(fc.constantFrom('admin', 'cashier', 'Admin', 'ADMIN', 'admin ', 'root', '[admin]', 'admin,cashier', ''), text), { maxLength: 3 });
    const resource = fc.constantFrom(KEYS.query, KEYS.terminal, KEYS.refund);
    await fc.assert(
      fc.asyncProperty(store.filter((value) => value !== STORE), groups, resource, async (storeId, roles, key) => {
        const token = await mintToken(dir, { claims: { 'custom:store_id': storeId, 'cognito:groups': roles } });
        const entry = ROUTES.find((candidate) => routeKey(candidate) === key);
        if (!entry) throw new Error(`no route ${key}`);
        const path = target(entry).path.replace(/\?.*$/, '');
        const answer = await exchange({
          route: entry,
          method: entry.method,
          path,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          ...(entry.method === 'POST' ? { body: JSON.stringify({ refund_request_no: `t${next()}`, refund_amount: 1, operator: 'eve' }) } : {}),
        });
        expect([403, 404], `${storeId} ${JSON.stringify(roles)} ${path} → ${answer.status}`).toContain(answer.status);
      }),
      settings(120),
    );
  });

  it.each([
    ['POST /v1/terminals', 'device_id'],
    ['POST /v1/terminals', 'name'],
    ['POST /v1/terminals', 'activation_code'],
    ['POST /v1/payments', 'client_sn'],
    ['POST /v1/payments', 'subject'],
    ['POST /v1/payments', 'operator'],
    ['POST /v1/payments', 'dynamic_id'],
    ['POST /v1/precreates', 'client_sn'],
    ['POST /v1/precreates', 'subject'],
    ['POST /v1/orders/{order_id}/refunds', 'refund_request_no'],
    ['POST /v1/orders/{order_id}/refunds', 'operator'],
  ])('refuses %s whose %s is not well-formed Unicode (a lone surrogate) with a 400 naming the field, recording and sending nothing', async (key, field) => {
    const entry = ROUTES.find((candidate) => routeKey(candidate) === key);
    if (!entry) throw new Error(`no route ${key}`);
    const base = target(entry).base?.() ?? {};
    const bodyText = JSON.stringify({ ...base, [field]: 'a\ud800b' });
    const answer = await exchange(request(entry, bodyText), { effectFree: true });
    expect({ status: answer.status, field: (JSON.parse(answer.text) as { error?: { field?: string } }).error?.field }).toEqual({ status: 400, field });
  });

  it('leaves no activation claim behind when it refuses an activation request: the same device activates at once afterwards', async () => {
    const device = `claimed-${randomUUID().slice(0, 8)}`;
    const code = stack.sandbox.activationCodes[1] ?? '';
    const refused = await call(stack, 'POST', '/v1/terminals', { token: admin, raw: JSON.stringify({ activation_code: code, device_id: device, name: 'till \ud800' }) });
    expect(refused.status).toBe(400);
    const retried = await call(stack, 'POST', '/v1/terminals', { token: admin, body: { activation_code: code, device_id: device, name: 'till' } });
    expect(retried.status, JSON.stringify(retried.body)).toBe(201);
  });

  it('answers a path parameter with malformed percent-encoding with a 4xx, not a 500, at every route that has one', async () => {
    const failures: string[] = [];
    for (const entry of ROUTES.filter((candidate) => candidate.path.includes('{'))) {
      for (const bad of ['%', '%E0%A4%A', '%ED%A0%80', '%zz', 'a%']) {
        const sent = request(entry, target(entry).schema ? '{}' : undefined);
        sent.path = entry.path.replace(/\{[^}]+\}/, bad);
        const answer = await rawRequest(stack.apiUrl, { method: sent.method, path: sent.path, headers: sent.headers, ...(sent.body !== undefined ? { body: sent.body } : {}) });
        if (answer.status >= 500 || answer.status < 400 || errorShapeProblem(answer) !== undefined) failures.push(`${sent.method} ${sent.path} → ${answer.status} ${answer.text}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('leaves Object.prototype as it was after all of the above', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
