import { describe, expect, it } from 'vitest';
import { barcode, useSandbox } from './helpers/sandbox-raw.js';
import type { Envelope, RawUpay, Terminal } from './helpers/sandbox-raw.js';

const HOUR_MS = 3_600_000;

let upay: RawUpay;
let terminal: Terminal;

useSandbox((session) => ({ upay, terminal } = session));

const cancel = (reference: { sn?: string; client_sn?: string }): Promise<Envelope> => upay.call(terminal, '/upay/v2/cancel', reference);
const revoke = (reference: { sn?: string; client_sn?: string }): Promise<Envelope> => upay.call(terminal, '/upay/v2/revoke', reference);

describe('revoke', () => {
  it('reverses a paid order in full on its day: CANCEL_SUCCESS, order CANCELED, nothing held', async () => {
    const order = await upay.paidOrder(terminal);
    const reply = await revoke({ client_sn: order.client_sn });
    expect(reply.biz_response).toMatchObject({ result_code: 'CANCEL_SUCCESS', data: { order_status: 'CANCELED', status: 'SUCCESS' } });
    expect(await upay.book(order.sn)).toMatchObject({ order_status: 'CANCELED', paid_amount: 1000, reversed_amount: 1000, refunded_amount: 0, net_amount: 0 });
  });

  it('revokes at most once: a second revoke answers UPAY_CANCEL_ORDER_NOOP', async () => {
    const order = await upay.paidOrder(terminal);
    await revoke({ sn: order.sn });
    expect((await revoke({ sn: order.sn })).biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_CANCEL_ORDER_NOOP' });
  });

  it('refuses to revoke after any refund', async () => {
    const order = await upay.paidOrder(terminal);
    await upay.refund(terminal, order.sn, 'r1', 1);
    const reply = await revoke({ sn: order.sn });
    expect(reply.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_CANCEL_INVALID_ORDER_STATE' });
    expect(await upay.book(order.sn)).toMatchObject({ order_status: 'PARTIAL_REFUNDED', reversed_amount: 0, net_amount: 999 });
  });

  it('refuses to revoke a payment in flight', async () => {
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode('9300') })).biz_response?.data?.sn);
    expect((await revoke({ sn })).biz_response?.error_code).toBe('UPAY_CANCEL_INVALID_ORDER_STATE');
  });

  it('answers a revoke of an unknown order with UPAY_ORDER_NOT_EXISTS', async () => {
    expect((await revoke({ client_sn: 'never-paid' })).biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_ORDER_NOT_EXISTS' });
  });

  describe('by the Asia/Shanghai calendar day of the sandbox clock', () => {
    // 2030-03-10T00:00:00+08:00 is 2030-03-09T16:00:00Z.
    const shanghaiMidnight = Date.UTC(2030, 2, 9, 16, 0, 0);
    let restoreTo = 0;

    it('refuses to revoke just after Shanghai midnight, though it is the same UTC day', async () => {
      restoreTo = await upay.now();
      await upay.setClock(shanghaiMidnight - 60_000);
      const order = await upay.paidOrder(terminal);
      await upay.advanceClock(2 * 60_000);
      expect((await revoke({ sn: order.sn })).biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_CANCEL_INVALID_ORDER_STATE' });
      expect(await upay.book(order.sn)).toMatchObject({ order_status: 'PAID', net_amount: 1000 });
      await upay.setClock(restoreTo);
    });

    it('revokes across UTC midnight while it is still the same Shanghai day', async () => {
      restoreTo = await upay.now();
      await upay.setClock(shanghaiMidnight + 7 * HOUR_MS + 30 * 60_000); // 07:30 Shanghai, 23:30 UTC
      const order = await upay.paidOrder(terminal);
      await upay.advanceClock(HOUR_MS); // 08:30 Shanghai, 00:30 UTC the next day
      expect((await revoke({ sn: order.sn })).biz_response?.result_code).toBe('CANCEL_SUCCESS');
      await upay.setClock(restoreTo);
    });

    it('refuses to revoke on the next day', async () => {
      restoreTo = await upay.now();
      const order = await upay.paidOrder(terminal);
      await upay.advanceClock(24 * HOUR_MS);
      expect((await revoke({ sn: order.sn })).biz_response?.error_code).toBe('UPAY_CANCEL_INVALID_ORDER_STATE');
      expect((await upay.refund(terminal, order.sn, 'next-day', 1000)).biz_response?.data?.order_status).toBe('REFUNDED');
      await upay.setClock(restoreTo);
    });
  });
});

