// Free text that would be stored, echoed and sent to the provider — order numbers, refund
// numbers, operators, subjects — is one line of printable text. A NUL, a line break or a bidi
// override (which makes a stored order number read as another), and bytes that are not UTF-8
// (which would be stored as U+FFFD), are refused with a 400 naming the field, before anything
// is written or sent.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStack } from '../../local/stack.js';
import { activate, barcode, call, startTestStack, type OrderBody } from './helpers/local-stack.js';
import { effectProbe, errorShapeProblem, mintToken, rawRequest } from './helpers/security.js';

let stack: LocalStack;
let tableName: string;
let dir: string;
let till: string;
let paid: OrderBody;
let sequence = 0;
const fresh = (prefix: string) => `${prefix}-${Date.now()}-${(sequence += 1)}`;

const UNSAFE: [string, string][] = [
  ['a NUL', 'a\u0000b'],
  ['a newline', 'a\nb'],
  ['a right-to-left override', 'a\u202Eb'],
  ['a first-strong isolate', 'a\u2066b'],
  ['a zero-width space', 'a\u200Bb'],
];

interface Target {
  route: string;
  path: () => string;
  token: () => string;
  body: () => Record<string, unknown>;
  fields: string[];
}

const TARGETS: Target[] = [
  {
    route: 'POST /v1/payments',
    path: () => '/v1/payments',
    token: () => stack.tokens.cashier,
    body: () => ({ terminal_sn: till, client_sn: fresh('txt'), total_amount: 100, dynamic_id: barcode(), subject: 'tea', operator: 'ann' }),
    fields: ['client_sn', 'subject', 'operator', 'description', 'reflect'],
  },
  {
    route: 'POST /v1/precreates',
    path: () => '/v1/precreates',
    token: () => stack.tokens.cashier,
    body: () => ({ terminal_sn: till, client_sn: fresh('txt-qr'), total_amount: 100, payway: '3', subject: 'cake', operator: 'ann' }),
    fields: ['client_sn', 'subject', 'operator'],
  },
  {
    route: 'POST /v1/orders/{order_id}/refunds',
    path: () => `/v1/orders/${paid.order_id}/refunds`,
    token: () => stack.tokens.cashier,
    body: () => ({ refund_request_no: fresh('r').slice(-20), refund_amount: 1, operator: 'ann' }),
    fields: ['refund_request_no', 'operator'],
  },
  { route: 'POST /v1/orders/{order_id}/revoke', path: () => `/v1/orders/${paid.order_id}/revoke`, token: () => stack.tokens.admin, body: () => ({ operator: 'ann' }), fields: ['operator'] },
  { route: 'POST /v1/orders/{order_id}/cancel', path: () => `/v1/orders/${paid.order_id}/cancel`, token: () => stack.tokens.admin, body: () => ({ operator: 'ann' }), fields: ['operator'] },
  // The note is kept in the order's resolutions and shown to every later reader.
  { route: 'POST /v1/orders/{order_id}/resolve', path: () => `/v1/orders/${paid.order_id}/resolve`, token: () => stack.tokens.admin, body: () => ({ note: 'checked' }), fields: ['note'] },
  { route: 'POST /v1/terminals', path: () => '/v1/terminals', token: () => stack.tokens.admin, body: () => ({ activation_code: '00000000', device_id: fresh('dev') }), fields: ['device_id', 'name'] },
];

const probe = () => effectProbe(stack.sandbox.url, inject('dynamoEndpoint'), tableName);

function post(target: Target, body: string | Buffer) {
  return rawRequest(stack.apiUrl, { method: 'POST', path: target.path(), headers: { 'content-type': 'application/json', authorization: `Bearer ${target.token()}` }, body });
}

beforeAll(async () => {
  tableName = `text-${randomUUID()}`;
  // No callbacks: the provider's callback for the paid order would make the backend query it
  // at a moment of the provider's choosing, in the middle of a refusal that must ask nothing.
  dir = mkdtempSync(join(tmpdir(), 'upay-text-'));
  stack = await startTestStack({ dir, tableName, env: { NOTIFY_URL: '' } });
  till = await activate(stack);
  const answer = await call<OrderBody>(stack, 'POST', '/v1/payments', {
    token: stack.tokens.cashier,
    body: { terminal_sn: till, client_sn: fresh('paid'), total_amount: 1000, dynamic_id: barcode(), subject: 'tea', operator: 'ann' },
  });
  if (answer.status !== 200) throw new Error(`payment failed: ${answer.status}`);
  paid = answer.body;
});

