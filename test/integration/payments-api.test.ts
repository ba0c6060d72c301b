// The payment API end to end: HTTP against the local stack (same handlers, DynamoDB Local,
// the sandbox over real HTTP), one test per path of the provider's sequence diagrams.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { activate, barcode, bookOf, call, providerCalls, sandboxControl, startTestStack } from './helpers/local-stack.js';
import type { OrderBody } from './helpers/local-stack.js';

let stack: LocalStack;
let terminal: string;
let counter = 0;
const clientSn = (label: string) => `${label}-${Date.now()}-${(counter += 1)}`;

beforeAll(async () => {
  stack = await startTestStack();
  terminal = await activate(stack);
});
afterAll(() => stack?.close());

const pay = (body: Record<string, unknown>, token = stack.tokens.cashier) =>
  call<OrderBody>(stack, 'POST', '/v1/payments', {
    token,
    body: { terminal_sn: terminal, total_amount: 1000, subject: 'tea', operator: 'ann', dynamic_id: barcode(), ...body },
  });
const getOrder = (orderId: string, token = stack.tokens.cashier) => call<OrderBody>(stack, 'GET', `/v1/orders/${orderId}`, { token });
const refund = (orderId: string, body: Record<string, unknown>) =>
  call<OrderBody>(stack, 'POST', `/v1/orders/${orderId}/refunds`, { token: stack.tokens.cashier, body: { operator: 'ann', ...body } });

/** Runs passes of due work until the order is no longer CREATED (bounded). */
async function settleByTimer(orderId: string): Promise<OrderBody> {
  for (let pass = 0; pass < 60; pass += 1) {
    await stack.runDue(300);
    const order = (await getOrder(orderId)).body;
    if (order.order_status !== 'CREATED' && !order.refunds.some((r) => r.status === 'REFUND_IN_PROGRESS')) return order;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`order ${orderId} did not settle`);
}

describe('pay', () => {
  it('answers 200 PAID when the provider says PAY_SUCCESS at once', async () => {
    const answer = await pay({ client_sn: clientSn('ok') });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ order_status: 'PAID', total_amount: 1000, net_amount: 1000, attention: null });
  });

  it('polls within the request and answers 200 PAID when the payment completes after PAY_IN_PROGRESS', async () => {
    const answer = await pay({ client_sn: clientSn('slow'), dynamic_id: barcode('9102') });
    expect(answer.status).toBe(200);
    expect(answer.body.order_status).toBe('PAID');
  });

  it('answers 202 CREATED when the payment is still open after the request, and the step timer settles it PAID', async () => {
    // PAID at the 14th query: a poll starts only while 150 ms + the 1 s provider timeout still
    // fit in the 3 s request, so at most 13 fit (one every 150 ms up to 1.85 s); the slower the
    // machine, the fewer, and the step timer makes the rest before the 8 s deadline.
    const answer = await pay({ client_sn: clientSn('slower'), dynamic_id: barcode('9114') });
    expect(answer.status).toBe(202);
    expect(answer.body.order_status).toBe('CREATED');
    const settled = await settleByTimer(answer.body.order_id);
    expect(settled.order_status).toBe('PAID');
  });

  it('cancels a payment that never resolves once its deadline passes', async () => {
    const sn = clientSn('forever');
    const answer = await pay({ client_sn: sn, dynamic_id: barcode('9300') });
    expect(answer.status).toBe(202);
    const settled = await settleByTimer(answer.body.order_id);
    expect(settled).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
    expect((await bookOf(stack, sn))[0]).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
  });

  it('finds and settles a payment whose reply was lost after the provider charged, without charging twice', async () => {
    const sn = clientSn('dropped');
    await sandboxControl(stack.sandbox.url, 'POST', 'faults', { kind: 'drop_reply', path: '/upay/v2/pay', count: 1 });
    const before = await providerCalls(stack, '/upay/v2/pay');
    const answer = await pay({ client_sn: sn });
    expect(answer.body.order_status).toBe('PAID');
    expect(await providerCalls(stack, '/upay/v2/pay')).toBe(before + 1);
    expect(await bookOf(stack, sn)).toHaveLength(1);
  });

  it('returns the same order for a repeated request, with one provider charge', async () => {
    const sn = clientSn('dup');
    const body = { client_sn: sn, dynamic_id: barcode() };
    const before = await providerCalls(stack, '/upay/v2/pay');
    const first = await pay(body);
    const second = await pay(body);
    expect(second.status).toBe(200);
    expect(second.body.order_id).toBe(first.body.order_id);
    expect(await providerCalls(stack, '/upay/v2/pay')).toBe(before + 1);
  });

  it('answers 409 for the same client_sn with a different body', async () => {
    const sn = clientSn('conflict');
    await pay({ client_sn: sn });
    const again = await pay({ client_sn: sn, total_amount: 999 });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'CLIENT_SN_REUSED', field: 'client_sn' });
  });

  it('records PAY_FAIL as PAY_CANCELED with the provider code; a retry needs a new client_sn', async () => {
    const sn = clientSn('fail');
    const failed = await pay({ client_sn: sn, dynamic_id: barcode('9401') });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ order_status: 'PAY_CANCELED', error_code: 'INSUFFICIENT_FUND', net_amount: 0 });
    const retry = await pay({ client_sn: clientSn('fail-retry') });
    expect(retry.body.order_status).toBe('PAID');
  });

  it('marks PAY_FAIL_ERROR as needing attention, never as paid or failed', async () => {
    const answer = await pay({ client_sn: clientSn('unknown'), dynamic_id: barcode('9500') });
    expect(answer.body.attention).not.toBeNull();
    expect(answer.body.order_status).not.toBe('PAID');
    expect(answer.body.order_status).not.toBe('PAY_CANCELED');
  });
});

