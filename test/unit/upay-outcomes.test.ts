import { describe, expect, it, vi } from 'vitest';
import { ORDER_STATUSES, UpayClient } from '../../lib/upay/index.js';
import type { OrderRef, PayRequest } from '../../lib/upay/index.js';

const TERMINAL = { sn: '100000000001', key: 'terminal-secret-key' };
const VENDOR = { sn: '91000001', key: 'vendor-secret-key' };
const SN = '7895000000000001';
const PAY: PayRequest = { client_sn: 'o-1', total_amount: 1000, dynamic_id: '280000000000000000', subject: 'tea', operator: 'ann' };
const PRECREATE = { client_sn: 'o-1', total_amount: 1000, subject: 'tea', operator: 'ann', payway: '3' } as const;
const REFUND = { client_sn: 'o-1', refund_request_no: 'r-1', operator: 'ann', refund_amount: 300 };

/** Fields of the order below whose text is the same on the wire and once read. */
const ORDER_TEXT = {
  terminal_sn: TERMINAL.sn,
  sn: SN,
  client_sn: 'o-1',
  trade_no: '2024010122001',
  status: 'SUCCESS',
  order_status: 'PAID',
  payway: '3',
  sub_payway: '1',
};

/** An order as the provider sends it: every value a string. */
function order(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...ORDER_TEXT,
    total_amount: '1000',
    net_amount: '1000',
    subject: 'tea',
    operator: 'ann',
    ctime: '1700000000000',
    finish_time: '1700000001000',
    channel_finish_time: '1700000000900',
    payment_list: [{ type: 'WALLET_WEIXIN', amount_total: '1000' }],
    ...overrides,
  };
}

function clientAnswering(envelope: unknown) {
  const body = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
  const fetchSpy = vi.fn<typeof fetch>(async () => new Response(body));
  return new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy });
}

function biz(result_code: string, extra: Record<string, unknown> = {}) {
  return { result_code: '200', biz_response: { result_code, ...extra } };
}

const pay = (envelope: unknown) => clientAnswering(envelope).pay(TERMINAL, PAY);
const query = (envelope: unknown, ref: OrderRef = { client_sn: 'o-1' }) => clientAnswering(envelope).query(TERMINAL, ref);