afterAll(() => stack?.close());

describe.each(TARGETS)('$route', (target) => {
  const cases = target.fields.flatMap((field) => UNSAFE.map(([what, value]) => [field, what, value] as const));

  it.each(cases)('refuses a %s with %s in it with a 400 naming the field, writing and sending nothing', async (field, _what, value) => {
    const answer = await probe().unchangedBy(() => post(target, JSON.stringify({ ...target.body(), [field]: value })));
    expect(answer.status, answer.text).toBe(400);
    expect(errorShapeProblem(answer)).toBeUndefined();
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'VALIDATION_FAILED', field } });
  });

  it.each(target.fields)('refuses a %s holding bytes that are not UTF-8 with a 400 naming the field, writing and sending nothing', async (field) => {
    const marker = '@@bad-bytes@@';
    const text = JSON.stringify({ ...target.body(), [field]: `a${marker}b` });
    const [before, after] = text.split(marker) as [string, string];
    // 0xC3 starts a two-byte sequence that 0x28 does not continue; 0xFF is never UTF-8.
    const body = Buffer.concat([Buffer.from(before, 'utf8'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from(after, 'utf8')]);
    const answer = await probe().unchangedBy(() => post(target, body));
    expect(answer.status, answer.text).toBe(400);
    expect(errorShapeProblem(answer)).toBeUndefined();
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'INVALID_ENCODING', field } });
  });
});

describe('what stays allowed', () => {
  it('stores and echoes a Chinese subject of 64 characters and an operator with a space', async () => {
    const clientSn = fresh('zh');
    const answer = await call<OrderBody & { subject: string; operator: string }>(stack, 'POST', '/v1/payments', {
      token: stack.tokens.cashier,
      body: { terminal_sn: till, client_sn: clientSn, total_amount: 100, dynamic_id: barcode(), subject: '茉'.repeat(64), operator: 'Ann Lee' },
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ subject: '茉'.repeat(64), operator: 'Ann Lee' });
  });

  it('refuses a look-up by a client_sn with a newline in it with a 400 naming it', async () => {
    const answer = await call(stack, 'GET', `/v1/orders?client_sn=${encodeURIComponent('a\nb')}`, { token: stack.tokens.cashier });
    expect(answer).toMatchObject({ status: 400, body: { error: { field: 'client_sn' } } });
  });
});

// The CSV's file name carries the store id into a response header, where a line break or a
// character outside Latin-1 is not allowed: the answer must still be ours, never a 5xx.
describe('the daily report as CSV', () => {
  const csvOf = (token: string, query: string) =>
    rawRequest(stack.apiUrl, { method: 'GET', path: `/v1/reports/daily?date=2026-12-01${query}`, headers: { accept: 'text/csv', authorization: `Bearer ${token}` } });

  it('refuses an ops store_id with a newline in it with a 400 naming store_id', async () => {
    const answer = await csvOf(stack.tokens.ops, `&store_id=${encodeURIComponent('demo\nstore')}`);
    expect(answer.status, answer.text).toBe(400);
    expect(errorShapeProblem(answer)).toBeUndefined();
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'store_id' } });
  });

  it('answers the admin of a store with a Chinese name with the CSV', async () => {
    const token = await mintToken(dir, { claims: { sub: 'admin-zh', 'custom:store_id': '茶店-1', 'cognito:groups': ['admin'] } });
    const answer = await csvOf(token, '');
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text.startsWith('order_id,')).toBe(true);
  });
});

// A cursor is the caller's text too: one forged for the right query but naming a position the
// ledger's index cannot start from must be our 400, not DynamoDB's ValidationException as a 500.
describe('a forged page cursor', () => {
  it('is refused with a 400 naming cursor', async () => {
    const date = '2026-12-01';
    const scope = createHash('sha256').update(JSON.stringify({ store: stack.storeId, date })).digest('base64url').slice(0, 16);
    const position = { pk: 'x', sk: 'y', store_day: `another-store#${date}`, created_at: '2026-12-01T00:00:00.000Z' };
    const cursor = Buffer.from(JSON.stringify({ q: scope, p: position }), 'utf8').toString('base64url');
    const answer = await rawRequest(stack.apiUrl, { method: 'GET', path: `/v1/orders?date=${date}&cursor=${cursor}`, headers: { authorization: `Bearer ${stack.tokens.cashier}` } });
    expect(answer.status, answer.text).toBe(400);
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'VALIDATION_FAILED', field: 'cursor' } });
  });
});
