// The provider's callback: SHA256withRSA over the exact raw body, verified with the provider's
// public key before anything is read; then only a hint to re-query — the body is never trusted.
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handleNotify, providerKey, verifyCallback } from '../../lib/payments/notify.js';
import { orderIdFor } from '../../lib/payments/model.js';
import { expectOnlyScriptedCalls } from './support/fake-upay.js';
import { found, openOrder, order, PROVIDER_SN, TERMINAL, transport, upayOrder, world, type World } from './support/payments.js';

let provider: { privateKey: KeyObject; publicKey: KeyObject; publicPem: string };
let stranger: { privateKey: KeyObject };

beforeAll(() => {
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  provider = { ...pair, publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
});

const ORDER_ID = orderIdFor('sale-1');
const signWith = (key: KeyObject, body: string) => sign('sha256', Buffer.from(body, 'utf8'), key).toString('base64');
const header = (body: string, terminal = TERMINAL, key = provider.privateKey) => `${terminal} ${signWith(key, body)}`;
// Exactly as a provider might send it: its own key order, spacing and non-ASCII text.
const callbackBody = (overrides: Record<string, string> = {}) =>
  JSON.stringify({ terminal_sn: TERMINAL, sn: PROVIDER_SN, client_sn: 'sale-1', order_status: 'PAID', total_amount: '1000', subject: '奶茶', ...overrides }, null, 1);

let w: World;
afterEach(() => expectOnlyScriptedCalls(w.upay));

describe('verifying a callback', () => {
  it('accepts a signature over the exact raw bytes and names the signing terminal', () => {
    w = world();
    const body = callbackBody();
    expect(verifyCallback(body, header(body), providerKey(provider.publicPem))).toEqual({ terminal_sn: TERMINAL });
  });

  it('rejects the same content re-serialised: the signature covers the bytes, not the JSON value', () => {
    w = world();
    const body = callbackBody();
    const reserialised = JSON.stringify(JSON.parse(body) as unknown);
    expect(reserialised).not.toBe(body);
    expect(verifyCallback(reserialised, header(body), provider.publicKey)).toBeUndefined();
  });

  it('rejects a body changed by one character', () => {
    w = world();
    const body = callbackBody();
    expect(verifyCallback(body.replace('"1000"', '"1001"'), header(body), provider.publicKey)).toBeUndefined();
  });

  it('rejects a signature made with another key', () => {
    w = world();
    const body = callbackBody();
    expect(verifyCallback(body, header(body, TERMINAL, stranger.privateKey), provider.publicKey)).toBeUndefined();
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['only a signature', 'c2lnbmF0dXJl'],
    ['two spaces', `${TERMINAL}  c2lnbmF0dXJl`],
    ['three parts', `${TERMINAL} c2ln bmF0dXJl`],
    ['a trailing newline', `${TERMINAL} c2lnbmF0dXJl\n`],
    ['a signature that is not base64 of anything valid', `${TERMINAL} !!!not-base64!!!`],
  ])('rejects an Authorization header that is %s', (_label, authorization) => {
    w = world();
    expect(verifyCallback(callbackBody(), authorization, provider.publicKey)).toBeUndefined();
  });
});

describe('handling a callback', () => {
  it('re-queries on a verified callback and settles from the query, not from the body', async () => {
    w = world();
    w.ledger.seed(openOrder({ sn: PROVIDER_SN }));
    w.upay.script('query', found(upayOrder()));
    const body = callbackBody();
    expect(await handleNotify(w.deps, body, header(body), provider.publicKey)).toEqual({ kind: 'accepted', order_id: ORDER_ID });
    expect(w.upay.callsOf('query').map((call) => call.request)).toEqual([{ sn: PROVIDER_SN }]);
    expect(w.ledger.mustOrder(ORDER_ID).order_status).toBe('PAID');
    expect(w.telemetry.total('NotifyAccepted')).toBe(1);
  });

  it('leaves the order CREATED when the body says PAID but the query says CREATED', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.upay.script('query', found(upayOrder({ order_status: 'CREATED', status: 'IN_PROG', net_amount: 0 })));
    const body = callbackBody({ order_status: 'PAID' });
    expect(await handleNotify(w.deps, body, header(body), provider.publicKey)).toMatchObject({ kind: 'accepted' });
    // Only where the provider keeps it is learnt (its sn); the state stays the ledger's.
    const { sn, trade_no, version, ...rest } = w.ledger.mustOrder(ORDER_ID);
    const { version: before, ...seeded } = openOrder();
    expect(rest).toEqual(seeded);
    expect({ sn, trade_no, version }).toEqual({ sn: upayOrder().sn, trade_no: upayOrder().trade_no, version: before + 1 });
  });

  it('leaves the order as it is when the re-query fails', async () => {
    w = world();
    w.ledger.seed(openOrder());
    w.upay.script('query', transport('timeout'));
    const body = callbackBody();
    expect(await handleNotify(w.deps, body, header(body), provider.publicKey)).toMatchObject({ kind: 'accepted' });
    expect(w.ledger.mustOrder(ORDER_ID).order_status).toBe('CREATED');
  });

  it('treats a callback whose signature does not verify as forged, without reading the ledger or asking the provider', async () => {
    w = world();
    w.ledger.seed(openOrder());
    const body = callbackBody();
    expect(await handleNotify(w.deps, body, header(body, TERMINAL, stranger.privateKey), provider.publicKey)).toEqual({ kind: 'forged', reason: 'signature does not verify' });
    expect(await handleNotify(w.deps, body, undefined, provider.publicKey)).toMatchObject({ kind: 'forged' });
    expect(await handleNotify(w.deps, body.replace('"1000"', '"1"'), header(body), provider.publicKey)).toMatchObject({ kind: 'forged' });
    expect(w.ledger.calls).toEqual([]);
    expect(w.upay.calls).toEqual([]);
  });

  it('treats a verified callback whose body names another terminal than the header as malformed', async () => {
    w = world();
    w.ledger.seed(openOrder());
    const body = callbackBody({ terminal_sn: '100000000000000002' });
    expect(await handleNotify(w.deps, body, header(body, TERMINAL), provider.publicKey)).toEqual({ kind: 'malformed', reason: "body does not name the signing terminal's order" });
    expect(w.ledger.calls).toEqual([]);
    expect(w.upay.calls).toEqual([]);
  });

  it('treats a verified body without a client_sn, or one that is not JSON, as malformed', async () => {
    w = world();
    const noClientSn = JSON.stringify({ terminal_sn: TERMINAL, sn: PROVIDER_SN });
    expect(await handleNotify(w.deps, noClientSn, header(noClientSn), provider.publicKey)).toMatchObject({ kind: 'malformed' });
    const notJson = 'order_status=PAID';
    expect(await handleNotify(w.deps, notJson, header(notJson), provider.publicKey)).toEqual({ kind: 'malformed', reason: 'body is not JSON' });
    expect(w.ledger.calls).toEqual([]);
  });

  it('acknowledges a verified callback for an order we do not hold, changing nothing', async () => {
    w = world();
    const body = callbackBody({ client_sn: 'unknown-sale' });
    expect(await handleNotify(w.deps, body, header(body), provider.publicKey)).toEqual({ kind: 'accepted' });
    expect(w.upay.calls).toEqual([]);
    expect(w.telemetry.total('NotifyIgnored')).toBe(1);
    expect(w.telemetry.total('NotifyAccepted')).toBe(0);
  });

  it('does not let one terminal’s valid signature settle another terminal’s order', async () => {
    w = world();
    w.ledger.seed(openOrder());
    const other = '100000000000000002';
    const body = callbackBody({ terminal_sn: other });
    expect(await handleNotify(w.deps, body, header(body, other), provider.publicKey)).toEqual({ kind: 'accepted' });
    expect(w.upay.calls).toEqual([]);
    expect(w.ledger.mustOrder(ORDER_ID)).toEqual(openOrder());
  });

  it('re-queries a final order too, and leaves it as it is when the provider agrees', async () => {
    w = world();
    w.ledger.seed(order());
    w.upay.script('query', found(upayOrder()));
    const body = callbackBody();
    await handleNotify(w.deps, body, header(body), provider.publicKey);
    expect(w.ledger.mustOrder(ORDER_ID)).toEqual(order());
    expect(w.ledger.callCount('updateOrder')).toBe(0);
  });
});
