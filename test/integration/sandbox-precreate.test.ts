import { afterEach, describe, expect, it } from 'vitest';
import { clientSn, useSandbox } from './helpers/sandbox-raw.js';
import type { BookEntry, RawUpay, Terminal } from './helpers/sandbox-raw.js';

const EXPIRY_SECONDS = 100;

let upay: RawUpay;
let terminal: Terminal;

useSandbox((session) => ({ upay, terminal } = session), { precreateExpirySeconds: EXPIRY_SECONDS });

afterEach(async () => {
  await upay.setClock(Date.now());
});

const scan = (reference: { sn?: string; client_sn?: string }) =>
  upay.control<{ order?: BookEntry; error?: string }>('POST', '/_sandbox/qr/pay', reference);

async function orderStatus(sn: string): Promise<string | undefined> {
  return (await upay.query(terminal, { sn })).biz_response?.data?.order_status;
}

describe('precreate (customer scans a QR code)', () => {
  it('answers PRECREATE_SUCCESS with a qr_code and an order waiting in CREATED', async () => {
    const reply = await upay.precreate(terminal, { payway: '2', total_amount: '880' });
    expect(reply.biz_response?.result_code).toBe('PRECREATE_SUCCESS');
    expect(reply.biz_response?.data).toMatchObject({ order_status: 'CREATED', payway: '2', sub_payway: '2', total_amount: '880' });
    expect(reply.biz_response?.data?.sn).toMatch(/^[0-9]{16}$/);
    expect(typeof reply.biz_response?.data?.qr_code).toBe('string');
    expect(String(reply.biz_response?.data?.qr_code).length).toBeGreaterThan(10);
  });

  it('is PAID once the customer pays the QR through the control API', async () => {
    const data = (await upay.precreate(terminal)).biz_response?.data;
    const sn = String(data?.sn);
    expect(await orderStatus(sn)).toBe('CREATED');
    const paid = await scan({ sn });
    expect(paid.status).toBe(200);
    expect(paid.body.order).toMatchObject({ sn, order_status: 'PAID', paid_amount: 1000, net_amount: 1000 });
    const query = await upay.query(terminal, { client_sn: String(data?.client_sn) });
    expect(query.biz_response?.data).toMatchObject({ order_status: 'PAID', status: 'SUCCESS', net_amount: '1000' });
    expect(typeof query.biz_response?.data?.trade_no).toBe('string');
  });

  it('cancels an unpaid QR by itself after precreateExpirySeconds of the sandbox clock (PAY_CANCELED)', async () => {
    const sn = String((await upay.precreate(terminal)).biz_response?.data?.sn);
    await upay.advanceClock(EXPIRY_SECONDS * 1000 - 1_000);
    expect(await orderStatus(sn)).toBe('CREATED');
    await upay.advanceClock(1_000);
    const query = await upay.query(terminal, { sn });
    expect(query.biz_response?.data).toMatchObject({ order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED' });
    expect(Number(query.biz_response?.data?.finish_time) - Number(query.biz_response?.data?.ctime)).toBe(EXPIRY_SECONDS * 1000);
    const late = await scan({ sn });
    expect(late.status).toBe(409);
  });

  it('shows an expired QR as PAY_CANCELED in the books without anyone querying it', async () => {
    const sn = String((await upay.precreate(terminal)).biz_response?.data?.sn);
    await upay.advanceClock(EXPIRY_SECONDS * 1000);
    expect(await upay.book(sn)).toMatchObject({ order_status: 'PAY_CANCELED', paid_amount: 0 });
  });

  it('does not expire a QR that was paid in time', async () => {
    const sn = String((await upay.precreate(terminal)).biz_response?.data?.sn);
    await scan({ sn });
    await upay.advanceClock(10 * EXPIRY_SECONDS * 1000);
    expect(await orderStatus(sn)).toBe('PAID');
  });

  it('answers a WAP precreate with wap_pay_request and the payer_uid it was given', async () => {
    const reply = await upay.precreate(terminal, { sub_payway: '3', payer_uid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' });
    expect(reply.biz_response?.result_code).toBe('PRECREATE_SUCCESS');
    expect(reply.biz_response?.data).toMatchObject({ sub_payway: '3', payer_uid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' });
    expect(typeof reply.biz_response?.data?.wap_pay_request).toBe('string');
    expect(reply.biz_response?.data?.qr_code).toBeUndefined();
  });

  it('answers a QQ Wallet precreate with PRECREATE_FAIL + UNEXPECTED_PROVIDER_ERROR', async () => {
    const reply = await upay.precreate(terminal, { payway: '6' });
    expect(reply.biz_response).toMatchObject({ result_code: 'PRECREATE_FAIL', error_code: 'UNEXPECTED_PROVIDER_ERROR' });
  });

  it('refuses a reused client_sn with CLIENT_SN_CONFLICT', async () => {
    const sn = clientSn();
    await upay.precreate(terminal, { client_sn: sn });
    expect((await upay.precreate(terminal, { client_sn: sn })).biz_response?.error_code).toBe('CLIENT_SN_CONFLICT');
  });

  it('lets a cancel stop an unpaid QR with CANCEL_ABORT_SUCCESS', async () => {
    const sn = String((await upay.precreate(terminal)).biz_response?.data?.sn);
    const reply = await upay.call(terminal, '/upay/v2/cancel', { sn });
    expect(reply.biz_response).toMatchObject({ result_code: 'CANCEL_ABORT_SUCCESS', data: { order_status: 'CANCELED' } });
    expect((await scan({ sn })).status).toBe(409);
  });

  it('refuses to pay through the QR control an order that is not a waiting QR, or that does not exist', async () => {
    const paid = await upay.paidOrder(terminal);
    expect((await scan({ sn: paid.sn })).status).toBe(409);
    expect((await scan({ client_sn: 'no-such-order' })).status).toBe(404);
    expect((await scan({})).status).toBe(400);
  });
});

describe('precreate scenarios (last four digits of client_sn, after the customer scans)', () => {
  it('91NN is in progress after the scan and PAID at the NN-th query', async () => {
    const sn = String((await upay.precreate(terminal, { client_sn: clientSn('9102') })).biz_response?.data?.sn);
    expect((await scan({ sn })).body.order?.order_status).toBe('CREATED');
    expect(await orderStatus(sn)).toBe('CREATED');
    expect(await orderStatus(sn)).toBe('PAID');
  });

  it('92NN is in progress after the scan and PAY_CANCELED at the NN-th query', async () => {
    const sn = String((await upay.precreate(terminal, { client_sn: clientSn('9201') })).biz_response?.data?.sn);
    await scan({ sn });
    expect(await orderStatus(sn)).toBe('PAY_CANCELED');
  });

  it('9302 after the scan answers a cancel with CANCEL_ABORT_IN_PROGRESS', async () => {
    const sn = String((await upay.precreate(terminal, { client_sn: clientSn('9302') })).biz_response?.data?.sn);
    await scan({ sn });
    expect((await upay.call(terminal, '/upay/v2/cancel', { sn })).biz_response?.result_code).toBe('CANCEL_ABORT_IN_PROGRESS');
    expect(await orderStatus(sn)).toBe('CANCELED');
  });

  it('94NN declines the scanned payment', async () => {
    const sn = String((await upay.precreate(terminal, { client_sn: clientSn('9402') })).biz_response?.data?.sn);
    expect((await scan({ sn })).body.order).toMatchObject({ order_status: 'PAY_CANCELED', paid_amount: 0 });
  });

  it('9603 is paid on scan and its refunds go through at the next query', async () => {
    const sn = String((await upay.precreate(terminal, { client_sn: clientSn('9603') })).biz_response?.data?.sn);
    await scan({ sn });
    expect((await upay.refund(terminal, sn, 'r1', 1000)).biz_response?.result_code).toBe('REFUND_IN_PROGRESS');
    expect(await orderStatus(sn)).toBe('REFUNDED');
  });
});
