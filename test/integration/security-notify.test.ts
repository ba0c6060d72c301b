// The provider's callback route, the one route without a JWT: only a body whose SHA256withRSA
// signature verifies with the configured provider key, sent for the terminal that signed it,
// is accepted, and then only as a reason to re-query. Everything else is a 4xx that changes
// nothing in the ledger and asks the provider nothing.
//
// This stack trusts a key pair generated here (UPAY_PUBLIC_KEY_PEM), so the tests can sign any
// body, and the provider's own callbacks go to a receiver (NOTIFY_URL), so they arrive only when
// a test forwards them: their bytes are the provider's, genuinely signed with its own key.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { constants, generateKeyPairSync, randomBytes, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { LocalStack } from '../../local/stack.js';
import { activate, barcode, call, sandboxControl, startTestStack } from './helpers/local-stack.js';
import { effectProbe, errorShapeProblem, ledgerItem, rawRequest, startCallbackReceiver, type CallbackReceiver, type RawAnswer } from './helpers/security.js';

interface Order {
  order_id: string;
  client_sn: string;
  sn?: string;
  order_status: string;
  total_amount: number;
}

const trusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

let stack: LocalStack;
let receiver: CallbackReceiver;
let tableName: string;
let till: string;
let otherTill: string;
/** A paid order of `till` and the provider's callback for it (its bytes and its own signature). */
let paid: Order;
let paidBody: Buffer;
let providerAuthorization: string;
/** Another paid order of `till`. */
let second: Order;
let sequence = 0;

const signature = (body: Buffer | string, key: KeyObject = trusted.privateKey, algorithm = 'sha256') => sign(algorithm, Buffer.from(body), key).toString('base64');
const signedBy = (terminalSn: string, body: Buffer | string, key?: KeyObject) => `${terminalSn} ${signature(body, key)}`;

function notify(body: Buffer | string, authorization?: string): Promise<RawAnswer> {
  return rawRequest(stack.apiUrl, {
    method: 'POST',
    path: '/v1/upay/notify',
    headers: { 'content-type': 'application/json;charset=UTF-8', ...(authorization !== undefined ? { authorization } : {}) },
    body,
  });
}

const probe = () => effectProbe(stack.sandbox.url, inject('dynamoEndpoint'), tableName);
const queries = async () => (await probe().now()).byPath['/upay/v2/query'] ?? 0;
const stored = async (orderId: string) => ledgerItem(inject('dynamoEndpoint'), tableName, { pk: `ORDER#${orderId}`, sk: 'ORDER' });

/** The provider's callback JSON with some fields replaced, serialised the way the provider does. */
function edited(body: Buffer, changes: Record<string, unknown>): string {
  return JSON.stringify({ ...(JSON.parse(body.toString('utf8')) as Record<string, unknown>), ...changes });
}