describe('refunds', () => {
  it('takes partial refunds down to zero net, and then refuses more', async () => {
    const paid = (await pay({ client_sn: clientSn('refunds') })).body;
    const first = await refund(paid.order_id, { refund_request_no: 'r1', refund_amount: 300 });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ order_status: 'PARTIAL_REFUNDED', net_amount: 700, refunded_amount: 300 });
    const second = await refund(paid.order_id, { refund_request_no: 'r2', refund_amount: 700 });
    expect(second.body).toMatchObject({ order_status: 'REFUNDED', net_amount: 0, refunded_amount: 1000 });
    const third = await refund(paid.order_id, { refund_request_no: 'r3', refund_amount: 1 });
    expect(third.status).toBe(409);
    const [book] = await bookOf(stack, paid.client_sn);
    expect(book).toMatchObject({ order_status: 'REFUNDED', net_amount: 0, refunded_amount: 1000 });
  });

  it('treats the same refund_request_no as the same refund, and a different amount under it as a conflict', async () => {
    const paid = (await pay({ client_sn: clientSn('refund-dup') })).body;
    await refund(paid.order_id, { refund_request_no: 'same', refund_amount: 100 });
    const again = await refund(paid.order_id, { refund_request_no: 'same', refund_amount: 100 });
    expect(again.status).toBe(200);
    expect(again.body.refunds).toHaveLength(1);
    expect(again.body.net_amount).toBe(900);
    const other = await refund(paid.order_id, { refund_request_no: 'same', refund_amount: 200 });
    expect(other.status).toBe(409);
  });

  it('refunds once when the refund reply is lost after the provider applied it', async () => {
    const paid = (await pay({ client_sn: clientSn('refund-drop') })).body;
    await sandboxControl(stack.sandbox.url, 'POST', 'faults', { kind: 'drop_reply', path: '/upay/v2/refund', count: 1 });
    const answer = await refund(paid.order_id, { refund_request_no: 'lost', refund_amount: 400 });
    const settled = answer.body.refunds[0]?.status === 'REFUND_SUCCESS' ? answer.body : await settleByTimer(paid.order_id);
    expect(settled).toMatchObject({ net_amount: 600, refunded_amount: 400 });
    const [book] = await bookOf(stack, paid.client_sn);
    expect(book?.refunds).toHaveLength(1);
    expect(book).toMatchObject({ net_amount: 600 });
  });

  it('never refunds more than was paid under 20 concurrent refunds', async () => {
    const paid = (await pay({ client_sn: clientSn('refund-race'), total_amount: 1000 })).body;
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => refund(paid.order_id, { refund_request_no: `c${i}`, refund_amount: 150 })));
    const accepted = answers.filter((a) => a.status === 200 || a.status === 202).length;
    expect(accepted).toBeLessThanOrEqual(6);
    const final = (await getOrder(paid.order_id)).body;
    const succeeded = final.refunds.filter((r) => r.status === 'REFUND_SUCCESS').reduce((sum, r) => sum + r.refund_amount, 0);
    expect(succeeded).toBeLessThanOrEqual(1000);
    expect(final.net_amount).toBe(1000 - succeeded);
    const [book] = await bookOf(stack, paid.client_sn);
    expect(book?.net_amount).toBe(final.net_amount);
  });

  it('calls a person when the provider answers REFUND_ERROR, keeping the amount reserved', async () => {
    const paid = (await pay({ client_sn: clientSn('refund-error'), dynamic_id: barcode('9601') })).body;
    const answer = await refund(paid.order_id, { refund_request_no: 'e1', refund_amount: 500 });
    expect(answer.body.refunds[0]).toMatchObject({ status: 'REFUND_ERROR' });
    const more = await refund(paid.order_id, { refund_request_no: 'e2', refund_amount: 600 });
    expect(more.status).toBe(409);
  });
});

