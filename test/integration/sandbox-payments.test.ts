import { describe, expect, it } from 'vitest';
import { barcode, clientSn, useSandbox } from './helpers/sandbox-raw.js';
import type { RawUpay, Terminal } from './helpers/sandbox-raw.js';

let upay: RawUpay;
let terminal: Terminal;

useSandbox((session) => ({ upay, terminal } = session));

async function queryStatus(reference: { sn?: string; client_sn?: string }): Promise<string | undefined> {
  return (await upay.query(terminal, reference)).biz_response?.data?.order_status;
}

describe('wallet detection from the barcode', () => {
  it.each([
    ['Alipay, prefix 25, 16 digits', '2500000000000000', '2'],
    ['Alipay, prefix 30, 24 digits', '300000000000000000000000', '2'],
    ['WeChat Pay, prefix 10, 18 digits', '100000000000000000', '3'],
    ['WeChat Pay, prefix 15, 18 digits', '150000000000000000', '3'],
    ['UnionPay QR, prefix 62, 19 digits', '6200000000000000000', '17'],
    ['JD Pay, prefix 18, 18 digits', '180000000000000000', '5'],
    ['QQ Wallet, prefix 91, 18 digits', '910000000000000000', '6'],
    ['Baidu Wallet, prefix 31, 18 digits', '310000000000000000', '4'],
    ['Bestpay, prefix 51, 18 digits', '510000000000000000', '18'],
  ])('pays a %s barcode with its payway', async (_, dynamicId, payway) => {
    const reply = await upay.pay(terminal, { dynamic_id: dynamicId });
    expect(reply.biz_response?.result_code).toBe('PAY_SUCCESS');
    expect(reply.biz_response?.data).toMatchObject({ payway, sub_payway: '1', order_status: 'PAID' });
  });

  it.each([
    ['an unknown prefix', '990000000000000000'],
    ['a WeChat prefix with 17 digits', '10000000000000000'],
    ['an Alipay prefix with 25 digits', '2800000000000000000000000'],
    ['an Alipay prefix with 15 digits', '280000000000000'],
    ['letters', '28abc0000000000000'],
    ['a UnionPay prefix with 18 digits', '620000000000000000'],
    ['a JD Pay prefix with 19 digits', '1800000000000000000'],
    ['a Bestpay prefix with 17 digits', '51000000000000000'],
  ])('fails a barcode with %s as PAY_FAIL + INVALID_BARCODE, order PAY_CANCELED', async (_, dynamicId) => {
    const reply = await upay.pay(terminal, { dynamic_id: dynamicId });
    expect(reply.biz_response).toMatchObject({ result_code: 'PAY_FAIL', error_code: 'INVALID_BARCODE' });
    expect(reply.biz_response?.data).toMatchObject({ order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED' });
  });

  it('skips detection when the caller names the payway', async () => {
    const reply = await upay.pay(terminal, { dynamic_id: '990000000000000000', payway: '3' });
    expect(reply.biz_response?.result_code).toBe('PAY_SUCCESS');
    expect(reply.biz_response?.data?.payway).toBe('3');
  });
});

describe('orders', () => {
  it('creates a PAID order with a 16-digit sn, client_tsn = client_sn, the reflect echoed and provider fields filled', async () => {
    const sn = clientSn();
    const reply = await upay.pay(terminal, { client_sn: sn, total_amount: '2550', reflect: 'our-ref', description: 'two cups' });
    expect(reply).toMatchObject({ result_code: '200', biz_response: { result_code: 'PAY_SUCCESS' } });
    const data = reply.biz_response?.data;
    expect(data?.sn).toMatch(/^[0-9]{16}$/);
    expect(data).toMatchObject({
      terminal_sn: terminal.sn,
      client_sn: sn,
      client_tsn: sn,
      status: 'SUCCESS',
      order_status: 'PAID',
      total_amount: '2550',
      net_amount: '2550',
      subject: 'tea',
      operator: 'ann',
      description: 'two cups',
      reflect: 'our-ref',
      store_id: 'store-1',
      payment_list: [{ type: 'BALANCE', amount_total: '2550' }],
    });
    for (const field of ['trade_no', 'payer_uid', 'payer_login', 'ctime', 'finish_time', 'channel_finish_time']) {
      expect(typeof data?.[field], field).toBe('string');
    }
    expect(Number(data?.finish_time)).toBeGreaterThanOrEqual(Number(data?.ctime));
  });

  it('refuses a reused client_sn with CLIENT_SN_CONFLICT and leaves the first order as it was', async () => {
    const first = await upay.paidOrder(terminal);
    const again = await upay.pay(terminal, { client_sn: first.client_sn, total_amount: '1' });
    expect(again.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'CLIENT_SN_CONFLICT' });
    expect(again.biz_response?.data).toBeUndefined();
    expect(await upay.book(first.sn)).toMatchObject({ total_amount: 1000, paid_amount: 1000 });
  });

  it('never lets a failed payment’s client_sn be reused', async () => {
    const failed = await upay.pay(terminal, { dynamic_id: barcode('9401') });
    const sn = String(failed.biz_response?.data?.client_sn);
    expect((await upay.pay(terminal, { client_sn: sn })).biz_response?.error_code).toBe('CLIENT_SN_CONFLICT');
  });

  it('finds an order by sn or by client_sn, with sn winning over a client_sn that would match', async () => {
    const order = await upay.paidOrder(terminal);
    expect((await upay.query(terminal, { sn: order.sn })).biz_response).toMatchObject({ result_code: 'SUCCESS', data: { sn: order.sn } });
    expect((await upay.query(terminal, { client_sn: order.client_sn })).biz_response?.data?.sn).toBe(order.sn);
    const wrongSn = await upay.query(terminal, { sn: '7800000000000000', client_sn: order.client_sn });
    expect(wrongSn.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'UPAY_ORDER_NOT_EXISTS' });
  });

  it('lets another terminal of the merchant query the order', async () => {
    const order = await upay.paidOrder(terminal);
    const other = await upay.newTerminal();
    expect((await upay.query(other, { sn: order.sn })).biz_response?.data?.terminal_sn).toBe(terminal.sn);
  });
});