async function payOn(terminalSn: string): Promise<Order> {
  const answer = await call<Order>(stack, 'POST', '/v1/payments', {
    token: stack.tokens.cashier,
    body: { terminal_sn: terminalSn, client_sn: `notify-${Date.now()}-${(sequence += 1)}`, total_amount: 1000, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
  });
  if (answer.status !== 200) throw new Error(`payment failed: ${answer.status}`);
  return answer.body;
}

beforeAll(async () => {
  receiver = await startCallbackReceiver();
  tableName = `notify-${randomUUID()}`;
  stack = await startTestStack({
    tableName,
    env: { UPAY_PUBLIC_KEY_PEM: trusted.publicKey.export({ type: 'spki', format: 'pem' }).toString(), NOTIFY_URL: receiver.url },
  });
  till = await activate(stack);
  otherTill = await activate(stack);
  paid = await payOn(till);
  second = await payOn(till);
  const callback = await receiver.waitFor(paid.client_sn);
  paidBody = callback.body;
  providerAuthorization = callback.authorization ?? '';
});

afterAll(async () => {
  await stack?.close();
  await receiver?.close();
});

describe('the control', () => {
  it("accepts the provider's callback bytes signed with the configured key, naming the signing terminal", async () => {
    expect(JSON.parse(paidBody.toString('utf8'))).toMatchObject({ terminal_sn: till, client_sn: paid.client_sn, order_status: 'PAID' });
    expect(await notify(paidBody, signedBy(till, paidBody))).toMatchObject({ status: 200, text: 'success' });
  });
});

describe('callbacks that are refused with a 4xx, changing nothing in the ledger or at the provider', () => {
  type Refusal = [string, () => { body: Buffer | string; authorization?: string }];
  // Not signed by the configured key: 401.
  const forged: Refusal[] = [
    ['a signature of random bytes', () => ({ body: paidBody, authorization: `${till} ${randomBytes(256).toString('base64')}` })],
    ['a signature that is not base64', () => ({ body: paidBody, authorization: `${till} %%%not-base64%%%` })],
    ['the signature of another body', () => ({ body: paidBody, authorization: signedBy(till, `${paidBody.toString('utf8')} `) })],
    ['a signature by a key the stack was not configured with', () => ({ body: paidBody, authorization: signedBy(till, paidBody, stranger.privateKey) })],
    ["the sandbox provider's own genuine signature (not the key this stack trusts)", () => ({ body: paidBody, authorization: providerAuthorization })],
    ['a SHA-1 signature by the right key', () => ({ body: paidBody, authorization: `${till} ${signature(paidBody, trusted.privateKey, 'sha1')}` })],
    [
      'an RSA-PSS signature by the right key',
      () => ({ body: paidBody, authorization: `${till} ${sign('sha256', paidBody, { key: trusted.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING }).toString('base64')}` }),
    ],
    ['a body with a newline added after signing', () => ({ body: `${paidBody.toString('utf8')}\n`, authorization: signedBy(till, paidBody) })],
    ['a body with a space added at the front after signing', () => ({ body: ` ${paidBody.toString('utf8')}`, authorization: signedBy(till, paidBody) })],
    ['a body with a byte-order mark added after signing', () => ({ body: `\uFEFF${paidBody.toString('utf8')}`, authorization: signedBy(till, paidBody) })],
    ['a body with a space after a colon added after signing', () => ({ body: paidBody.toString('utf8').replace('":', '": '), authorization: signedBy(till, paidBody) })],
    ['a body re-serialised with its keys in another order after signing', () => ({ body: JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(paidBody.toString('utf8')) as object).reverse())), authorization: signedBy(till, paidBody) })],
    ['a body with a character escaped as \\u after signing', () => ({ body: paidBody.toString('utf8').replace('"PAID"', '"P\\u0041ID"'), authorization: signedBy(till, paidBody) })],
    ['a body whose order_status was changed after signing', () => ({ body: paidBody.toString('utf8').replace('"PAID"', '"PAY_CANCELED"'), authorization: signedBy(till, paidBody) })],
    ['a valid callback replayed with its body edited to name another order', () => ({ body: edited(paidBody, { client_sn: second.client_sn, sn: second.sn }), authorization: signedBy(till, paidBody) })],
    ['no Authorization header', () => ({ body: paidBody })],
    ['an empty Authorization header', () => ({ body: paidBody, authorization: '' })],
    ['a signature without the terminal_sn', () => ({ body: paidBody, authorization: signature(paidBody) })],
    ['terminal_sn and signature separated by two spaces', () => ({ body: paidBody, authorization: `${till}  ${signature(paidBody)}` })],
    ['terminal_sn and signature swapped', () => ({ body: paidBody, authorization: `${signature(paidBody)} ${till}` })],
  ];
  // Signed by the configured key, but not a callback of the signing terminal: a 4xx (400 or 401).
  const unusable: Refusal[] = [
    ['a valid signature sent in the name of another terminal than the body names', () => ({ body: paidBody, authorization: signedBy(otherTill, paidBody) })],
    ['a valid signature under a "Bearer" scheme', () => ({ body: paidBody, authorization: `Bearer ${signature(paidBody)}` })],
    ['a signed body that is not JSON', () => ({ body: 'order_status=PAID', authorization: signedBy(till, 'order_status=PAID') })],
    ['a signed JSON null', () => ({ body: 'null', authorization: signedBy(till, 'null') })],
    ['a signed JSON array', () => ({ body: '[]', authorization: signedBy(till, '[]') })],
    ['a signed JSON object without a client_sn', () => ({ body: JSON.stringify({ terminal_sn: till }), authorization: signedBy(till, JSON.stringify({ terminal_sn: till })) })],
    ['a signed body whose client_sn is not a string', () => ({ body: JSON.stringify({ terminal_sn: till, client_sn: { $ne: '' } }), authorization: signedBy(till, JSON.stringify({ terminal_sn: till, client_sn: { $ne: '' } })) })],
    ['a signed body without a terminal_sn', () => ({ body: JSON.stringify({ client_sn: paid.client_sn }), authorization: signedBy(till, JSON.stringify({ client_sn: paid.client_sn })) })],
  ];

  it.each(forged)('refuses %s with 401', async (_label, make) => {
    const { body, authorization } = make();
    const answer = await probe().unchangedBy(() => notify(body, authorization));
    expect(answer.status).toBe(401);
    expect(errorShapeProblem(answer)).toBeUndefined();
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
  });

  it.each(unusable)('refuses %s with a 4xx', async (_label, make) => {
    const { body, authorization } = make();
    const answer = await probe().unchangedBy(() => notify(body, authorization));
    expect([400, 401]).toContain(answer.status);
    expect(errorShapeProblem(answer)).toBeUndefined();
  });

  it('refuses a validly signed body over 16 KiB with 413 before reading it', async () => {
    const body = edited(paidBody, { padding: 'x'.repeat(16 * 1024) });
    const answer = await probe().unchangedBy(() => notify(body, signedBy(till, body)));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('refuses a body over 1 MiB at the gateway with 413', async () => {
    const body = edited(paidBody, { padding: 'x'.repeat(1024 * 1024) });
    const answer = await probe().unchangedBy(() => notify(body, signedBy(till, body)));
    expect(answer.status).toBe(413);
    expect(errorShapeProblem(answer)).toBeUndefined();
  });

  it('leaves the refused order exactly as the provider last had it', async () => {
    const before = await stored(paid.order_id);
    await notify(paidBody.toString('utf8').replace('"PAID"', '"REFUNDED"'), signedBy(till, paidBody));
    await notify(edited(paidBody, { order_status: 'CANCELED' }), providerAuthorization);
    expect(await stored(paid.order_id)).toEqual(before);
    expect(before).toMatchObject({ order_status: 'PAID', net_amount: 1000 });
  });
});