describe('a pay reply', () => {
  it('PAY_SUCCESS with a PAID order is paid, amounts and times as integers', async () => {
    const outcome = await pay(biz('PAY_SUCCESS', { data: order() }));
    expect(outcome).toEqual({
      kind: 'paid',
      order: {
        ...ORDER_TEXT,
        total_amount: 1000,
        net_amount: 1000,
        subject: 'tea',
        operator: 'ann',
        ctime: 1_700_000_000_000,
        finish_time: 1_700_000_001_000,
        channel_finish_time: 1_700_000_000_900,
        payment_list: [{ type: 'WALLET_WEIXIN', amount_total: 1000 }],
      },
      raw: { result_code: '200', biz_result_code: 'PAY_SUCCESS' },
    });
  });

  it('keeps fields the protocol does not name out of the order', async () => {
    const outcome = await pay(biz('PAY_SUCCESS', { data: order({ surprise: 'x' }) }));
    expect(outcome.kind === 'paid' && 'surprise' in outcome.order).toBe(false);
  });

  it('PAY_SUCCESS whose order is still CREATED is unknown, not paid', async () => {
    const outcome = await pay(biz('PAY_SUCCESS', { data: order({ order_status: 'CREATED' }) }));
    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'PAY_SUCCESS but order_status CREATED' });
  });

  it('PAY_SUCCESS without its order is a bad reply', async () => {
    const outcome = await pay(biz('PAY_SUCCESS'));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply' } });
  });

  it('PAY_FAIL is failed (already reversed) with the wallet error and every raw code kept', async () => {
    const outcome = await pay({
      result_code: '200',
      error_code: '',
      error_message: '',
      biz_response: {
        result_code: 'PAY_FAIL',
        error_code: 'INSUFFICIENT_FUND',
        error_message: 'balance too low',
        data: order({ order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED', net_amount: '0' }),
      },
    });
    expect(outcome).toMatchObject({
      kind: 'failed',
      error_code: 'INSUFFICIENT_FUND',
      error_message: 'balance too low',
      order: { order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED', net_amount: 0 },
      raw: {
        result_code: '200',
        error_code: '',
        error_message: '',
        biz_result_code: 'PAY_FAIL',
        biz_error_code: 'INSUFFICIENT_FUND',
        biz_error_message: 'balance too low',
      },
    });
  });

  it('PAY_FAIL without an order is failed', async () => {
    const outcome = await pay(biz('PAY_FAIL', { error_code: 'INVALID_BARCODE' }));
    expect(outcome).toEqual({
      kind: 'failed',
      error_code: 'INVALID_BARCODE',
      raw: { result_code: '200', biz_result_code: 'PAY_FAIL', biz_error_code: 'INVALID_BARCODE' },
    });
  });

  it('PAY_FAIL whose order says PAY_ERROR is unknown', async () => {
    const outcome = await pay(biz('PAY_FAIL', { data: order({ order_status: 'PAY_ERROR', status: 'FAIL_ERROR' }) }));
    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'order_status PAY_ERROR' });
  });

  it('PAY_FAIL whose order is PAID is unknown, never failed', async () => {
    const outcome = await pay(biz('PAY_FAIL', { data: order() }));
    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'PAY_FAIL but order_status PAID' });
  });

  it('PAY_IN_PROGRESS is in progress', async () => {
    const outcome = await pay(biz('PAY_IN_PROGRESS', { data: order({ order_status: 'CREATED', status: 'IN_PROG', net_amount: '0' }) }));
    expect(outcome).toMatchObject({ kind: 'in_progress', order: { sn: SN, order_status: 'CREATED' } });
  });

  it.each(['PAY_FAIL_ERROR', 'PAY_FAIL_IN_PROGRESS'])('%s is unknown: a person must look', async (code) => {
    const outcome = await pay(biz(code, { data: order({ order_status: 'CREATED', status: 'IN_PROG' }) }));
    expect(outcome).toMatchObject({ kind: 'unknown', reason: code, order: { sn: SN }, raw: { biz_result_code: code } });
  });

  it.each(['FAIL_PROTOCOL_1', 'FAIL_PROTOCOL_2', 'FAIL_PROTOCOL_3', 'FAIL_IO_1', 'FAIL_IO_2', 'FAIL_ERROR', 'FAIL_CANCELED', 'CANCEL_ERROR', 'REFUND_ERROR'])(
    'an in-progress reply whose transaction status is %s on an unfinished order is unknown',
    async (status) => {
      const outcome = await pay(biz('PAY_IN_PROGRESS', { data: order({ order_status: 'CREATED', status }) }));
      expect(outcome).toMatchObject({ kind: 'unknown', reason: `status ${status} on an order that is CREATED` });
    },
  );

  it.each(['PAY_ERROR', 'REFUND_ERROR', 'CANCEL_ERROR', 'INVALID_STATUS_CODE'])(
    'an in-progress reply whose order is %s is unknown',
    async (orderStatus) => {
      const outcome = await pay(biz('PAY_IN_PROGRESS', { data: order({ order_status: orderStatus, status: 'IN_PROG' }) }));
      expect(outcome).toMatchObject({ kind: 'unknown', reason: `order_status ${orderStatus}` });
    },
  );

  it('FAIL is rejected with its code, e.g. a reused client_sn', async () => {
    const outcome = await pay(biz('FAIL', { error_code: 'CLIENT_SN_CONFLICT', error_message: 'client_sn used' }));
    expect(outcome).toEqual({
      kind: 'rejected',
      error_code: 'CLIENT_SN_CONFLICT',
      error_message: 'client_sn used',
      raw: { result_code: '200', biz_result_code: 'FAIL', biz_error_code: 'CLIENT_SN_CONFLICT', biz_error_message: 'client_sn used' },
    });
  });

  it('about another client_sn is a bad reply', async () => {
    const outcome = await pay(biz('PAY_SUCCESS', { data: order({ client_sn: 'o-2' }) }));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'data.client_sn is not the order asked about' } });
  });

  it('for another amount is a bad reply', async () => {
    const outcome = await pay(biz('PAY_SUCCESS', { data: order({ total_amount: '100', net_amount: '100' }) }));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'data.total_amount is not the amount asked for' } });
  });

  it.each(['REFUND_SUCCESS', 'SUCCESS', 'PRECREATE_SUCCESS', 'PAID'])('with the result code %s, not an answer to pay, is a bad reply', async (code) => {
    const outcome = await pay(biz(code, { data: order() }));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply' }, raw: { biz_result_code: code } });
  });
});

