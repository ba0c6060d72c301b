import { describe, expect, it } from 'vitest';
import { barcode, useSandbox } from './helpers/sandbox-raw.js';
import type { RawUpay, Terminal } from './helpers/sandbox-raw.js';

const DAY_MS = 86_400_000;

let upay: RawUpay;
let terminal: Terminal;

useSandbox((session) => ({ upay, terminal } = session));

describe('refunds', () => {
  it('takes partial refunds until the net amount is exactly zero, then the order is REFUNDED', async () => {
    const order = await upay.paidOrder(terminal, { total_amount: '1000' });
    const first = await upay.refund(terminal, order.sn, 'r1', 300);
    expect(first.biz_response).toMatchObject({
      result_code: 'REFUND_SUCCESS',
      data: { order_status: 'PARTIAL_REFUNDED', net_amount: '700', status: 'SUCCESS', client_tsn: `${order.client_sn}-r1` },
    });
    const second = await upay.refund(terminal, order.sn, 'r2', 699);
    expect(second.biz_response?.data).toMatchObject({ order_status: 'PARTIAL_REFUNDED', net_amount: '1' });
    const last = await upay.refund(terminal, order.sn, 'r3', 1);
    expect(last.biz_response?.data).toMatchObject({ order_status: 'REFUNDED', net_amount: '0', client_tsn: `${order.client_sn}-r3` });

    expect(await upay.book(order.sn)).toMatchObject({
      order_status: 'REFUNDED',
      total_amount: 1000,
      paid_amount: 1000,
      refunded_amount: 1000,
      net_amount: 0,
      refunds: [
        { refund_request_no: 'r1', refund_amount: 300, state: 'SUCCESS' },
        { refund_request_no: 'r2', refund_amount: 699, state: 'SUCCESS' },
        { refund_request_no: 'r3', refund_amount: 1, state: 'SUCCESS' },
      ],
    });
  });

  it('names the latest refund in the queried client_tsn', async () => {
    const order = await upay.paidOrder(terminal);
    await upay.refund(terminal, order.sn, 'first', 100);
    await upay.refund(terminal, order.sn, 'second', 100);
    const query = await upay.query(terminal, { client_sn: order.client_sn });
    expect(query.biz_response?.data?.client_tsn).toBe(`${order.client_sn}-second`);
  });

  it('uses the caller’s client_tsn for the refund when one is given', async () => {
    const order = await upay.paidOrder(terminal);
    const reply = await upay.refund(terminal, order.sn, 'rq-1', 100, { client_tsn: 'my-tsn-1' });
    expect(reply.biz_response?.data?.client_tsn).toBe('my-tsn-1');
  });

  it('finds the order by client_sn for a refund as well', async () => {
    const order = await upay.paidOrder(terminal);
    const reply = await upay.call(terminal, '/upay/v2/refund', {
      client_sn: order.client_sn,
      refund_request_no: 'by-client-sn',
      refund_amount: '10',
      operator: 'ann',
    });
    expect(reply.biz_response?.data).toMatchObject({ sn: order.sn, net_amount: '990' });
  });

  it('answers a replayed refund_request_no with the same refund and refunds nothing more', async () => {
    const order = await upay.paidOrder(terminal);
    const first = await upay.refund(terminal, order.sn, 'again', 400);
    await upay.refund(terminal, order.sn, 'later', 100);
    const replay = await upay.refund(terminal, order.sn, 'again', 400);
    expect(replay.biz_response).toMatchObject({
      result_code: 'REFUND_SUCCESS',
      data: { status: 'SUCCESS', client_tsn: first.biz_response?.data?.client_tsn, net_amount: '500' },
    });
    expect(await upay.book(order.sn)).toMatchObject({ refunded_amount: 500, net_amount: 500 });
    expect((await upay.book(order.sn))?.refunds).toHaveLength(2);
  });

  it('refuses a refund_request_no reused with a different amount (FAIL + UPAY_REFUND_ORDER_NOOP)', async () => {
    const order = await upay.paidOrder(terminal);
    await upay.refund(terminal, order.sn, 'same-no', 400);
    const reply = await upay.refund(terminal, order.sn, 'same-no', 500);
    expect(reply.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_REFUND_ORDER_NOOP' });
    expect(await upay.book(order.sn)).toMatchObject({ refunded_amount: 400 });
  });

  it('refuses to refund more than is left with REFUNDABLE_AMOUNT_NOT_ENOUGH, and takes exactly what is left', async () => {
    const order = await upay.paidOrder(terminal, { total_amount: '500' });
    expect((await upay.refund(terminal, order.sn, 'too-much', 501)).biz_response).toMatchObject({
      result_code: 'FAIL',
      error_code: 'REFUNDABLE_AMOUNT_NOT_ENOUGH',
    });
    await upay.refund(terminal, order.sn, 'part', 200);
    expect((await upay.refund(terminal, order.sn, 'over', 301)).biz_response?.error_code).toBe('REFUNDABLE_AMOUNT_NOT_ENOUGH');
    expect((await upay.refund(terminal, order.sn, 'rest', 300)).biz_response?.data?.order_status).toBe('REFUNDED');
    expect((await upay.refund(terminal, order.sn, 'more', 1)).biz_response?.error_code).toBe('REFUNDABLE_AMOUNT_NOT_ENOUGH');
    expect(await upay.book(order.sn)).toMatchObject({ refunded_amount: 500, net_amount: 0 });
  });

  it.each([
    ['a payment still in flight', '9300'],
    ['a failed payment', '9401'],
    ['a payment in PAY_ERROR', '9500'],
  ])('refuses to refund %s with UPAY_REFUND_INVALID_ORDER_STATE', async (_, suffix) => {
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode(suffix) })).biz_response?.data?.sn);
    const reply = await upay.refund(terminal, sn, 'r', 100);
    expect(reply.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_REFUND_INVALID_ORDER_STATE' });
  });

  it('refuses to refund a cancelled order', async () => {
    const order = await upay.paidOrder(terminal);
    await upay.call(terminal, '/upay/v2/cancel', { sn: order.sn });
    expect((await upay.refund(terminal, order.sn, 'r', 100)).biz_response?.error_code).toBe('UPAY_REFUND_INVALID_ORDER_STATE');
  });

  it('answers a refund of an unknown order with UPAY_ORDER_NOT_EXISTS', async () => {
    const reply = await upay.refund(terminal, '7800000000000001', 'r', 100);
    expect(reply.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_ORDER_NOT_EXISTS' });
  });

  it('refunds for 90 days after the payment and refuses later', async () => {
    const startedAt = await upay.now();
    const order = await upay.paidOrder(terminal);
    await upay.advanceClock(90 * DAY_MS - 60_000);
    expect((await upay.refund(terminal, order.sn, 'in-time', 100)).biz_response?.result_code).toBe('REFUND_SUCCESS');
    await upay.advanceClock(120_000);
    expect((await upay.refund(terminal, order.sn, 'too-late', 100)).biz_response?.error_code).toBe('UPAY_REFUND_INVALID_ORDER_STATE');
    await upay.setClock(startedAt);
  });
});

