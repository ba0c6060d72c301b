// Who may do what: every route of ROUTES × role (cashier, admin) × own store / another store,
// every way a JWT can be wrong, tokens whose claims carry no usable store or role, and the
// one route without a JWT. Refusals must change nothing: no provider call, no ledger write.
// The route list comes from ROUTES, so a route added there without a case here fails.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHmac, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsecuredJWT, decodeJwt, generateKeyPair } from 'jose';
import type { LocalStack } from '../../local/stack.js';
import { ROUTES, routeKey, type RouteEntry } from '../../lib/api/routes.js';
import { activate, barcode, call, sandboxControl, startTestStack, type Answer } from './helpers/local-stack.js';
import { effectProbe, mintToken, rawRequest, stackPublicJwk, startCallbackReceiver, type CallbackReceiver } from './helpers/security.js';

const OWN_STORE = 'authz-store';
const OTHER_STORE = 'authz-other-store';

type Role = 'cashier' | 'admin';
type Owner = 'own' | 'other';

interface Order {
  order_id: string;
  client_sn: string;
  sn?: string;
  terminal_sn: string;
  order_status: string;
}

interface Request {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
}

interface RouteCase {
  /** Only an admin may call it. */
  adminOnly: boolean;
  /** The route acts on a store's terminal or order, so "another store's" applies. */
  owned: boolean;
  /** The status of a successful call. */
  ok: number;
  /** A valid request on the owner's resource (creating a fresh one where the call uses it up). */
  build(owner: Owner): Promise<Request>;
  /** The same request on a resource that does not exist at all. */
  missing?(): Promise<Request>;
}