describe('an order in a reply', () => {
  it.each([
    ['a decimal total_amount', { total_amount: '10.00' }],
    ['an exponent total_amount', { total_amount: '1e3' }],
    ['a negative total_amount', { total_amount: '-1000' }],
    ['an empty total_amount', { total_amount: '' }],
    ['a padded total_amount', { total_amount: ' 1000' }],
    ['a total_amount with a leading zero', { total_amount: '01000' }],
    ['a total_amount sent as a JSON number', { total_amount: 1000 }],
    ['a total_amount beyond safe integers', { total_amount: '99999999999999999999' }],
    ['no net_amount', { net_amount: undefined }],
    ['a decimal net_amount', { net_amount: '9.5' }],
    ['a net_amount above the total', { net_amount: '1001' }],
    ['a ctime that is not digits', { ctime: 'yesterday' }],
    ['a finish_time sent as a JSON number', { finish_time: 1_700_000_001_000 }],
    ['a payment_list amount that is not digits', { payment_list: [{ type: 'X', amount_total: '1.5' }] }],
    ['a payment_list that is not an array', { payment_list: '[]' }],
    ['a payment_list entry without type', { payment_list: [{ amount_total: '1' }] }],
    ['an sn that is not 16 digits', { sn: '123' }],
    ['no sn', { sn: undefined }],
    ['no order_status', { order_status: undefined }],
    ['an order_status the protocol does not list', { order_status: 'SETTLED' }],
    ['a text field that is not a string', { subject: ['tea'] }],
    ['a null field', { trade_no: null }],
  ])('with %s is a bad reply, never a guess', async (_what, overrides) => {
    const outcome = await query(biz('SUCCESS', { data: order(overrides) }));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply' }, raw: { biz_result_code: 'SUCCESS' } });
  });

  it('that is not an object is a bad reply', async () => {
    const outcome = await query(biz('SUCCESS', { data: '{"sn":"7895000000000001"}' }));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'data is not an object' } });
  });

  it('with empty finish times is unfinished, not malformed', async () => {
    const outcome = await query(biz('SUCCESS', { data: order({ order_status: 'CREATED', finish_time: '', channel_finish_time: '' }) }));
    expect(outcome.kind).toBe('found');
    expect(outcome.kind === 'found' && 'finish_time' in outcome.order).toBe(false);
  });
});

describe('a query reply', () => {
  it.each(ORDER_STATUSES)('SUCCESS reports the order as it stands, even when it is %s', async (orderStatus) => {
    const outcome = await query(biz('SUCCESS', { data: order({ order_status: orderStatus }) }));
    expect(outcome).toMatchObject({ kind: 'found', order: { order_status: orderStatus } });
  });

  it('carries the latest transaction name after a refund', async () => {
    const data = order({ order_status: 'PARTIAL_REFUNDED', net_amount: '700', client_tsn: 'o-1-r-1' });
    const outcome = await query(biz('SUCCESS', { data }));
    expect(outcome).toMatchObject({ kind: 'found', order: { client_tsn: 'o-1-r-1', net_amount: 700, total_amount: 1000 } });
  });

  it('FAIL with UPAY_ORDER_NOT_EXISTS is not found', async () => {
    const outcome = await query(biz('FAIL', { error_code: 'UPAY_ORDER_NOT_EXISTS' }));
    expect(outcome).toEqual({ kind: 'not_found', raw: { result_code: '200', biz_result_code: 'FAIL', biz_error_code: 'UPAY_ORDER_NOT_EXISTS' } });
  });

  it('FAIL with another code is rejected', async () => {
    const outcome = await query(biz('FAIL', { error_code: 'UPAY_TERMINAL_STATUS_ABNORMAL' }));
    expect(outcome).toMatchObject({ kind: 'rejected', error_code: 'UPAY_TERMINAL_STATUS_ABNORMAL' });
  });

  it('about another sn is a bad reply', async () => {
    const outcome = await query(biz('SUCCESS', { data: order() }), { sn: '7895000000000002' });
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'data.sn is not the order asked about' } });
  });

  it('asked by sn and client_sn is judged by sn, the one the provider uses', async () => {
    const outcome = await query(biz('SUCCESS', { data: order() }), { sn: SN, client_sn: 'stale' });
    expect(outcome.kind).toBe('found');
  });

  it('without a result code is a bad reply', async () => {
    const outcome = await query({ result_code: '200', biz_response: { data: order() } });
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'biz_response has no result_code' } });
  });
});

