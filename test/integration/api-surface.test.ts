// The API's rough edges a new user met (issue 15): limits in characters, the two error shapes
// (ours, and API Gateway's own answers), the body revoke and cancel take, messages that name
// the limit to act on, one key_stored_at, and the device_id the provider's own clients send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { openApiDocument } from '../../lib/api/openapi.js';
import { ROUTES } from '../../lib/api/routes.js';
import { activate, barcode, bookOf, call, sandboxControl, startTestStack, type OrderBody } from './helpers/local-stack.js';
import { errorShapeProblem, rawRequest } from './helpers/security.js';

let stack: LocalStack;
let till: string;
let sequence = 0;
const clientSn = () => `surface-${Date.now()}-${(sequence += 1)}`;
type ErrorBody = { error: { code: string; message: string; field?: string } };

const payment = (fields: Record<string, unknown> = {}) => ({ terminal_sn: till, client_sn: clientSn(), total_amount: 100, dynamic_id: barcode(), subject: 'tea', operator: 'ann', ...fields });
const pay = (fields: Record<string, unknown> = {}) => call<OrderBody & ErrorBody & { subject: string }>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body: payment(fields) });

beforeAll(async () => {
  stack = await startTestStack();
  till = await activate(stack);
});
afterAll(() => stack?.close());

describe('limits count characters, as the provider does', () => {
  it('accepts a subject of 64 Chinese characters (192 UTF-8 bytes), and the provider gets it whole', async () => {
    const answer = await pay({ subject: '茉'.repeat(64) });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.subject).toBe('茉'.repeat(64));
    expect(await bookOf(stack, answer.body.client_sn)).toHaveLength(1);
  });

  it('refuses 65 characters with a 400 that says "at most 64 characters"', async () => {
    const answer = await pay({ subject: '茉'.repeat(65) });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'VALIDATION_FAILED', field: 'subject', message: 'subject: must be at most 64 characters' });
  });

  it('documents the same limit in OpenAPI (maxLength counts characters)', () => {
    type Paths = Record<string, { post: { requestBody: { content: Record<string, { schema: { properties: Record<string, { maxLength?: number }> } }> } } }>;
    const paths = openApiDocument().paths as Paths;
    expect(paths['/v1/payments']?.post.requestBody.content['application/json']?.schema.properties.subject?.maxLength).toBe(64);
  });
});

describe("the device_id the provider's own clients send", () => {
  it('accepts a 36-character UUID device_id on a pay, and the provider accepts it too', async () => {
    const answer = await pay({ device_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.order_status).toBe('PAID');
  });
});

describe('messages name the limit to act on', () => {
  it('answers a total_amount of 1e21 with "at most 9999999999"', async () => {
    const answer = await call<ErrorBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, raw: JSON.stringify(payment()).replace('"total_amount":100', '"total_amount":1e21') });
    expect(answer.status).toBe(400);
    expect(answer.body.error.field).toBe('total_amount');
    expect(answer.body.error.message).toContain('at most 9999999999');
  });

  it('answers a null body with "expected a JSON object"', async () => {
    const answer = await call<ErrorBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, raw: 'null' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toBe('expected a JSON object');
  });
});

describe('error shapes', () => {
  it('answers with API Gateway’s own {"message"} where the gateway answers: 401 without a token, 404 for an unknown route, 413 over its size limit', async () => {
    const noToken = await rawRequest(stack.apiUrl, { method: 'POST', path: '/v1/payments', headers: { 'content-type': 'application/json' }, body: '{}' });
    const noRoute = await rawRequest(stack.apiUrl, { method: 'GET', path: '/v1/nothing-here', headers: { authorization: `Bearer ${stack.tokens.cashier}` } });
    const tooBig = await rawRequest(stack.apiUrl, { method: 'POST', path: '/v1/payments', headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.cashier}` }, body: Buffer.alloc(1024 * 1024 + 1, 0x20) });
    expect([noToken, noRoute, tooBig].map((answer) => [answer.status, JSON.parse(answer.text) as unknown])).toEqual([
      [401, { message: 'Unauthorized' }],
      [404, { message: 'Not Found' }],
      [413, { message: 'Request Entity Too Large' }],
    ]);
  });

  it("keeps our {\"error\": {code, message, field}} for every answer of our code, 413 over 16 KiB included", async () => {
    const answer = await rawRequest(stack.apiUrl, {
      method: 'POST',
      path: '/v1/payments',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.tokens.cashier}` },
      body: JSON.stringify(payment({ description: 'x'.repeat(17 * 1024) })),
    });
    expect(answer.status).toBe(413);
    expect(errorShapeProblem(answer)).toBeUndefined();
    expect(JSON.parse(answer.text)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('documents the gateway’s answers in OpenAPI: 401 and 413 on every JWT route, 404 in the description', () => {
    const document = openApiDocument() as { info: { description: string }; paths: Record<string, Record<string, { responses: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
    expect(document.components.schemas.GatewayError).toMatchObject({ properties: { message: { type: 'string' } } });
    expect(document.info.description).toMatch(/404/);
    for (const route of ROUTES.filter((entry) => entry.jwt)) {
      const responses = document.paths[route.path]?.[route.method.toLowerCase()]?.responses ?? {};
      expect(JSON.stringify(responses[401]), `${route.method} ${route.path}`).toContain('#/components/schemas/GatewayError');
      expect(JSON.stringify(responses[413]), `${route.method} ${route.path}`).toContain('#/components/schemas/GatewayError');
    }
  });
});

describe('the body of revoke and cancel', () => {
  it.each(['revoke', 'cancel'])('documents {"operator"} as the optional body of %s', (action) => {
    const operation = (openApiDocument() as { paths: Record<string, { post: { requestBody?: { required: boolean; content: Record<string, { schema: { properties: Record<string, unknown> } }> } } }> }).paths[`/v1/orders/{order_id}/${action}`]?.post;
    expect(operation?.requestBody?.required).toBe(false);
    expect(Object.keys(operation?.requestBody?.content['application/json']?.schema.properties ?? {})).toEqual(['operator']);
  });

  it('takes {"operator"} on a cancel and keeps who asked', async () => {
    const paid = await pay();
    const answer = await call<OrderBody & { reversal_requested_by?: string }>(stack, 'POST', `/v1/orders/${paid.body.order_id}/cancel`, { token: stack.tokens.admin, body: { operator: 'bob' } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body).toMatchObject({ order_status: 'CANCELED', reversal_requested_by: 'bob' });
  });
});

describe('key_stored_at', () => {
  it('is one timestamp: the activation answer and a later GET agree to the millisecond', async () => {
    const { code } = (await sandboxControl(stack.sandbox.url, 'POST', 'activation-codes', { uses: 1 })) as { code: string };
    const activated = await call<{ terminal_sn: string; key_stored_at: string }>(stack, 'POST', '/v1/terminals', { token: stack.tokens.admin, body: { activation_code: code, device_id: 'till-stamp' } });
    expect(activated.status, JSON.stringify(activated.body)).toBe(201);
    const viewed = await call<{ key_stored_at: string }>(stack, 'GET', `/v1/terminals/${activated.body.terminal_sn}`, { token: stack.tokens.admin });
    expect(viewed.body.key_stored_at).toBe(activated.body.key_stored_at);
  });

  it('issues activation codes for the backend’s own store when asked without a store', async () => {
    const issued = (await sandboxControl(stack.sandbox.url, 'POST', 'activation-codes', { uses: 1 })) as { store_id: string };
    expect(issued.store_id).toBe(stack.storeId);
  });
});