describe('refund scenarios (last four barcode digits)', () => {
  it('9601 answers every refund with REFUND_ERROR and refunds nothing', async () => {
    const order = await upay.paidOrder(terminal, { dynamic_id: barcode('9601') });
    for (const no of ['e1', 'e1', 'e2']) {
      const reply = await upay.refund(terminal, order.sn, no, 100);
      expect(reply.biz_response).toMatchObject({ result_code: 'REFUND_ERROR', data: { status: 'REFUND_ERROR', net_amount: '1000' } });
    }
    expect(await upay.book(order.sn)).toMatchObject({ order_status: 'PAID', refunded_amount: 0, refunds: [] });
  });

  it('9602 answers every refund with REFUND_FAIL and refunds nothing', async () => {
    const order = await upay.paidOrder(terminal, { dynamic_id: barcode('9602') });
    const reply = await upay.refund(terminal, order.sn, 'f1', 100);
    expect(reply.biz_response?.result_code).toBe('REFUND_FAIL');
    expect(String(reply.biz_response?.data?.status)).toMatch(/^FAIL_/);
    expect((await upay.query(terminal, { sn: order.sn })).biz_response?.data).toMatchObject({ order_status: 'PAID', net_amount: '1000' });
  });

  it('9603 answers REFUND_IN_PROGRESS and applies the refund at the next query', async () => {
    const order = await upay.paidOrder(terminal, { dynamic_id: barcode('9603') });
    const reply = await upay.refund(terminal, order.sn, 'p1', 250);
    expect(reply.biz_response).toMatchObject({ result_code: 'REFUND_IN_PROGRESS', data: { status: 'IN_PROG', net_amount: '1000' } });
    expect(await upay.book(order.sn)).toMatchObject({ refunded_amount: 0, pending_refund_amount: 250, net_amount: 1000 });
    expect((await upay.refund(terminal, order.sn, 'p1', 250)).biz_response?.result_code).toBe('REFUND_IN_PROGRESS');
    expect((await upay.refund(terminal, order.sn, 'p2', 751)).biz_response?.error_code).toBe('REFUNDABLE_AMOUNT_NOT_ENOUGH');

    const query = await upay.query(terminal, { sn: order.sn });
    expect(query.biz_response?.data).toMatchObject({
      order_status: 'PARTIAL_REFUNDED',
      net_amount: '750',
      status: 'SUCCESS',
      client_tsn: `${order.client_sn}-p1`,
    });
    expect(await upay.book(order.sn)).toMatchObject({ refunded_amount: 250, pending_refund_amount: 0, net_amount: 750 });
    expect((await upay.refund(terminal, order.sn, 'p1', 250)).biz_response?.result_code).toBe('REFUND_SUCCESS');
  });
});