describe('a precreate reply', () => {
  const precreate = (envelope: unknown) => clientAnswering(envelope).precreate(TERMINAL, PRECREATE);
  const created = order({ order_status: 'CREATED', status: 'IN_PROG', net_amount: '0', qr_code: 'weixin://wxpay/bizpayurl?pr=abc', finish_time: '' });

  it('PRECREATE_SUCCESS is created with the qr_code to render', async () => {
    const outcome = await precreate(biz('PRECREATE_SUCCESS', { data: created }));
    expect(outcome).toMatchObject({ kind: 'created', order: { qr_code: 'weixin://wxpay/bizpayurl?pr=abc', order_status: 'CREATED' } });
  });

  it('PRECREATE_SUCCESS without a qr_code is a bad reply', async () => {
    const outcome = await precreate(biz('PRECREATE_SUCCESS', { data: { ...created, qr_code: undefined } }));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'PRECREATE_SUCCESS without data.qr_code' } });
  });

  it.each(['3', '4'] as const)('PRECREATE_SUCCESS for sub_payway %s is created with the wallet request in place of a QR code', async (sub_payway) => {
    const data = { ...created, qr_code: undefined, sub_payway, wap_pay_request: '{"appId":"a"}' };
    const outcome = await clientAnswering(biz('PRECREATE_SUCCESS', { data })).precreate(TERMINAL, { ...PRECREATE, sub_payway, payer_uid: 'u' });
    expect(outcome).toMatchObject({ kind: 'created', order: { wap_pay_request: '{"appId":"a"}' } });
  });

  it('PRECREATE_SUCCESS for WAP without the wallet request is a bad reply', async () => {
    const outcome = await clientAnswering(biz('PRECREATE_SUCCESS', { data: created })).precreate(TERMINAL, { ...PRECREATE, sub_payway: '3', payer_uid: 'u' });
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'PRECREATE_SUCCESS without data.wap_pay_request' } });
  });

  it('PRECREATE_SUCCESS for an explicit QR sub_payway needs the qr_code', async () => {
    const outcome = await clientAnswering(biz('PRECREATE_SUCCESS', { data: created })).precreate(TERMINAL, { ...PRECREATE, sub_payway: '2' });
    expect(outcome).toMatchObject({ kind: 'created', order: { qr_code: 'weixin://wxpay/bizpayurl?pr=abc' } });
  });

  it('PRECREATE_SUCCESS whose order is already PAID is unknown', async () => {
    const outcome = await precreate(biz('PRECREATE_SUCCESS', { data: { ...created, order_status: 'PAID' } }));
    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'PRECREATE_SUCCESS but order_status PAID' });
  });

  it('PRECREATE_FAIL is failed with its code', async () => {
    const outcome = await precreate(biz('PRECREATE_FAIL', { error_code: 'UNEXPECTED_PROVIDER_ERROR' }));
    expect(outcome).toMatchObject({ kind: 'failed', error_code: 'UNEXPECTED_PROVIDER_ERROR' });
  });

  it.each(['PRECREATE_FAIL_ERROR', 'PRECREATE_FAIL_IN_PROGRESS'])('%s is unknown', async (code) => {
    expect(await precreate(biz(code))).toMatchObject({ kind: 'unknown', reason: code });
  });

  it('FAIL is rejected', async () => {
    expect(await precreate(biz('FAIL', { error_code: 'CLIENT_SN_CONFLICT' }))).toMatchObject({ kind: 'rejected', error_code: 'CLIENT_SN_CONFLICT' });
  });
});