describe('revoke and cancel', () => {
  const revoke = (orderId: string) => call<OrderBody>(stack, 'POST', `/v1/orders/${orderId}/revoke`, { token: stack.tokens.admin, body: {} });

  it('revokes a payment made today', async () => {
    const paid = (await pay({ client_sn: clientSn('revoke') })).body;
    const answer = await revoke(paid.order_id);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ order_status: 'CANCELED', net_amount: 0 });
  });

  it('refuses to revoke after a refund, without asking the provider', async () => {
    const paid = (await pay({ client_sn: clientSn('revoke-refunded') })).body;
    await refund(paid.order_id, { refund_request_no: 'x', refund_amount: 100 });
    const before = await providerCalls(stack, '/upay/v2/revoke');
    const answer = await revoke(paid.order_id);
    expect(answer.status).toBe(409);
    expect(answer.body.error?.code).toBe('NOT_REVOCABLE');
    expect(await providerCalls(stack, '/upay/v2/revoke')).toBe(before);
  });

  it('refuses to revoke on the next day, and leaves the order paid', async () => {
    const paid = (await pay({ client_sn: clientSn('revoke-late') })).body;
    await sandboxControl(stack.sandbox.url, 'POST', 'clock', { advance_ms: 24 * 3_600_000 });
    try {
      const answer = await revoke(paid.order_id);
      expect(answer.status).toBe(409);
      expect((await getOrder(paid.order_id)).body).toMatchObject({ order_status: 'PAID', net_amount: 1000 });
    } finally {
      await sandboxControl(stack.sandbox.url, 'POST', 'clock', { advance_ms: -24 * 3_600_000 });
    }
  });

  it('lets only an admin revoke or cancel', async () => {
    const paid = (await pay({ client_sn: clientSn('revoke-cashier') })).body;
    const answer = await call(stack, 'POST', `/v1/orders/${paid.order_id}/revoke`, { token: stack.tokens.cashier, body: {} });
    expect(answer.status).toBe(403);
  });
});