let stack: LocalStack;
let dir: string;
let tableName: string;
let receiver: CallbackReceiver;
let activationCode: string;
const tokens = {} as Record<Owner, Record<Role, string>>;
const terminals = {} as Record<Owner, string>;
/** A paid order per store with room for many one-cent refunds. */
const shared = {} as Record<Owner, Order>;
let sequence = 0;
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${(sequence += 1)}`;
const GHOST_ORDER = `ord_${'Z'.repeat(26)}`;
const GHOST_TERMINAL = '999999999999999999';

async function payOn(owner: Owner, total = 1000): Promise<Order> {
  const answer = await call<Order>(stack, 'POST', '/v1/payments', {
    token: tokens[owner].cashier,
    body: { terminal_sn: terminals[owner], client_sn: unique('pay'), total_amount: total, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
  });
  if (answer.status !== 200 || answer.body.order_status !== 'PAID') throw new Error(`setup payment failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const CASES: Record<string, RouteCase> = {
  'POST /v1/terminals': {
    adminOnly: true,
    owned: false,
    ok: 201,
    build: async () => ({ method: 'POST', path: '/v1/terminals', body: { activation_code: activationCode, device_id: unique('till') } }),
  },
  'GET /v1/terminals/{terminal_sn}': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'GET', path: `/v1/terminals/${terminals[owner]}` }),
    missing: async () => ({ method: 'GET', path: `/v1/terminals/${GHOST_TERMINAL}` }),
  },
  'POST /v1/terminals/{terminal_sn}/checkin': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'POST', path: `/v1/terminals/${terminals[owner]}/checkin` }),
    missing: async () => ({ method: 'POST', path: `/v1/terminals/${GHOST_TERMINAL}/checkin` }),
  },
  'POST /v1/payments': {
    adminOnly: false,
    owned: true,
    ok: 200,
    build: async (owner) => ({
      method: 'POST',
      path: '/v1/payments',
      body: { terminal_sn: terminals[owner], client_sn: unique('pay'), total_amount: 100, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
    }),
    missing: async () => ({
      method: 'POST',
      path: '/v1/payments',
      body: { terminal_sn: GHOST_TERMINAL, client_sn: unique('pay'), total_amount: 100, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
    }),
  },
  'POST /v1/precreates': {
    adminOnly: false,
    owned: true,
    ok: 201,
    build: async (owner) => ({
      method: 'POST',
      path: '/v1/precreates',
      body: { terminal_sn: terminals[owner], client_sn: unique('qr'), total_amount: 100, payway: '3', subject: 'cake', operator: 'ann' },
    }),
    missing: async () => ({
      method: 'POST',
      path: '/v1/precreates',
      body: { terminal_sn: GHOST_TERMINAL, client_sn: unique('qr'), total_amount: 100, payway: '3', subject: 'cake', operator: 'ann' },
    }),
  },
  'GET /v1/orders/{order_id}': {
    adminOnly: false,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'GET', path: `/v1/orders/${shared[owner].order_id}?refresh=true` }),
    missing: async () => ({ method: 'GET', path: `/v1/orders/${GHOST_ORDER}?refresh=true` }),
  },
  'GET /v1/orders': {
    adminOnly: false,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'GET', path: `/v1/orders?client_sn=${encodeURIComponent(shared[owner].client_sn)}` }),
    missing: async () => ({ method: 'GET', path: `/v1/orders?client_sn=${unique('nobody')}` }),
  },
  'POST /v1/orders/{order_id}/refunds': {
    adminOnly: false,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'POST', path: `/v1/orders/${shared[owner].order_id}/refunds`, body: { refund_request_no: `r${(sequence += 1)}`, refund_amount: 1, operator: 'ann' } }),
    missing: async () => ({ method: 'POST', path: `/v1/orders/${GHOST_ORDER}/refunds`, body: { refund_request_no: `r${(sequence += 1)}`, refund_amount: 1, operator: 'ann' } }),
  },
  'POST /v1/orders/{order_id}/revoke': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'POST', path: `/v1/orders/${(await payOn(owner)).order_id}/revoke`, body: { operator: 'boss' } }),
    missing: async () => ({ method: 'POST', path: `/v1/orders/${GHOST_ORDER}/revoke`, body: { operator: 'boss' } }),
  },
  'POST /v1/orders/{order_id}/cancel': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'POST', path: `/v1/orders/${(await payOn(owner)).order_id}/cancel` }),
    missing: async () => ({ method: 'POST', path: `/v1/orders/${GHOST_ORDER}/cancel` }),
  },
  // The records and worklist routes (issue 12): an admin names only its own store.
  'GET /v1/attention': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'GET', path: `/v1/attention?store_id=${storeOf(owner)}` }),
    missing: async () => ({ method: 'GET', path: `/v1/attention?store_id=${unique('nostore')}` }),
  },
  'POST /v1/orders/{order_id}/resolve': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'POST', path: `/v1/orders/${(await caseOn(owner)).order_id}/resolve`, body: { note: 'checked', outcome: 'PAY_CANCELED' } }),
    missing: async () => ({ method: 'POST', path: `/v1/orders/${GHOST_ORDER}/resolve`, body: { note: 'checked', outcome: 'PAY_CANCELED' } }),
  },
  'GET /v1/reports/daily': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'GET', path: `/v1/reports/daily?date=${today()}&store_id=${storeOf(owner)}` }),
    missing: async () => ({ method: 'GET', path: `/v1/reports/daily?date=${today()}&store_id=${unique('nostore')}` }),
  },
  'GET /v1/terminals': {
    adminOnly: true,
    owned: true,
    ok: 200,
    build: async (owner) => ({ method: 'GET', path: `/v1/terminals?store_id=${storeOf(owner)}` }),
    missing: async () => ({ method: 'GET', path: `/v1/terminals?store_id=${unique('nostore')}` }),
  },
  'POST /v1/terminals/{terminal_sn}/retire': {
    adminOnly: true,
    owned: true,
    ok: 200,
    // A terminal of its own, so retiring it takes none from the other cases.
    build: async (owner) => {
      const activated = await call<{ terminal_sn: string }>(stack, 'POST', '/v1/terminals', { token: tokens[owner].admin, body: { activation_code: activationCode, device_id: unique('spare') } });
      return { method: 'POST', path: `/v1/terminals/${activated.body.terminal_sn}/retire` };
    },
    missing: async () => ({ method: 'POST', path: `/v1/terminals/${GHOST_TERMINAL}/retire` }),
  },
};

const storeOf = (owner: Owner) => (owner === 'own' ? OWN_STORE : OTHER_STORE);
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(Date.now());