describe('a refund reply', () => {
  const refund = (envelope: unknown) => clientAnswering(envelope).refund(TERMINAL, REFUND);

  it.each([
    ['PARTIAL_REFUNDED', '700'],
    ['REFUNDED', '0'],
  ])('REFUND_SUCCESS with the order %s is refunded', async (orderStatus, net) => {
    const outcome = await refund(biz('REFUND_SUCCESS', { data: order({ order_status: orderStatus, net_amount: net }) }));
    expect(outcome).toMatchObject({ kind: 'refunded', order: { order_status: orderStatus, net_amount: Number(net) } });
  });

  it('REFUND_SUCCESS whose order is still PAID is unknown', async () => {
    const outcome = await refund(biz('REFUND_SUCCESS', { data: order() }));
    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'REFUND_SUCCESS but order_status PAID' });
  });

  it('REFUND_FAIL is failed, the order untouched', async () => {
    const outcome = await refund(biz('REFUND_FAIL', { error_code: 'SELLER_BALANCE_NOT_ENOUGH', data: order({ status: 'FAIL_CANCELED' }) }));
    expect(outcome).toMatchObject({ kind: 'failed', error_code: 'SELLER_BALANCE_NOT_ENOUGH', order: { order_status: 'PAID' } });
  });

  it('REFUND_IN_PROGRESS is in progress', async () => {
    expect(await refund(biz('REFUND_IN_PROGRESS', { data: order({ status: 'IN_PROG' }) }))).toMatchObject({ kind: 'in_progress' });
  });

  it('REFUND_ERROR is unknown', async () => {
    expect(await refund(biz('REFUND_ERROR', { data: order({ order_status: 'REFUND_ERROR' }) }))).toMatchObject({ kind: 'unknown', reason: 'REFUND_ERROR' });
  });

  it('a refund whose order went to REFUND_ERROR is unknown whatever the result code', async () => {
    expect(await refund(biz('REFUND_IN_PROGRESS', { data: order({ order_status: 'REFUND_ERROR' }) }))).toMatchObject({ kind: 'unknown' });
  });

  it.each(['REFUNDABLE_AMOUNT_NOT_ENOUGH', 'UPAY_REFUND_INVALID_ORDER_STATE', 'UPAY_REFUND_ORDER_NOOP', 'UPAY_TCP_ORDER_NOT_REFUNDABLE'])(
    'FAIL with %s is rejected',
    async (code) => {
      expect(await refund(biz('FAIL', { error_code: code }))).toMatchObject({ kind: 'rejected', error_code: code });
    },
  );
});

describe.each(['cancel', 'revoke'] as const)('a %s reply', (method) => {
  const call = (envelope: unknown) => clientAnswering(envelope)[method](TERMINAL, { sn: SN });

  it('CANCEL_SUCCESS is canceled, not aborted', async () => {
    const outcome = await call(biz('CANCEL_SUCCESS', { data: order({ order_status: 'CANCELED', net_amount: '0' }) }));
    expect(outcome).toMatchObject({ kind: 'canceled', aborted: false, order: { order_status: 'CANCELED' } });
  });

  it('CANCEL_ABORT_SUCCESS is canceled with the in-flight payment aborted', async () => {
    const outcome = await call(biz('CANCEL_ABORT_SUCCESS', { data: order({ order_status: 'PAY_CANCELED', net_amount: '0' }) }));
    expect(outcome).toMatchObject({ kind: 'canceled', aborted: true });
  });

  it('CANCEL_SUCCESS without an order is canceled', async () => {
    expect(await call(biz('CANCEL_SUCCESS'))).toEqual({ kind: 'canceled', aborted: false, raw: { result_code: '200', biz_result_code: 'CANCEL_SUCCESS' } });
  });

  it('CANCEL_SUCCESS whose order is still PAID is unknown', async () => {
    expect(await call(biz('CANCEL_SUCCESS', { data: order() }))).toMatchObject({ kind: 'unknown', reason: 'CANCEL_SUCCESS but order_status PAID' });
  });

  it.each([
    ['CANCEL_IN_PROGRESS', false],
    ['CANCEL_ABORT_IN_PROGRESS', true],
  ])('%s is in progress', async (code, aborted) => {
    const outcome = await call(biz(code, { data: order({ order_status: 'CANCEL_INPROGRESS', status: 'IN_PROG' }) }));
    expect(outcome).toMatchObject({ kind: 'in_progress', aborted });
  });

  it.each(['CANCEL_ERROR', 'CANCEL_ABORT_ERROR'])('%s is unknown', async (code) => {
    expect(await call(biz(code, { data: order({ order_status: 'CANCEL_ERROR' }) }))).toMatchObject({ kind: 'unknown', reason: code });
  });

  it('FAIL with UPAY_ORDER_NOT_EXISTS is not found: nothing to cancel', async () => {
    expect(await call(biz('FAIL', { error_code: 'UPAY_ORDER_NOT_EXISTS' }))).toMatchObject({ kind: 'not_found' });
  });

  it.each(['UPAY_CANCEL_ORDER_NOOP', 'UPAY_CANCEL_INVALID_ORDER_STATE'])('FAIL with %s is rejected', async (code) => {
    expect(await call(biz('FAIL', { error_code: code }))).toMatchObject({ kind: 'rejected', error_code: code });
  });

  it('PAY_SUCCESS, not an answer to it, is a bad reply', async () => {
    expect(await call(biz('PAY_SUCCESS', { data: order() }))).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply' } });
  });
});

