// Concurrency through the local HTTP API: nothing double-spent, nothing over-refunded,
// one key rotation, however the requests interleave.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { activate, barcode, bookOf, call, providerCalls, sandboxControl, startTestStack } from './helpers/local-stack.js';
import type { OrderBody } from './helpers/local-stack.js';

let stack: LocalStack;
let terminal: string;

beforeAll(async () => {
  stack = await startTestStack();
  terminal = await activate(stack);
});
afterAll(() => stack?.close());

const payBody = (clientSn: string, suffix = '0000') => ({ terminal_sn: terminal, client_sn: clientSn, total_amount: 1000, dynamic_id: barcode(suffix), subject: 'tea', operator: 'ann' });

describe('under concurrency', () => {
  it('refunds at most the paid amount when 50 different refunds of one order race', async () => {
    const clientSn = `race50-${Date.now()}`;
    const paid = (await call<OrderBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body: payBody(clientSn) })).body;
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(stack, 'POST', `/v1/orders/${paid.order_id}/refunds`, { token: stack.tokens.cashier, body: { refund_request_no: `p${i}`, refund_amount: 70, operator: 'ann' } }),
      ),
    );
    expect(answers.every((a) => a.status < 500)).toBe(true);
    const read = async () => (await call<OrderBody>(stack, 'GET', `/v1/orders/${paid.order_id}`, { token: stack.tokens.cashier })).body;
    let order = await read();
    for (let pass = 0; pass < 40 && order.refunds.some((r) => r.status === 'REFUND_IN_PROGRESS'); pass += 1) {
      await stack.runDue(300);
      order = await read();
    }
    const refunded = order.refunds.filter((r) => r.status === 'REFUND_SUCCESS').reduce((sum, r) => sum + r.refund_amount, 0);
    expect(refunded).toBeLessThanOrEqual(1000);
    expect(refunded).toBe(Math.floor(1000 / 70) * 70);
    expect(order).toMatchObject({ refunded_amount: refunded, net_amount: 1000 - refunded });
    const [theirs] = await bookOf(stack, clientSn);
    expect(theirs).toMatchObject({ refunded_amount: refunded, net_amount: 1000 - refunded });
  });

  it('makes one order and one provider charge of 20 identical pays sent at once', async () => {
    const clientSn = `same20-${Date.now()}`;
    const body = payBody(clientSn);
    const before = await providerCalls(stack, '/upay/v2/pay');
    const answers = await Promise.all(Array.from({ length: 20 }, () => call<OrderBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body })));
    expect(new Set(answers.map((a) => a.body.order_id)).size).toBe(1);
    expect(answers.every((a) => a.status === 200 || a.status === 202)).toBe(true);
    expect(await providerCalls(stack, '/upay/v2/pay')).toBe(before + 1);
    expect(await bookOf(stack, clientSn)).toHaveLength(1);
  });

  it('settles a pay racing its own cancel the same way at both ends', async () => {
    const clientSn = `pay-vs-cancel-${Date.now()}`;
    const paying = call<OrderBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body: payBody(clientSn, '9103') });
    // The admin cancels as soon as the order exists, while the pay is still in flight.
    let lookup = await call<OrderBody>(stack, 'GET', `/v1/orders?client_sn=${clientSn}`, { token: stack.tokens.cashier });
    for (let poll = 0; poll < 400 && lookup.status === 404; poll += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      lookup = await call<OrderBody>(stack, 'GET', `/v1/orders?client_sn=${clientSn}`, { token: stack.tokens.cashier });
    }
    expect(lookup.status).toBe(200);
    const cancel = await call<OrderBody>(stack, 'POST', `/v1/orders/${lookup.body.order_id}/cancel`, { token: stack.tokens.admin, body: {} });
    expect(cancel.status).toBeLessThan(500);
    await paying;
    let order = (await call<OrderBody>(stack, 'GET', `/v1/orders/${lookup.body.order_id}`, { token: stack.tokens.cashier })).body;
    for (let pass = 0; pass < 40 && (order.order_status === 'CREATED' || 'reversal' in order); pass += 1) {
      await stack.runDue(300);
      order = (await call<OrderBody>(stack, 'GET', `/v1/orders/${lookup.body.order_id}`, { token: stack.tokens.cashier })).body;
    }
    const [theirs] = await bookOf(stack, clientSn);
    expect({ status: order.order_status, net: order.net_amount }).toEqual({ status: theirs?.order_status, net: theirs?.net_amount });
    expect(order.net_amount).toBe(0);
  });

  it('rotates each key once when two fleet check-ins run at once', async () => {
    const terminals = [terminal, await activate(stack), await activate(stack)];
    const checkins = async () => Promise.all(terminals.map(async (sn) => ((await sandboxControl(stack.sandbox.url, 'GET', `terminals/${sn}`)) as { checkins: number }).checkins));
    const before = await checkins();
    await Promise.all([stack.checkInFleet(), stack.checkInFleet()]);
    const after = await checkins();
    expect(after.map((count, i) => count - (before[i] ?? 0))).toEqual(terminals.map(() => 1));
  });
});
