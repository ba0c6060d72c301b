import { afterEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../local/sandbox/index.js';
import { barcode, clientSn, md5Hex, payFields, rawPost, useSandbox } from './helpers/sandbox-raw.js';
import type { BookEntry, Envelope, RawUpay, Terminal } from './helpers/sandbox-raw.js';

let sandbox: Sandbox;
let upay: RawUpay;
let terminal: Terminal;

useSandbox((session) => ({ sandbox, upay, terminal } = session));

afterEach(async () => {
  await upay.control('DELETE', '/_sandbox/faults');
});

function payBody(sn: string): string {
  return JSON.stringify({ terminal_sn: terminal.sn, ...payFields({ client_sn: sn }) });
}

// A pay sent without the helper's HTTP-status check, so that broken replies can be inspected.
function rawPay(sn: string, signal?: AbortSignal): Promise<Response> {
  const body = payBody(sn);
  return fetch(`${sandbox.url}/upay/v2/pay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `${terminal.sn} ${md5Hex(body, terminal.key)}` },
    body,
    signal,
  });
}

async function inject(fault: Record<string, unknown>): Promise<string> {
  const { status, body } = await upay.control<{ id: string }>('POST', '/_sandbox/faults', fault);
  expect(status).toBe(200);
  return body.id;
}

async function orderByClientSn(sn: string): Promise<string | undefined> {
  const reply = await upay.query(terminal, { client_sn: sn });
  return reply.biz_response?.result_code === 'SUCCESS' ? reply.biz_response.data?.order_status : reply.biz_response?.error_code;
}

describe('fault injection on /upay/v2/pay', () => {
  it('delay: applies the payment at once and answers only after delay_ms', async () => {
    await inject({ kind: 'delay', path: '/upay/v2/pay', delay_ms: 60_000, count: 1 });
    const sn = clientSn();
    const aborter = new AbortController();
    let settled = false;
    const pending = rawPay(sn, aborter.signal).then(
      () => (settled = true),
      () => (settled = true),
    );
    let status: string | undefined;
    for (let i = 0; i < 200 && status !== 'PAID'; i += 1) status = await orderByClientSn(sn);
    expect(status).toBe('PAID');
    expect(settled).toBe(false);
    aborter.abort();
    await pending;
  });

  it('delay: then delivers the ordinary reply', async () => {
    await inject({ kind: 'delay', path: '/upay/v2/pay', delay_ms: 30, count: 1 });
    const response = await rawPay(clientSn());
    expect(response.status).toBe(200);
    expect(((await response.json()) as Envelope).biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('http_500: answers a 500 envelope UNKNOWN_SYSTEM_ERROR (HTTP 200) and creates nothing', async () => {
    await inject({ kind: 'http_500', path: '/upay/v2/pay', count: 1 });
    const sn = clientSn();
    const response = await rawPay(sn);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ result_code: '500', error_code: 'UNKNOWN_SYSTEM_ERROR' });
    expect(await orderByClientSn(sn)).toBe('UPAY_ORDER_NOT_EXISTS');
  });

  it('maintenance: answers a 500 envelope MAINTENANCE_INPROGRESS and creates nothing', async () => {
    await inject({ kind: 'maintenance', count: 1 });
    const sn = clientSn();
    expect(await (await rawPay(sn)).json()).toMatchObject({ result_code: '500', error_code: 'MAINTENANCE_INPROGRESS' });
    expect(await orderByClientSn(sn)).toBe('UPAY_ORDER_NOT_EXISTS');
  });

  it('malformed: applies the payment and answers HTTP 200 with a body that is not JSON', async () => {
    await inject({ kind: 'malformed', path: '/upay/v2/pay', count: 1 });
    const sn = clientSn();
    const response = await rawPay(sn);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(await orderByClientSn(sn)).toBe('PAID');
  });

  it('bad_gateway: answers HTTP 502 with an HTML page and creates nothing', async () => {
    await inject({ kind: 'bad_gateway', path: '/upay/v2/pay', count: 1 });
    const sn = clientSn();
    const response = await rawPay(sn);
    expect(response.status).toBe(502);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('502 Bad Gateway');
    expect(await orderByClientSn(sn)).toBe('UPAY_ORDER_NOT_EXISTS');
  });

  it('close: closes the socket without a reply and creates nothing', async () => {
    await inject({ kind: 'close', path: '/upay/v2/pay', count: 1 });
    const sn = clientSn();
    await expect(rawPay(sn)).rejects.toThrow();
    expect(await orderByClientSn(sn)).toBe('UPAY_ORDER_NOT_EXISTS');
  });

  it('drop_reply: applies the payment, then closes the socket without a reply', async () => {
    await inject({ kind: 'drop_reply', path: '/upay/v2/pay', count: 1 });
    const sn = clientSn();
    await expect(rawPay(sn)).rejects.toThrow();
    expect(await orderByClientSn(sn)).toBe('PAID');
  });

  it('drop_reply on a refund: the refund happened although the caller saw no reply', async () => {
    const order = await upay.paidOrder(terminal);
    await inject({ kind: 'drop_reply', path: '/upay/v2/refund', count: 1 });
    await expect(upay.refund(terminal, order.sn, 'lost-reply', 300)).rejects.toThrow();
    const retry = await upay.refund(terminal, order.sn, 'lost-reply', 300);
    expect(retry.biz_response).toMatchObject({ result_code: 'REFUND_SUCCESS', data: { net_amount: '700' } });
    const { body } = await upay.control<{ orders: BookEntry[] }>('GET', '/_sandbox/orders');
    expect(body.orders.find((entry) => entry.sn === order.sn)).toMatchObject({ refunded_amount: 300 });
  });
});

describe('fault matching', () => {
  it('hits only the next `count` matching requests', async () => {
    await inject({ kind: 'http_500', path: '/upay/v2/pay', count: 2 });
    expect((await upay.pay(terminal)).error_code).toBe('UNKNOWN_SYSTEM_ERROR');
    expect((await upay.pay(terminal)).error_code).toBe('UNKNOWN_SYSTEM_ERROR');
    expect((await upay.pay(terminal)).biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('hits only the terminal and path it names, until cleared when no count is given', async () => {
    const other = await upay.newTerminal();
    await inject({ kind: 'maintenance', terminal_sn: terminal.sn, path: '/upay/v2/pay' });
    expect((await upay.pay(other)).biz_response?.result_code).toBe('PAY_SUCCESS');
    expect((await upay.query(terminal, { client_sn: 'x' })).biz_response?.error_code).toBe('UPAY_ORDER_NOT_EXISTS');
    expect((await upay.pay(terminal)).error_code).toBe('MAINTENANCE_INPROGRESS');
    expect((await upay.pay(terminal)).error_code).toBe('MAINTENANCE_INPROGRESS');
    expect((await upay.control('DELETE', '/_sandbox/faults')).status).toBe(200);
    expect((await upay.pay(terminal)).biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('applies to activation as well, matched by path', async () => {
    await inject({ kind: 'http_500', path: '/terminal/activate', count: 1 });
    const { code } = await upay.issueCode({ uses: 1 });
    expect((await upay.activate({ code, device_id: upay.newDeviceId() })).error_code).toBe('UNKNOWN_SYSTEM_ERROR');
    expect((await upay.activate({ code, device_id: upay.newDeviceId() })).biz_response?.terminal_sn).toBeDefined();
  });

  it('never touches the control API', async () => {
    await inject({ kind: 'close' });
    expect((await upay.control('GET', '/_sandbox/clock')).status).toBe(200);
  });

  it.each([
    ['an unknown kind', { kind: 'explode' }],
    ['a delay without delay_ms', { kind: 'delay' }],
    ['a count of zero', { kind: 'close', count: 0 }],
    ['a negative delay', { kind: 'delay', delay_ms: -1 }],
  ])('refuses %s with HTTP 400', async (_, fault) => {
    expect((await upay.control('POST', '/_sandbox/faults', fault)).status).toBe(400);
  });
});

describe('clock control', () => {
  it('reads, advances and sets the sandbox clock, and stamps orders with it', async () => {
    const before = (await upay.control<{ now_ms: number }>('GET', '/_sandbox/clock')).body.now_ms;
    const advanced = (await upay.control<{ now_ms: number }>('POST', '/_sandbox/clock', { advance_ms: 3_600_000 })).body.now_ms;
    expect(advanced - before).toBeGreaterThanOrEqual(3_600_000);
    const fixed = Date.UTC(2031, 0, 1);
    expect((await upay.control<{ now_ms: number }>('POST', '/_sandbox/clock', { now_ms: fixed })).body.now_ms).toBeGreaterThanOrEqual(fixed);
    const order = await upay.paidOrder(terminal);
    expect(Number(order.ctime)).toBeGreaterThanOrEqual(fixed);
    expect(Number(order.ctime)).toBeLessThan(fixed + 60_000);
    await upay.setClock(Date.now());
    expect((await upay.control('POST', '/_sandbox/clock', {})).status).toBe(400);
  });
});

describe('the books and stats', () => {
  it('lists every order with integer amounts that add up', async () => {
    const paid = await upay.paidOrder(terminal, { total_amount: '1234' });
    await upay.refund(terminal, paid.sn, 'r', 234);
    const failed = String((await upay.pay(terminal, { dynamic_id: barcode('9401') })).biz_response?.data?.sn);
    const { body } = await upay.control<{ orders: BookEntry[] }>('GET', '/_sandbox/orders');
    expect(body.orders.find((o) => o.sn === paid.sn)).toMatchObject({
      client_sn: paid.client_sn,
      terminal_sn: terminal.sn,
      order_status: 'PARTIAL_REFUNDED',
      total_amount: 1234,
      paid_amount: 1234,
      refunded_amount: 234,
      reversed_amount: 0,
      pending_refund_amount: 0,
      net_amount: 1000,
      refunds: [{ refund_request_no: 'r', client_tsn: `${paid.client_sn}-r`, refund_amount: 234, state: 'SUCCESS' }],
    });
    expect(body.orders.find((o) => o.sn === failed)).toMatchObject({ order_status: 'PAY_CANCELED', paid_amount: 0, net_amount: 0 });
    for (const order of body.orders) {
      expect(order.net_amount).toBe(order.paid_amount - order.refunded_amount - order.reversed_amount);
      expect(Number.isInteger(order.total_amount)).toBe(true);
    }
  });

  it('counts requests by path, by outcome and by injected fault', async () => {
    type Stats = { requests: number; by_path: Record<string, number>; by_outcome: Record<string, number>; by_fault: Record<string, number> };
    const before = (await upay.control<Stats>('GET', '/_sandbox/stats')).body;
    await upay.pay(terminal);
    await upay.pay(terminal, { dynamic_id: barcode('9402') });
    await upay.signed('/upay/v2/pay', '{}', { sn: terminal.sn, key: 'wrong' });
    await inject({ kind: 'bad_gateway', path: '/upay/v2/query', count: 1 });
    await rawPost(`${sandbox.url}/upay/v2/query`, '{}', { 'content-type': 'application/json' });
    const after = (await upay.control<Stats>('GET', '/_sandbox/stats')).body;
    const delta = (counts: 'by_path' | 'by_outcome' | 'by_fault', key: string): number => (after[counts][key] ?? 0) - (before[counts][key] ?? 0);
    expect(after.requests - before.requests).toBe(4);
    expect(delta('by_path', '/upay/v2/pay')).toBe(3);
    expect(delta('by_path', '/upay/v2/query')).toBe(1);
    expect(delta('by_outcome', 'PAY_SUCCESS')).toBe(1);
    expect(delta('by_outcome', 'PAY_FAIL')).toBe(1);
    expect(delta('by_outcome', 'ILLEGAL_SIGN')).toBe(1);
    expect(delta('by_fault', 'bad_gateway')).toBe(1);
  });
});