/** An order that needs a person (the sandbox's 9500 scenario: PAY_ERROR). */
async function caseOn(owner: Owner): Promise<Order> {
  const answer = await call<Order>(stack, 'POST', '/v1/payments', {
    token: tokens[owner].cashier,
    body: { terminal_sn: terminals[owner], client_sn: unique('case'), total_amount: 9500, dynamic_id: barcode('9500'), subject: 'tea', operator: 'ann' },
  });
  if (answer.body.order_status !== 'PAY_ERROR') throw new Error(`setup case failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const JWT_ROUTES = ROUTES.filter((route) => route.jwt);

function caseOf(route: RouteEntry): RouteCase {
  const found = CASES[routeKey(route)];
  if (!found) throw new Error(`no authorization case for ${routeKey(route)}: add one to CASES`);
  return found;
}

const send = (request: Request, token?: string): Promise<Answer> =>
  call(stack, request.method, request.path, { ...(token !== undefined ? { token } : {}), ...(request.body !== undefined ? { body: request.body } : {}) });

/** Runs `act` and proves it asked the provider nothing and wrote nothing. */
const withoutEffects = <T>(act: () => Promise<T>): Promise<T> => effectProbe(stack.sandbox.url, inject('dynamoEndpoint'), tableName).unchangedBy(act);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'upay-authz-'));
  tableName = `authz-${randomUUID()}`;
  // The provider's callbacks go to a receiver, not to the stack, so none lands in the middle
  // of a "nothing happened" check; the notify tests forward a captured one themselves.
  receiver = await startCallbackReceiver();
  stack = await startTestStack({ dir, tableName, storeId: OWN_STORE, env: { NOTIFY_URL: receiver.url } });
  for (const owner of ['own', 'other'] as const) {
    const store = owner === 'own' ? OWN_STORE : OTHER_STORE;
    tokens[owner] = { admin: await stack.issuer.sign({ store_id: store, role: 'admin' }), cashier: await stack.issuer.sign({ store_id: store, role: 'cashier' }) };
  }
  activationCode = ((await sandboxControl(stack.sandbox.url, 'POST', 'activation-codes', { uses: 100 })) as { code: string }).code;
  terminals.own = await activate(stack);
  const other = await call<{ terminal_sn: string }>(stack, 'POST', '/v1/terminals', { token: tokens.other.admin, body: { activation_code: activationCode, device_id: unique('till') } });
  if (other.status !== 201) throw new Error(`activation failed: ${other.status}`);
  terminals.other = other.body.terminal_sn;
  shared.own = await payOn('own', 1_000_000);
  shared.other = await payOn('other', 1_000_000);
});

afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('the authorization matrix', () => {
  it('has a case for every JWT route in ROUTES, and none for a route that is not there', () => {
    const keys = JWT_ROUTES.map(routeKey);
    expect(keys.filter((key) => !(key in CASES))).toEqual([]);
    expect(Object.keys(CASES).filter((key) => !keys.includes(key))).toEqual([]);
  });

  const cells = JWT_ROUTES.flatMap((route) =>
    (['cashier', 'admin'] as const).flatMap((role) => (['own', 'other'] as const).map((owner) => ({ route, role, owner, key: routeKey(route) }))),
  ).filter(({ route, owner }) => owner === 'own' || CASES[routeKey(route)]?.owned !== false);

  function expected(route: RouteEntry, role: Role, owner: Owner): number {
    const spec = caseOf(route);
    if (role === 'cashier' && spec.adminOnly) return 403;
    if (owner === 'other') return 404;
    return spec.ok;
  }

  const sentence = ({ key, role, owner, status }: { key: string; role: Role; owner: Owner; status: number }) =>
    `${role === 'admin' ? 'an admin' : 'a cashier'} calling ${key} on ${owner === 'own' ? "its own store's" : "another store's"} ${key === 'POST /v1/terminals' ? 'behalf' : 'resource'} gets ${status}`;

  it.each(cells.map((cell) => ({ ...cell, status: expected(cell.route, cell.role, cell.owner) })).map((cell) => [sentence(cell), cell] as const))(
    '%s',
    async (_name, { route, role, owner, status }) => {
      const request = await caseOf(route).build(owner);
      const token = tokens.own[role];
      if (status < 400) {
        const answer = await send(request, token);
        expect(answer.status, JSON.stringify(answer.body)).toBe(status);
        const view = answer.body as { store_id?: string; terminal_sn?: string };
        if (view.store_id !== undefined) expect(view.store_id).toBe(OWN_STORE);
        if (view.terminal_sn !== undefined && route.function !== 'activate' && route.function !== 'retire') expect(view.terminal_sn).toBe(terminals.own);
        return;
      }
      const answer = await withoutEffects(() => send(request, token));
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      expect((answer.body as { error?: { code?: string } }).error?.code).toBe(status === 403 ? 'FORBIDDEN' : 'NOT_FOUND');
    },
  );

  it.each(JWT_ROUTES.filter((route) => CASES[routeKey(route)]?.missing).map((route) => [routeKey(route), route] as const))(
    "%s answers an admin about another store's resource exactly as about one that does not exist",
    async (_key, route) => {
      const spec = caseOf(route);
      if (!spec.missing) throw new Error('filtered above');
      const [otherStores, missing] = [await spec.build('other'), await spec.missing()];
      const otherStoresAnswer = await withoutEffects(() => send(otherStores, tokens.own.admin));
      const missingAnswer = await withoutEffects(() => send(missing, tokens.own.admin));
      expect(otherStoresAnswer.status).toBe(404);
      expect(otherStoresAnswer).toEqual(missingAnswer);
    },
  );
});

describe('cross-store lookups', () => {
  it("finds no order of another store by its provider sn, and asks the provider nothing", async () => {
    expect(shared.other.sn).toBeTruthy();
    const answer = await withoutEffects(() => call(stack, 'GET', `/v1/orders?sn=${shared.other.sn ?? ''}`, { token: tokens.own.admin }));
    expect(answer.status).toBe(404);
  });

  it("refunds, revokes and cancels nothing of another store's order, as the provider's books confirm", async () => {
    const victim = await payOn('other', 500);
    for (const action of ['refunds', 'revoke', 'cancel'] as const) {
      const body = action === 'refunds' ? { refund_request_no: 'steal', refund_amount: 500, operator: 'mallory' } : {};
      const answer = await withoutEffects(() => call(stack, 'POST', `/v1/orders/${victim.order_id}/${action}`, { token: tokens.own.admin, body }));
      expect(answer.status).toBe(404);
    }
    const books = (await sandboxControl(stack.sandbox.url, 'GET', 'orders')) as { orders: { client_sn: string; order_status: string; net_amount: number }[] };
    expect(books.orders.find((order) => order.client_sn === victim.client_sn)).toMatchObject({ order_status: 'PAID', net_amount: 500 });
  });

  it("refuses a client_sn another store already used without showing anything of that store's order", async () => {
    const answer = await withoutEffects(() =>
      call(stack, 'POST', '/v1/payments', {
        token: tokens.own.cashier,
        body: { terminal_sn: terminals.own, client_sn: shared.other.client_sn, total_amount: 1_000_000, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
      }),
    );
    expect(answer.status).toBe(409);
    expect(Object.keys(answer.body)).toEqual(['error']);
    const text = JSON.stringify(answer.body);
    for (const secret of [shared.other.order_id, shared.other.sn ?? '-', terminals.other, OTHER_STORE]) expect(text).not.toContain(secret);
  });

  it("never hands an admin another store's terminal on activation, even when store and device ids contain the key separator '#'", async () => {
    const first = await call<{ terminal_sn: string; store_id: string }>(stack, 'POST', '/v1/terminals', {
      token: await stack.issuer.sign({ store_id: 'north#east', role: 'admin' }),
      body: { activation_code: activationCode, device_id: 'till' },
    });
    expect(first.status).toBe(201);
    const second = await call<{ terminal_sn?: string; store_id?: string }>(stack, 'POST', '/v1/terminals', {
      token: await stack.issuer.sign({ store_id: 'north', role: 'admin' }),
      body: { activation_code: activationCode, device_id: 'east#till' },
    });
    expect(second.body.terminal_sn).not.toBe(first.body.terminal_sn);
    if (second.status < 300) expect(second.body.store_id).toBe('north');
  });
});

describe('broken tokens', () => {
  /** One valid request per JWT route, built once: only the token differs between the cases. */
  let requests: { key: string; request: Request }[];

  beforeAll(async () => {
    requests = [];
    for (const route of JWT_ROUTES) requests.push({ key: routeKey(route), request: await caseOf(route).build('own') });
  });

  async function refusedEverywhere(authorization: string | undefined): Promise<void> {
    await withoutEffects(async () => {
      for (const { key, request } of requests) {
        const answer = await rawRequest(stack.apiUrl, {
          method: request.method,
          path: request.path,
          headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
          ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
        });
        expect({ key, status: answer.status, body: answer.text }).toEqual({ key, status: 401, body: JSON.stringify({ message: 'Unauthorized' }) });
      }
    });
  }

  const claims = (role: Role = 'admin') => ({ 'custom:store_id': OWN_STORE, 'cognito:groups': [role] });

  it('accepts each of these requests with a good token (so the refusals below are the token alone)', async () => {
    for (const { key, request } of requests.filter(({ request }) => request.method === 'GET')) {
      expect({ key, status: (await send(request, tokens.own.admin)).status }).toEqual({ key, status: 200 });
    }
  });

  it('refuses a request without an Authorization header with 401 at every JWT route', async () => {
    await refusedEverywhere(undefined);
  });

  it('refuses an expired token with 401 at every JWT route', async () => {
    const expired = await stack.issuer.sign({ store_id: OWN_STORE, role: 'admin', ttlSeconds: -120 });
    expect(decodeJwt(expired).exp).toBeLessThan(Date.now() / 1000);
    await refusedEverywhere(`Bearer ${expired}`);
  });

  it('refuses a token signed by another key with 401 at every JWT route', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await refusedEverywhere(`Bearer ${await mintToken(dir, { claims: claims(), key: privateKey })}`);
  });

  it('refuses a token from another issuer with 401 at every JWT route', async () => {
    await refusedEverywhere(`Bearer ${await mintToken(dir, { claims: claims(), issuer: 'https://evil.invalid/issuer' })}`);
  });

  it('refuses a token for another audience with 401 at every JWT route', async () => {
    await refusedEverywhere(`Bearer ${await mintToken(dir, { claims: claims(), audience: 'some-other-app' })}`);
  });

  it('refuses a token that is not valid yet with 401 at every JWT route', async () => {
    await refusedEverywhere(`Bearer ${await mintToken(dir, { claims: claims(), notBefore: 3600 })}`);
  });

  it('refuses an unsigned token (alg none) with 401 at every JWT route', async () => {
    const unsigned = new UnsecuredJWT(claims()).setIssuer('https://upay-local.invalid/issuer').setAudience('upay-local-app').setIssuedAt().setExpirationTime('1h').encode();
    await refusedEverywhere(`Bearer ${unsigned}`);
  });

  it("refuses an HS256 token keyed with the issuer's public key (algorithm confusion) with 401 at every JWT route", async () => {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ ...claims(), iss: 'https://upay-local.invalid/issuer', aud: 'upay-local-app', iat: now, exp: now + 3600 })}`;
    const secret = JSON.stringify(stackPublicJwk(dir));
    await refusedEverywhere(`Bearer ${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`);
  });

  it('refuses a cashier token whose payload was edited to say admin and another store, signature kept, with 401 at every JWT route', async () => {
    const [header, payload, signature] = tokens.own.cashier.split('.') as [string, string, string];
    const edited = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>), 'cognito:groups': ['admin'], 'custom:store_id': OTHER_STORE };
    await refusedEverywhere(`Bearer ${header}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${signature}`);
  });

  it('refuses a token with a truncated signature with 401 at every JWT route', async () => {
    await refusedEverywhere(`Bearer ${tokens.own.admin.slice(0, -10)}`);
  });

  it.each([
    ['a bare "Bearer"', 'Bearer'],
    ['"Bearer " and nothing', 'Bearer '],
    ['garbage', 'Bearer not-a-jwt'],
    ['three empty parts', 'Bearer ..'],
    ['Basic credentials', `Basic ${Buffer.from('admin:admin').toString('base64')}`],
    ['two tokens', 'Bearer a.b.c, Bearer d.e.f'],
  ])('refuses a malformed bearer (%s) with 401 at every JWT route', async (_label, authorization) => {
    await refusedEverywhere(authorization);
  });

  it('refuses a good token put into the wrong scheme or a doubled space with 401 at every JWT route', async () => {
    await refusedEverywhere(`Bearer  ${tokens.own.admin}`);
    await refusedEverywhere(`Token ${tokens.own.admin}`);
  });
});