describe('verified callbacks: acknowledged, and only a reason to ask the provider', () => {
  let qr: Order;

  beforeAll(async () => {
    const answer = await call<Order>(stack, 'POST', '/v1/precreates', {
      token: stack.tokens.cashier,
      body: { terminal_sn: till, client_sn: `notify-qr-${Date.now()}`, total_amount: 2500, payway: '3', subject: 'cake', operator: 'ann' },
    });
    if (answer.status !== 201) throw new Error(`precreate failed: ${answer.status}`);
    qr = answer.body;
  });

  it('answers a signed claim that an unpaid QR order was PAID with success, re-queries once, and keeps the order CREATED', async () => {
    const lie = edited(paidBody, { client_sn: qr.client_sn, sn: qr.sn, order_status: 'PAID', status: 'SUCCESS', total_amount: '999999', net_amount: '999999' });
    const before = await queries();
    expect(await notify(lie, signedBy(till, lie))).toMatchObject({ status: 200, text: 'success' });
    expect(await queries()).toBe(before + 1);
    expect(await stored(qr.order_id)).toMatchObject({ order_status: 'CREATED', total_amount: 2500, net_amount: 0 });
  });

  it('settles the order PAID from the re-query once the customer paid, although the signed body claims PAY_CANCELED', async () => {
    await sandboxControl(stack.sandbox.url, 'POST', 'qr/pay', { client_sn: qr.client_sn });
    const genuine = (await receiver.waitFor(qr.client_sn)).body;
    const lie = edited(genuine, { order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED', net_amount: '0' });
    const before = await queries();
    expect(await notify(lie, signedBy(till, lie))).toMatchObject({ status: 200, text: 'success' });
    expect(await queries()).toBe(before + 1);
    expect(await stored(qr.order_id)).toMatchObject({ order_status: 'PAID', total_amount: 2500, net_amount: 2500 });
  });

  it("keeps the order PAID when the provider's genuine callback bytes are replayed, each replay costing one query and no state change", async () => {
    const genuine = (await receiver.waitFor(qr.client_sn)).body;
    const before = await queries();
    for (let i = 0; i < 3; i += 1) expect(await notify(genuine, signedBy(till, genuine))).toMatchObject({ status: 200, text: 'success' });
    expect(await queries()).toBe(before + 3);
    expect(await stored(qr.order_id)).toMatchObject({ order_status: 'PAID', net_amount: 2500 });
  });

  it("acknowledges a verified callback of one terminal naming another terminal's order, and asks the provider nothing", async () => {
    const foreign = edited(paidBody, { terminal_sn: otherTill });
    expect(await probe().unchangedBy(() => notify(foreign, signedBy(otherTill, foreign)))).toMatchObject({ status: 200, text: 'success' });
  });

  it('acknowledges a verified callback for an order it does not know, and asks the provider nothing', async () => {
    const unknown = edited(paidBody, { client_sn: `nobody-${randomUUID()}`, sn: '9999999999999999' });
    expect(await probe().unchangedBy(() => notify(unknown, signedBy(till, unknown)))).toMatchObject({ status: 200, text: 'success' });
  });
});