describe('an activation reply', () => {
  const activate = (envelope: unknown) => clientAnswering(envelope).activate(VENDOR, { app_id: 'app', code: '1234', device_id: 'd1' });
  const pair = { terminal_sn: '100000000002', terminal_key: 'fresh-terminal-key' };

  it('with the pair directly in biz_response is activated', async () => {
    expect(await activate({ result_code: '200', biz_response: pair })).toEqual({ kind: 'activated', ...pair, raw: { result_code: '200' } });
  });

  it('with the pair and result code SUCCESS is activated', async () => {
    expect(await activate(biz('SUCCESS', pair))).toMatchObject({ kind: 'activated', ...pair });
  });

  it('without the key is a bad reply', async () => {
    expect(await activate({ result_code: '200', biz_response: { terminal_sn: pair.terminal_sn } })).toMatchObject({
      kind: 'transport',
      failure: { kind: 'bad_reply', reason: 'biz_response.terminal_key is missing' },
    });
  });

  it.each(['ACTIVATION_CODE_EXPIRED', 'ACTIVATION_CODE_USED_UP', 'DEVICE_ID_ALREADY_USED'])('FAIL with %s is rejected', async (code) => {
    expect(await activate(biz('FAIL', { error_code: code }))).toMatchObject({ kind: 'rejected', error_code: code, raw: { biz_error_code: code } });
  });

  it('a 400 that is not about the signature is rejected with its code', async () => {
    const outcome = await activate({ result_code: '400', error_code: 'INVALID_PARAMS', error_message: 'code expired' });
    expect(outcome).toEqual({
      kind: 'rejected',
      error_code: 'INVALID_PARAMS',
      error_message: 'code expired',
      raw: { result_code: '400', error_code: 'INVALID_PARAMS', error_message: 'code expired' },
    });
  });

  it('a 400 ILLEGAL_SIGN is a signature failure', async () => {
    expect(await activate({ result_code: '400', error_code: 'ILLEGAL_SIGN' })).toMatchObject({ kind: 'transport', failure: { kind: 'illegal_sign' } });
  });

  it('a 500 is a server error', async () => {
    expect(await activate({ result_code: '500', error_code: 'UNKNOWN_SYSTEM_ERROR' })).toMatchObject({
      kind: 'transport',
      failure: { kind: 'server_error', code: 'UNKNOWN_SYSTEM_ERROR', maintenance: false },
    });
  });
});

