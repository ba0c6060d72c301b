// Order events on the local stack: the same mapping as the pipe's enrichment, written as JSON
// lines; the sequence of a pay, a full refund, a refused revoke, and a revoked second payment.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { activate, barcode, call, startTestStack, type OrderBody } from './helpers/local-stack.js';

interface EventLine {
  source: string;
  'detail-type': string;
  detail: { event_id: string; detail_type: string; order_id: string; order_status: string; refund_request_no?: string; refunds: { status: string }[] };
}

let stack: LocalStack;
let terminal: string;

beforeAll(async () => {
  stack = await startTestStack({ orderEvents: true });
  terminal = await activate(stack);
});
afterAll(() => stack?.close());

const pay = (clientSn: string) =>
  call<OrderBody>(stack, 'POST', '/v1/payments', { token: stack.tokens.cashier, body: { terminal_sn: terminal, client_sn: clientSn, total_amount: 1000, subject: 'tea', operator: 'ann', dynamic_id: barcode() } });
const revoke = (orderId: string) => call<OrderBody>(stack, 'POST', `/v1/orders/${orderId}/revoke`, { token: stack.tokens.admin, body: {} });

async function eventsOf(orderId: string): Promise<EventLine[]> {
  const writer = stack.events;
  if (!writer) throw new Error('the local stack writes no events');
  await writer.drain();
  return readFileSync(writer.file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as EventLine)
    .filter((event) => event.detail.order_id === orderId);
}

describe('order events on the local stack', () => {
  it('writes pay → refund → (refused) revoke, and a revoked payment, as events with the order view', async () => {
    const paid = await pay(`events-${Date.now()}-a`);
    expect(paid.body.order_status).toBe('PAID');
    const refunded = await call<OrderBody>(stack, 'POST', `/v1/orders/${paid.body.order_id}/refunds`, { token: stack.tokens.cashier, body: { operator: 'ann', refund_request_no: 'r1', refund_amount: 1000 } });
    expect(refunded.body.order_status).toBe('REFUNDED');
    expect((await revoke(paid.body.order_id)).status).toBe(409);

    const first = await eventsOf(paid.body.order_id);
    const types = first.map((event) => event['detail-type']);
    expect(types.slice(0, 3)).toEqual(['order.created', 'order.paid', 'order.refund.in_progress']);
    expect(types.slice(3).sort()).toEqual(['order.refund.success', 'order.refunded']);
    const last = first.find((event) => event['detail-type'] === 'order.refunded');
    expect(last?.detail).toMatchObject({ order_status: 'REFUNDED', refunds: [{ status: 'REFUND_SUCCESS' }] });
    expect(first.find((event) => event['detail-type'] === 'order.refund.success')?.detail.refund_request_no).toBe('r1');

    const second = await pay(`events-${Date.now()}-b`);
    expect((await revoke(second.body.order_id)).body.order_status).toBe('CANCELED');
    const revoked = await eventsOf(second.body.order_id);
    expect(revoked.map((event) => event['detail-type'])).toEqual(['order.created', 'order.paid', 'order.canceled']);

    for (const event of [...first, ...revoked]) {
      expect(event.source).toBe('upay.orders');
      expect(event.detail.detail_type).toBe(event['detail-type']);
      for (const internal of ['pk', 'sk', 'terminal_key', 'request_hash', 'attempt_id', 'provider', 'work']) expect(event.detail, internal).not.toHaveProperty(internal);
    }
    const ids = [...first, ...revoked].map((event) => event.detail.event_id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
