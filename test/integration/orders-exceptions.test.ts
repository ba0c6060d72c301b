// Orders the provider failed or is still working on, end to end (local stack, DynamoDB Local,
// the sandbox over real HTTP): found by the provider's sn, read without flooding the provider,
// and reversed again by a client that lost the answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { activate, barcode, call, providerCalls, sandboxControl, startTestStack, type OrderBody } from './helpers/local-stack.js';

// The provider's polling interval, long enough that every read of this file falls inside one.
const POLL_INTERVAL_MS = 60_000;

let stack: LocalStack;
let terminal: string;
let counter = 0;
const clientSn = (label: string) => `${label}-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  stack = await startTestStack({ env: { POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) } });
  terminal = await activate(stack);
});
afterAll(() => stack?.close());

const pay = (client_sn: string, suffix: string) =>
  call<OrderBody>(stack, 'POST', '/v1/payments', {
    token: stack.tokens.cashier,
    body: { terminal_sn: terminal, client_sn, total_amount: 1000, subject: 'tea', operator: 'ann', dynamic_id: barcode(suffix) },
  });
const reversal = (orderId: string, action: 'revoke' | 'cancel') => call<OrderBody>(stack, 'POST', `/v1/orders/${orderId}/${action}`, { token: stack.tokens.admin, body: {} });

/** The provider's sn for an order, from the sandbox's books (not from our answer). */
async function providerSn(clientSnValue: string): Promise<string> {
  const { orders } = (await sandboxControl(stack.sandbox.url, 'GET', 'orders')) as { orders: { client_sn: string; sn: string }[] };
  const entry = orders.find((order) => order.client_sn === clientSnValue);
  if (!entry) throw new Error(`the sandbox has no order ${clientSnValue}`);
  return entry.sn;
}

describe('an order the provider failed', () => {
  it.each([
    ['9500', 'PAY_FAIL_ERROR'],
    ['9501', 'PAY_FAIL_IN_PROGRESS'],
  ])('is found by the provider sn (scenario %s, %s)', async (suffix) => {
    const sn = clientSn(`failed-${suffix}`);
    const answer = await pay(sn, suffix);
    expect(answer.body.attention).not.toBeNull();
    const bySn = await call<OrderBody>(stack, 'GET', `/v1/orders?sn=${await providerSn(sn)}`, { token: stack.tokens.cashier });
    expect(bySn.status).toBe(200);
    expect(bySn.body.order_id).toBe(answer.body.order_id);
  });

  it('is found by the provider sn when its cancel failed (scenario 9301)', async () => {
    const sn = clientSn('cancel-failed');
    const answer = await pay(sn, '9301');
    expect(answer.status).toBe(202);
    const canceled = await reversal(answer.body.order_id, 'cancel');
    expect(canceled.body.attention).toMatch(/CANCEL_ABORT_ERROR/);
    const bySn = await call<OrderBody>(stack, 'GET', `/v1/orders?sn=${await providerSn(sn)}`, { token: stack.tokens.cashier });
    expect(bySn.status).toBe(200);
    expect(bySn.body.order_id).toBe(answer.body.order_id);
  });
});

describe('reading an open order', () => {
  it('asks the provider at most once per polling interval however many read it: 60 GETs, 30 at a time', async () => {
    const answer = await pay(clientSn('open'), '9300');
    expect(answer.status).toBe(202);
    const before = await providerCalls(stack, '/upay/v2/query');
    const started = Date.now();
    for (let batch = 0; batch < 2; batch += 1) {
      const reads = await Promise.all(Array.from({ length: 30 }, () => call<OrderBody>(stack, 'GET', `/v1/orders/${answer.body.order_id}`, { token: stack.tokens.cashier })));
      expect(reads.map((read) => read.status)).toEqual(reads.map(() => 200));
      expect(reads.every((read) => read.body.order_status === 'CREATED')).toBe(true);
    }
    const intervals = Math.floor((Date.now() - started) / POLL_INTERVAL_MS) + 1;
    expect((await providerCalls(stack, '/upay/v2/query')) - before).toBeLessThanOrEqual(intervals);
  });
});

describe('retrying a reversal', () => {
  it('the same revoke again answers the order: 202 while in progress, not 409', async () => {
    const answer = await pay(clientSn('revoke-again'), '9702');
    expect(answer.status).toBe(200);
    const first = await reversal(answer.body.order_id, 'revoke');
    expect(first.status).toBe(202);
    const again = await reversal(answer.body.order_id, 'revoke');
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ order_id: answer.body.order_id, reversal: 'revoke' });
  });

  it('the same revoke again after it completed answers 200 with the CANCELED order', async () => {
    const answer = await pay(clientSn('revoke-done'), '0000');
    const first = await reversal(answer.body.order_id, 'revoke');
    expect(first.status).toBe(200);
    expect(first.body.order_status).toBe('CANCELED');
    const again = await reversal(answer.body.order_id, 'revoke');
    expect(again.status).toBe(200);
    expect(again.body.order_status).toBe('CANCELED');
  });

  it('of 15 concurrent identical cancels none gets 409, and the provider is asked once', async () => {
    const answer = await pay(clientSn('cancel-15'), '9300');
    expect(answer.status).toBe(202);
    const before = await providerCalls(stack, '/upay/v2/cancel');
    const answers = await Promise.all(Array.from({ length: 15 }, () => reversal(answer.body.order_id, 'cancel')));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((status) => status !== 200 && status !== 202), JSON.stringify(answers.map((a) => a.body))).toEqual([]);
    expect((await providerCalls(stack, '/upay/v2/cancel')) - before).toBe(1);
    const again = await reversal(answer.body.order_id, 'cancel');
    expect(again).toMatchObject({ status: 200, body: { order_status: 'CANCELED' } });
  });
});