describe('verified tokens without a usable store or role', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['no store claim', { 'cognito:groups': ['admin'] }],
    ['an empty store claim', { 'custom:store_id': '', 'cognito:groups': ['admin'] }],
    ['no groups claim', { 'custom:store_id': OWN_STORE }],
    ['an empty groups claim', { 'custom:store_id': OWN_STORE, 'cognito:groups': [] }],
    ['only an unknown group', { 'custom:store_id': OWN_STORE, 'cognito:groups': ['manager'] }],
    ['a group that only looks like admin', { 'custom:store_id': OWN_STORE, 'cognito:groups': ['Admin', 'administrators', 'admins'] }],
  ];

  it.each(cases)('refuses a token with %s with 403 at every JWT route, changing nothing', async (_label, tokenClaims) => {
    const token = await mintToken(dir, { claims: tokenClaims });
    const requests: { key: string; request: Request }[] = [];
    for (const route of JWT_ROUTES) {
      const spec = caseOf(route);
      // Resources that a successful call would use up are shared here: a refusal must not touch them.
      const request = route.path.endsWith('/revoke') || route.path.endsWith('/cancel') ? { method: route.method, path: route.path.replace('{order_id}', shared.own.order_id), body: {} } : await spec.build('own');
      requests.push({ key: routeKey(route), request });
    }
    await withoutEffects(async () => {
      for (const { key, request } of requests) {
        const answer = await send(request, token);
        expect({ key, status: answer.status, code: (answer.body as { error?: { code?: string } }).error?.code }).toEqual({ key, status: 403, code: 'FORBIDDEN' });
      }
    });
  });
});