describe('precreate and notify', () => {
  const precreate = (body: Record<string, unknown>) =>
    call<OrderBody>(stack, 'POST', '/v1/precreates', {
      token: stack.tokens.cashier,
      body: { terminal_sn: terminal, total_amount: 2500, subject: 'cake', operator: 'ann', payway: '3', ...body },
    });

  it('returns the QR value and its picture, and is settled PAID by the verified callback after the customer pays', async () => {
    const answer = await precreate({ client_sn: clientSn('qr'), qr_format: 'png' });
    expect(answer.status).toBe(201);
    expect(answer.body.qr_code).toBeTruthy();
    expect(answer.body.qr_svg).toContain('<svg');
    expect(answer.body.qr_png).toMatch(/^data:image\/png;base64,/);
    await sandboxControl(stack.sandbox.url, 'POST', 'qr/pay', { client_sn: answer.body.client_sn });
    // No GET and no pass of due work here: only the callback can have settled it.
    let status = 'CREATED';
    for (let poll = 0; poll < 400 && status === 'CREATED'; poll += 1) {
      const notes = (await sandboxControl(stack.sandbox.url, 'GET', 'notifications')) as { notifications: { sn?: string; answer?: string }[] };
      if (notes.notifications.some((n) => n.sn === answer.body.sn && n.answer === 'success')) status = 'NOTIFIED';
      else await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe('NOTIFIED');
    const order = (await call<OrderBody>(stack, 'GET', `/v1/orders?client_sn=${encodeURIComponent(answer.body.client_sn)}`, { token: stack.tokens.cashier })).body;
    expect(order.order_status).toBe('PAID');
  });

  it('ends PAY_CANCELED when the customer never pays and the provider expires the QR', async () => {
    const answer = await precreate({ client_sn: clientSn('qr-expire') });
    await sandboxControl(stack.sandbox.url, 'POST', 'clock', { advance_ms: 101_000 });
    try {
      const settled = await settleByTimer(answer.body.order_id);
      expect(settled.order_status).toBe('PAY_CANCELED');
    } finally {
      await sandboxControl(stack.sandbox.url, 'POST', 'clock', { advance_ms: -101_000 });
    }
  });

  it('rejects a forged callback', async () => {
    const paid = (await pay({ client_sn: clientSn('forged') })).body;
    const body = JSON.stringify({ terminal_sn: terminal, client_sn: paid.client_sn, sn: paid.sn, order_status: 'PAID' });
    const answer = await fetch(`${stack.apiUrl}/v1/upay/notify`, { method: 'POST', headers: { authorization: `${terminal} ${Buffer.from('forged').toString('base64')}` }, body });
    expect(answer.status).toBe(401);
  });
});

describe('access', () => {
  it("answers 404 for another store's order", async () => {
    const paid = (await pay({ client_sn: clientSn('cross') })).body;
    const otherStore = await stack.issuer.sign({ store_id: 'other-store', role: 'admin' });
    expect((await getOrder(paid.order_id, otherStore)).status).toBe(404);
    expect((await call(stack, 'POST', `/v1/orders/${paid.order_id}/refunds`, { token: otherStore, body: { refund_request_no: 'z', refund_amount: 1, operator: 'x' } })).status).toBe(404);
  });

  it('answers 401 without a valid token', async () => {
    expect((await call(stack, 'GET', '/v1/orders/ord_AAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    expect((await call(stack, 'GET', '/v1/orders/ord_AAAAAAAAAAAAAAAAAAAAAAAAAA', { token: 'not-a-jwt' })).status).toBe(401);
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a fractional amount', { total_amount: 10.5 }, 'total_amount'],
    ['an amount as a string', { total_amount: '1000' }, 'total_amount'],
    ['an amount of 11 digits', { total_amount: 10_000_000_000 }, 'total_amount'],
    ['a zero amount', { total_amount: 0 }, 'total_amount'],
    ['a client_sn over 32 characters', { client_sn: 'x'.repeat(33) }, 'client_sn'],
    ['a subject over 64 characters', { subject: '茶'.repeat(65) }, 'subject'],
    ['longitude without latitude', { longitude: '121.47' }, 'latitude'],
    ['extended with 25 keys', { extended: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`k${i}`, 'v'])) }, 'extended'],
    ['an unknown field', { amount: 1 }, ''],
    ['a missing barcode', { dynamic_id: undefined }, 'dynamic_id'],
    ['a subject that is not well-formed Unicode', { subject: 'tea \uD800' }, 'subject'],
  ];

  it.each(cases)('refuses %s with a 4xx naming the field, storing and sending nothing', async (_label, change, field) => {
    const sn = clientSn('bad');
    const before = await providerCalls(stack, '/upay/v2/pay');
    const answer = await pay({ client_sn: sn, ...change });
    expect(answer.status).toBe(400);
    if (field) expect(answer.body.error?.field).toBe(field);
    expect(await providerCalls(stack, '/upay/v2/pay')).toBe(before);
    const lookup = await call(stack, 'GET', `/v1/orders?client_sn=${encodeURIComponent(typeof change.client_sn === 'string' ? change.client_sn : sn)}`, { token: stack.tokens.cashier });
    expect(lookup.status).toBe(lookup.status === 400 ? 400 : 404);
  });
});