describe('a check-in reply', () => {
  const checkin = (envelope: unknown) => clientAnswering(envelope).checkin(TERMINAL, { device_id: 'd1' });

  it('with the new key is checked in', async () => {
    const outcome = await checkin({ result_code: '200', biz_response: { terminal_sn: TERMINAL.sn, terminal_key: 'next-key' } });
    expect(outcome).toEqual({ kind: 'checked_in', terminal_sn: TERMINAL.sn, terminal_key: 'next-key', raw: { result_code: '200' } });
  });

  it('naming another terminal is a bad reply', async () => {
    const outcome = await checkin({ result_code: '200', biz_response: { terminal_sn: '100000000009', terminal_key: 'k' } });
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'biz_response.terminal_sn is another terminal' } });
  });

  it('a 400 INVALID_TERMINAL is rejected', async () => {
    expect(await checkin({ result_code: '400', error_code: 'INVALID_TERMINAL' })).toMatchObject({ kind: 'rejected', error_code: 'INVALID_TERMINAL' });
  });

  it('a 400 ILLEGAL_SIGN is a signature failure, so the caller can re-read its key', async () => {
    expect(await checkin({ result_code: '400', error_code: 'ILLEGAL_SIGN', error_message: 'sign mismatch' })).toEqual({
      kind: 'transport',
      failure: { kind: 'illegal_sign', message: 'sign mismatch' },
      raw: { result_code: '400', error_code: 'ILLEGAL_SIGN', error_message: 'sign mismatch' },
    });
  });
});

describe('an uploadLog reply', () => {
  const upload = (envelope: unknown) => clientAnswering(envelope).uploadLog(TERMINAL, new Uint8Array([0x1f, 0x8b, 0]));

  it('of a bare 200 is uploaded', async () => {
    expect(await upload({ result_code: '200' })).toEqual({ kind: 'uploaded', raw: { result_code: '200' } });
  });

  it('of 500 is a server error', async () => {
    expect(await upload({ result_code: '500', error_code: 'UNKNOWN_SYSTEM_ERROR' })).toMatchObject({ kind: 'transport', failure: { kind: 'server_error' } });
  });
});

describe('an envelope', () => {
  it.each([
    ['INVALID_PARAMS', { kind: 'client_error', code: 'INVALID_PARAMS', message: 'bad' }],
    ['INVALID_TERMINAL', { kind: 'client_error', code: 'INVALID_TERMINAL', message: 'bad' }],
    ['TERMINAL_NOT_EXISTS', { kind: 'client_error', code: 'TERMINAL_NOT_EXISTS', message: 'bad' }],
    ['INVALID_PARAMETER', { kind: 'client_error', code: 'INVALID_PARAMETER', message: 'bad' }],
    ['ILLEGAL_SIGN', { kind: 'illegal_sign', message: 'bad' }],
  ])('of 400 %s is a transport failure of its own kind', async (code, failure) => {
    const outcome = await pay({ result_code: '400', error_code: code, error_message: 'bad' });
    expect(outcome).toEqual({ kind: 'transport', failure, raw: { result_code: '400', error_code: code, error_message: 'bad' } });
  });

  it.each([
    ['UNKNOWN_SYSTEM_ERROR', false],
    ['MAINTENANCE_INPROGRESS', true],
  ])('of 500 %s is a server error, maintenance %s', async (code, maintenance) => {
    const outcome = await pay({ result_code: '500', error_code: code });
    expect(outcome).toEqual({ kind: 'transport', failure: { kind: 'server_error', code, maintenance }, raw: { result_code: '500', error_code: code } });
  });

  it.each([
    ['a result code the protocol does not have', { result_code: '201', biz_response: { result_code: 'PAY_SUCCESS' } }],
    ['a numeric result code', { result_code: 200, biz_response: { result_code: 'PAY_SUCCESS' } }],
    ['no result code', { biz_response: { result_code: 'PAY_SUCCESS' } }],
    ['a 400 without error_code', { result_code: '400' }],
    ['a 500 with an empty error_code', { result_code: '500', error_code: '' }],
    ['a 200 without biz_response', { result_code: '200' }],
    ['a biz_response that is an array', { result_code: '200', biz_response: [] }],
    ['a numeric biz result code', { result_code: '200', biz_response: { result_code: 1 } }],
    ['a numeric error_message', { result_code: '400', error_code: 'INVALID_PARAMS', error_message: 7 }],
    ['a JSON array', [{ result_code: '200' }]],
    ['a JSON string', 'ok'],
  ])('with %s is a bad reply', async (_what, envelope) => {
    const outcome = await pay(JSON.stringify(envelope));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'bad_reply' } });
  });

  it('that is not JSON is a bad reply that does not quote the body, which may hold a key', async () => {
    const outcome = await pay(`<html>terminal_key=${TERMINAL.key}</html>`);
    expect(outcome).toEqual({ kind: 'transport', failure: { kind: 'bad_reply', reason: 'reply is not JSON' } });
  });
});