describe('cancel', () => {
  it('stops a payment in flight: CANCEL_ABORT_SUCCESS, order CANCELED, nothing paid', async () => {
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode('9105') })).biz_response?.data?.sn);
    expect((await cancel({ sn })).biz_response).toMatchObject({ result_code: 'CANCEL_ABORT_SUCCESS', data: { order_status: 'CANCELED' } });
    for (let i = 0; i < 6; i += 1) expect((await upay.query(terminal, { sn })).biz_response?.data?.order_status).toBe('CANCELED');
    expect(await upay.book(sn)).toMatchObject({ paid_amount: 0, reversed_amount: 0, net_amount: 0 });
  });

  it('reverses a paid order in full: CANCEL_SUCCESS, order CANCELED, net_amount 0', async () => {
    const order = await upay.paidOrder(terminal);
    const reply = await cancel({ client_sn: order.client_sn });
    expect(reply.biz_response).toMatchObject({ result_code: 'CANCEL_SUCCESS', data: { order_status: 'CANCELED', net_amount: '0' } });
    expect(await upay.book(order.sn)).toMatchObject({ paid_amount: 1000, reversed_amount: 1000, net_amount: 0 });
  });

  it('answers a cancel of an unknown order with FAIL + UPAY_ORDER_NOT_EXISTS', async () => {
    expect((await cancel({ client_sn: 'nothing-created' })).biz_response).toMatchObject({
      result_code: 'FAIL',
      error_code: 'UPAY_ORDER_NOT_EXISTS',
    });
  });

  it('answers a cancel of a cancelled order with UPAY_CANCEL_ORDER_NOOP', async () => {
    const order = await upay.paidOrder(terminal);
    await cancel({ sn: order.sn });
    expect((await cancel({ sn: order.sn })).biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_CANCEL_ORDER_NOOP' });
    expect(await upay.book(order.sn)).toMatchObject({ reversed_amount: 1000, net_amount: 0 });
  });

  it('answers a cancel of a failed payment with UPAY_CANCEL_ORDER_NOOP', async () => {
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode('9406') })).biz_response?.data?.sn);
    expect((await cancel({ sn })).biz_response?.error_code).toBe('UPAY_CANCEL_ORDER_NOOP');
  });

  it('refuses to cancel a partially refunded order with UPAY_CANCEL_INVALID_ORDER_STATE', async () => {
    const order = await upay.paidOrder(terminal);
    await upay.refund(terminal, order.sn, 'r', 100);
    expect((await cancel({ sn: order.sn })).biz_response?.error_code).toBe('UPAY_CANCEL_INVALID_ORDER_STATE');
    expect(await upay.book(order.sn)).toMatchObject({ reversed_amount: 0, net_amount: 900 });
  });

  it('settles an order in PAY_ERROR by cancelling it', async () => {
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode('9500') })).biz_response?.data?.sn);
    expect((await cancel({ sn })).biz_response).toMatchObject({ result_code: 'CANCEL_SUCCESS', data: { order_status: 'CANCELED' } });
  });
});

describe('reversal scenarios (last four barcode digits)', () => {
  it('9701 answers cancel and revoke with CANCEL_ERROR and nothing changes', async () => {
    const order = await upay.paidOrder(terminal, { dynamic_id: barcode('9701') });
    expect((await cancel({ sn: order.sn })).biz_response).toMatchObject({ result_code: 'CANCEL_ERROR', data: { status: 'CANCEL_ERROR' } });
    expect((await revoke({ sn: order.sn })).biz_response?.result_code).toBe('CANCEL_ERROR');
    expect((await upay.query(terminal, { sn: order.sn })).biz_response?.data).toMatchObject({ order_status: 'PAID', status: 'SUCCESS' });
    expect(await upay.book(order.sn)).toMatchObject({ reversed_amount: 0, net_amount: 1000 });
  });

  it('9702 answers a cancel with CANCEL_IN_PROGRESS and is CANCELED at the next query', async () => {
    const order = await upay.paidOrder(terminal, { dynamic_id: barcode('9702') });
    const reply = await cancel({ sn: order.sn });
    expect(reply.biz_response).toMatchObject({ result_code: 'CANCEL_IN_PROGRESS', data: { order_status: 'CANCEL_INPROGRESS' } });
    expect((await cancel({ sn: order.sn })).biz_response?.result_code).toBe('CANCEL_IN_PROGRESS');
    expect((await upay.refund(terminal, order.sn, 'r', 1)).biz_response?.error_code).toBe('UPAY_REFUND_INVALID_ORDER_STATE');
    expect((await upay.query(terminal, { sn: order.sn })).biz_response?.data).toMatchObject({ order_status: 'CANCELED', net_amount: '0' });
    expect(await upay.book(order.sn)).toMatchObject({ reversed_amount: 1000, net_amount: 0 });
  });

  it('9702 answers a revoke with CANCEL_IN_PROGRESS too', async () => {
    const order = await upay.paidOrder(terminal, { dynamic_id: barcode('9702') });
    expect((await revoke({ sn: order.sn })).biz_response?.result_code).toBe('CANCEL_IN_PROGRESS');
    expect((await upay.query(terminal, { sn: order.sn })).biz_response?.data?.order_status).toBe('CANCELED');
  });
});

describe('a refund in progress', () => {
  it('blocks cancel and revoke of the paid order until it has gone through', async () => {
    const order = await upay.paidOrder(terminal, { dynamic_id: barcode('9603') });
    await upay.refund(terminal, order.sn, 'pending', 100);
    expect((await cancel({ sn: order.sn })).biz_response?.error_code).toBe('UPAY_CANCEL_INVALID_ORDER_STATE');
    expect((await revoke({ sn: order.sn })).biz_response?.error_code).toBe('UPAY_CANCEL_INVALID_ORDER_STATE');
    expect(await upay.book(order.sn)).toMatchObject({ order_status: 'PAID', reversed_amount: 0, pending_refund_amount: 100 });
  });
});