describe('verified tokens with an odd store claim', () => {
  it('answers an admin whose store claim is not well-formed Unicode with a 4xx at every JWT route, never a 500, changing nothing', async () => {
    const token = await mintToken(dir, { claims: { 'custom:store_id': `${OWN_STORE}\ud800`, 'cognito:groups': ['admin'] } });
    const requests: { key: string; request: Request }[] = [];
    for (const route of JWT_ROUTES) requests.push({ key: routeKey(route), request: await caseOf(route).build('own') });
    const statuses = await withoutEffects(async () => {
      const seen: { key: string; status: number }[] = [];
      for (const { key, request } of requests) seen.push({ key, status: (await send(request, token)).status });
      return seen;
    });
    expect(statuses.filter(({ status }) => status < 400 || status >= 500)).toEqual([]);
  });
});

describe('the provider callback route', () => {
  it("accepts the provider's genuine callback, which carries no JWT", async () => {
    const paid = await payOn('own');
    const callback = await receiver.waitFor(paid.client_sn);
    const answer = await rawRequest(stack.apiUrl, {
      method: 'POST',
      path: '/v1/upay/notify',
      headers: { 'content-type': 'application/json', ...(callback.authorization !== undefined ? { authorization: callback.authorization } : {}) },
      body: callback.body,
    });
    expect(answer).toMatchObject({ status: 200, text: 'success' });
  });

  it('does not take a valid JWT in place of the callback signature', async () => {
    const body = JSON.stringify({ terminal_sn: terminals.own, client_sn: shared.own.client_sn, order_status: 'PAID' });
    const answer = await withoutEffects(() => rawRequest(stack.apiUrl, { method: 'POST', path: '/v1/upay/notify', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.own.admin}` }, body }));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });
});