describe('scenarios chosen by the last four barcode digits', () => {
  it('pays any unlisted suffix at once', async () => {
    for (const suffix of ['0000', '9100', '9303', '9410', '9999']) {
      expect((await upay.pay(terminal, { dynamic_id: barcode(suffix) })).biz_response?.result_code, suffix).toBe('PAY_SUCCESS');
    }
  });

  it('91NN answers PAY_IN_PROGRESS and the order becomes PAID at the NN-th query', async () => {
    const reply = await upay.pay(terminal, { dynamic_id: barcode('9103') });
    expect(reply.biz_response?.result_code).toBe('PAY_IN_PROGRESS');
    expect(reply.biz_response?.data).toMatchObject({ order_status: 'CREATED', status: 'IN_PROG', net_amount: '1000' });
    const sn = String(reply.biz_response?.data?.sn);
    expect(await queryStatus({ sn })).toBe('CREATED');
    expect(await queryStatus({ sn })).toBe('CREATED');
    expect(await queryStatus({ sn })).toBe('PAID');
    expect(await upay.book(sn)).toMatchObject({ paid_amount: 1000, net_amount: 1000 });
  });

  it('92NN answers PAY_IN_PROGRESS and the order becomes PAY_CANCELED at the NN-th query', async () => {
    const reply = await upay.pay(terminal, { dynamic_id: barcode('9202') });
    expect(reply.biz_response?.result_code).toBe('PAY_IN_PROGRESS');
    const sn = String(reply.biz_response?.data?.sn);
    expect(await queryStatus({ sn })).toBe('CREATED');
    const settled = await upay.query(terminal, { sn });
    expect(settled.biz_response?.data).toMatchObject({ order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED' });
    expect(await upay.book(sn)).toMatchObject({ paid_amount: 0, net_amount: 0 });
  });

  it('9300 stays in progress however often it is queried, and a cancel answers CANCEL_ABORT_SUCCESS → CANCELED', async () => {
    const reply = await upay.pay(terminal, { dynamic_id: barcode('9300') });
    expect(reply.biz_response?.result_code).toBe('PAY_IN_PROGRESS');
    const sn = String(reply.biz_response?.data?.sn);
    for (let i = 0; i < 5; i += 1) expect(await queryStatus({ sn })).toBe('CREATED');
    const cancel = await upay.call(terminal, '/upay/v2/cancel', { sn });
    expect(cancel.biz_response).toMatchObject({ result_code: 'CANCEL_ABORT_SUCCESS', data: { order_status: 'CANCELED' } });
    expect(await queryStatus({ sn })).toBe('CANCELED');
  });

  it('9301 answers a cancel with CANCEL_ABORT_ERROR and nothing changes', async () => {
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode('9301') })).biz_response?.data?.sn);
    const cancel = await upay.call(terminal, '/upay/v2/cancel', { sn });
    expect(cancel.biz_response?.result_code).toBe('CANCEL_ABORT_ERROR');
    expect(await queryStatus({ sn })).toBe('CREATED');
  });

  it('9302 answers a cancel with CANCEL_ABORT_IN_PROGRESS and is CANCELED at the next query', async () => {
    const sn = String((await upay.pay(terminal, { dynamic_id: barcode('9302') })).biz_response?.data?.sn);
    const cancel = await upay.call(terminal, '/upay/v2/cancel', { sn });
    expect(cancel.biz_response).toMatchObject({ result_code: 'CANCEL_ABORT_IN_PROGRESS', data: { order_status: 'CANCEL_INPROGRESS' } });
    expect(await queryStatus({ sn })).toBe('CANCELED');
  });

  it.each([
    ['9401', 'INSUFFICIENT_FUND'],
    ['9402', 'EXPIRED_BARCODE'],
    ['9403', 'BUYER_OVER_DAILY_LIMIT'],
    ['9404', 'BUYER_OVER_TRANSACTION_LIMIT'],
    ['9405', 'SELLER_OVER_DAILY_LIMIT'],
    ['9406', 'TRADE_FAILED'],
    ['9407', 'UPAY_STORE_OVER_DAILY_LIMIT'],
    ['9408', 'ACCOUNT_BALANCE_NOT_ENOUGH'],
    ['9409', 'TRADE_TIMEOUT'],
  ])('%s fails the payment as PAY_FAIL with %s (order PAY_CANCELED, status FAIL_CANCELED)', async (suffix, errorCode) => {
    const reply = await upay.pay(terminal, { dynamic_id: barcode(suffix) });
    expect(reply.biz_response).toMatchObject({
      result_code: 'PAY_FAIL',
      error_code: errorCode,
      data: { order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED' },
    });
    expect(await upay.book(String(reply.biz_response?.data?.sn))).toMatchObject({ order_status: 'PAY_CANCELED', paid_amount: 0 });
  });

  it('9500 answers PAY_FAIL_ERROR with the order PAY_ERROR and status FAIL_ERROR', async () => {
    const reply = await upay.pay(terminal, { dynamic_id: barcode('9500') });
    expect(reply.biz_response).toMatchObject({ result_code: 'PAY_FAIL_ERROR', data: { order_status: 'PAY_ERROR', status: 'FAIL_ERROR' } });
    expect(await queryStatus({ sn: String(reply.biz_response?.data?.sn) })).toBe('PAY_ERROR');
  });

  it('9501 answers PAY_FAIL_IN_PROGRESS, stays CREATED, and is PAY_ERROR at the 3rd query', async () => {
    const reply = await upay.pay(terminal, { dynamic_id: barcode('9501') });
    expect(reply.biz_response).toMatchObject({ result_code: 'PAY_FAIL_IN_PROGRESS', data: { order_status: 'CREATED' } });
    expect(String(reply.biz_response?.data?.status)).toMatch(/^FAIL_/);
    const sn = String(reply.biz_response?.data?.sn);
    expect(await queryStatus({ sn })).toBe('CREATED');
    expect(await queryStatus({ sn })).toBe('CREATED');
    expect(await queryStatus({ sn })).toBe('PAY_ERROR');
  });
});
