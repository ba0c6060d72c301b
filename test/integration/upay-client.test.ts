import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../local/sandbox/index.js';
import { UpayClient, failureCertainty } from '../../lib/upay/index.js';
import type { Credentials, OrderStatus, PayOutcome, PayRequest, QueryOutcome } from '../../lib/upay/index.js';

// lib/upay against the sandbox over real HTTP. The sandbox is known only through its README:
// startSandbox(), the scenario table (last four digits of the barcode / precreate client_sn) and
// the unsigned control API under /_sandbox/.

let sandbox: Awaited<ReturnType<typeof startSandbox>>;
let client: UpayClient;
let vendor: Credentials;
let appId: string;
let serial = 0;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 'lib-upay-integration' });
  client = new UpayClient({ baseUrl: sandbox.url, timeoutMs: 5_000 });
  vendor = { sn: sandbox.vendor.vendor_sn, key: sandbox.vendor.vendor_key };
  appId = sandbox.vendor.app_id;
});

afterAll(async () => {
  await sandbox?.close();
});

afterEach(async () => {
  await control('DELETE', 'faults');
});

async function control<T = Record<string, unknown>>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(`/_sandbox/${path}`, sandbox.url), {
    method,
    ...(body !== undefined && { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`control ${method} /_sandbox/${path} answered ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${serial++}`;

async function newCode(options: { uses?: number; store_id?: string; expires_in_ms?: number } = {}): Promise<string> {
  const { code } = await control<{ code: string }>('POST', 'activation-codes', { uses: 1, ...options });
  return code;
}

async function freshTerminal(): Promise<Credentials & { device_id: string }> {
  const device_id = unique('dev-');
  const outcome = await client.activate(vendor, { app_id: appId, code: await newCode(), device_id });
  if (outcome.kind !== 'activated') throw new Error(`activation failed: ${JSON.stringify(outcome)}`);
  return { sn: outcome.terminal_sn, key: outcome.terminal_key, device_id };
}

/** A WeChat Pay barcode (prefix 13, 18 digits) whose last four digits pick the scenario. */
const wechat = (suffix: string) => `13${'0'.repeat(12)}${suffix}`;

function payRequest(suffix: string, overrides: Partial<PayRequest> = {}): PayRequest {
  return { client_sn: unique('o-'), total_amount: 1000, dynamic_id: wechat(suffix), subject: 'tea', operator: 'ann', ...overrides };
}

async function paidOrder(terminal: Credentials, suffix = '0000', total_amount = 1000) {
  const request = payRequest(suffix, { total_amount });
  const outcome = await client.pay(terminal, request);
  expect(outcome.kind).toBe('paid');
  if (outcome.kind !== 'paid') throw new Error('not paid');
  return outcome.order;
}

async function statusOf(terminal: Credentials, ref: { sn?: string; client_sn?: string }): Promise<OrderStatus | 'not_found'> {
  const outcome: QueryOutcome = await client.query(terminal, ref);
  if (outcome.kind === 'not_found') return 'not_found';
  if (outcome.kind !== 'found') throw new Error(`query failed: ${JSON.stringify(outcome)}`);
  return outcome.order.order_status;
}

async function fault(spec: { kind: string; terminal_sn?: string; path?: string; count?: number; delay_ms?: number }) {
  return control<{ id: string }>('POST', 'faults', spec);
}

const HOUR_MS = 3_600_000;
const SHANGHAI_OFFSET_MS = 8 * HOUR_MS;
const DAY_MS = 24 * HOUR_MS;

/** 00:00 Asia/Shanghai two days after the sandbox's now, so every time on the day before is still ahead. */
async function shanghaiMidnightAhead(): Promise<number> {
  const { now_ms } = await control<{ now_ms: number }>('GET', 'clock');
  return (Math.floor((now_ms + SHANGHAI_OFFSET_MS) / DAY_MS) + 2) * DAY_MS - SHANGHAI_OFFSET_MS;
}

const setClock = (now_ms: number) => control('POST', 'clock', { now_ms });

/** Moves the sandbox clock forward to 10:00 Asia/Shanghai on a later day, far from midnight. */
async function nextShanghaiMorning(): Promise<void> {
  await setClock((await shanghaiMidnightAhead()) + 10 * HOUR_MS);
}

describe('activation', () => {
  it('issues a terminal pair for a fresh code, and the sandbox knows the terminal by its device', async () => {
    const device_id = unique('dev-');
    const outcome = await client.activate(vendor, { app_id: appId, code: await newCode(), device_id, name: 'till 1', os_info: 'linux', sdk_version: '1.0' });
    expect(outcome).toMatchObject({ kind: 'activated', raw: { result_code: '200' } });
    if (outcome.kind !== 'activated') return;
    expect(outcome.terminal_sn).not.toBe('');
    expect(outcome.terminal_key).not.toBe('');
    const view = await control('GET', `terminals/${outcome.terminal_sn}`);
    expect(view).toMatchObject({ terminal_sn: outcome.terminal_sn, device_id });
    expect(JSON.stringify(view)).not.toContain(outcome.terminal_key);
  });

  it('works with a code the sandbox generated at start', async () => {
    const [code] = sandbox.activationCodes;
    if (code === undefined) throw new Error('the sandbox generated no activation codes');
    const outcome = await client.activate(vendor, { app_id: appId, code, device_id: unique('dev-') });
    expect(outcome.kind).toBe('activated');
  });

  it('yields a new terminal for each use of a multi-use code', async () => {
    const code = await newCode({ uses: 2 });
    const first = await client.activate(vendor, { app_id: appId, code, device_id: unique('dev-') });
    const second = await client.activate(vendor, { app_id: appId, code, device_id: unique('dev-') });
    expect(first.kind).toBe('activated');
    expect(second.kind).toBe('activated');
    if (first.kind === 'activated' && second.kind === 'activated') {
      expect(second.terminal_sn).not.toBe(first.terminal_sn);
      expect(second.terminal_key).not.toBe(first.terminal_key);
    }
  });

  it('is rejected once the code is used up', async () => {
    const code = await newCode({ uses: 1 });
    expect((await client.activate(vendor, { app_id: appId, code, device_id: unique('dev-') })).kind).toBe('activated');
    const again = await client.activate(vendor, { app_id: appId, code, device_id: unique('dev-') });
    expect(again).toMatchObject({ kind: 'rejected', error_code: 'ACTIVATION_CODE_USED_UP' });
  });

  it('is rejected for a code that does not exist', async () => {
    const outcome = await client.activate(vendor, { app_id: appId, code: 'no-such-code', device_id: unique('dev-') });
    expect(outcome).toMatchObject({ kind: 'rejected', error_code: 'ACTIVATION_CODE_NOT_EXISTS' });
  });

  it('is rejected for a code past its own expiry', async () => {
    const code = await newCode({ expires_in_ms: 60_000 });
    await control('POST', 'clock', { advance_ms: 60_001 });
    const outcome = await client.activate(vendor, { app_id: appId, code, device_id: unique('dev-') });
    expect(outcome).toMatchObject({ kind: 'rejected', error_code: 'ACTIVATION_CODE_EXPIRED' });
  });

  it('is rejected for a code older than seven days, and not before', async () => {
    const fresh = await newCode();
    const stale = await newCode();
    await control('POST', 'clock', { advance_ms: 7 * DAY_MS - 60_000 });
    expect((await client.activate(vendor, { app_id: appId, code: fresh, device_id: unique('dev-') })).kind).toBe('activated');
    await control('POST', 'clock', { advance_ms: 120_000 });
    const outcome = await client.activate(vendor, { app_id: appId, code: stale, device_id: unique('dev-') });
    expect(outcome).toMatchObject({ kind: 'rejected', error_code: 'ACTIVATION_CODE_EXPIRED' });
  });

  it('is rejected for a device id already used in the same store', async () => {
    const store_id = unique('store-');
    const device_id = unique('dev-');
    expect((await client.activate(vendor, { app_id: appId, code: await newCode({ store_id }), device_id })).kind).toBe('activated');
    const again = await client.activate(vendor, { app_id: appId, code: await newCode({ store_id }), device_id });
    expect(again).toMatchObject({ kind: 'rejected', error_code: 'DEVICE_ID_ALREADY_USED' });
  });

  it('signed with a wrong vendor key is an illegal signature, not a rejection', async () => {
    const outcome = await client.activate({ ...vendor, key: `${vendor.key}x` }, { app_id: appId, code: await newCode(), device_id: unique('dev-') });
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'illegal_sign' }, raw: { result_code: '400', error_code: 'ILLEGAL_SIGN' } });
  });
});

describe('check-in', () => {
  const probe = (terminal: Credentials) => client.query(terminal, { client_sn: unique('probe-') });

  it('returns a new key; the current and the previous key are valid, an older one is not', async () => {
    const terminal = await freshTerminal();
    const first = await client.checkin(terminal, { device_id: terminal.device_id });
    expect(first).toMatchObject({ kind: 'checked_in', terminal_sn: terminal.sn });
    if (first.kind !== 'checked_in') return;
    expect(first.terminal_key).not.toBe(terminal.key);
    const k1 = { sn: terminal.sn, key: first.terminal_key };
    expect((await probe(terminal)).kind).toBe('not_found');
    expect((await probe(k1)).kind).toBe('not_found');

    const second = await client.checkin(k1, { device_id: terminal.device_id, os_info: 'linux', sdk_version: '1.0' });
    expect(second.kind).toBe('checked_in');
    if (second.kind !== 'checked_in') return;
    const k2 = { sn: terminal.sn, key: second.terminal_key };
    expect((await probe(k2)).kind).toBe('not_found');
    expect((await probe(k1)).kind).toBe('not_found');
    expect(await probe(terminal)).toMatchObject({ kind: 'transport', failure: { kind: 'illegal_sign' } });
    expect(await client.checkin(terminal, { device_id: terminal.device_id })).toMatchObject({ kind: 'transport', failure: { kind: 'illegal_sign' } });
    expect(await control('GET', `terminals/${terminal.sn}`)).toMatchObject({ checkins: 2 });
  });

  it('can be repeated with the old key after one lost reply, but two lost replies leave the old key dead', async () => {
    const terminal = await freshTerminal();
    const lost = await client.checkin(terminal, { device_id: terminal.device_id });
    expect(lost.kind).toBe('checked_in');
    const retried = await client.checkin(terminal, { device_id: terminal.device_id });
    expect(retried.kind).toBe('checked_in');
    if (retried.kind !== 'checked_in') return;
    expect((await probe({ sn: terminal.sn, key: retried.terminal_key })).kind).toBe('not_found');
    expect(await probe(terminal)).toMatchObject({ kind: 'transport', failure: { kind: 'illegal_sign' } });
  });

  it('whose reply is dropped after the key rotated can be recovered with the old key', async () => {
    const terminal = await freshTerminal();
    await fault({ kind: 'drop_reply', terminal_sn: terminal.sn, path: '/terminal/checkin', count: 1 });
    const dropped = await client.checkin(terminal, { device_id: terminal.device_id });
    expect(dropped).toMatchObject({ kind: 'transport', failure: { kind: 'connection_lost' } });
    if (dropped.kind === 'transport') expect(failureCertainty(dropped.failure)).toBe('unknown');
    expect(await control('GET', `terminals/${terminal.sn}`)).toMatchObject({ checkins: 1 });
    const recovered = await client.checkin(terminal, { device_id: terminal.device_id });
    expect(recovered.kind).toBe('checked_in');
  });

  it('of a terminal the provider does not know is rejected', async () => {
    const outcome = await client.checkin({ sn: '100000999999', key: 'k' }, { device_id: 'd' });
    expect(outcome).toMatchObject({ kind: 'rejected', error_code: 'INVALID_TERMINAL', raw: { result_code: '400' } });
  });
});

describe('uploadLog', () => {
  it('accepts a gzip stream', async () => {
    const terminal = await freshTerminal();
    const outcome = await client.uploadLog(terminal, gzipSync(Buffer.from('2024-01-01 till opened\n')));
    expect(outcome).toEqual({ kind: 'uploaded', raw: { result_code: '200' } });
  });
});

describe('pay', () => {
  let terminal: Credentials;
  beforeAll(async () => {
    terminal = await freshTerminal();
  });

  it.each([
    ['Alipay', `28${'0'.repeat(12)}0000`, ['1', '2']],
    ['WeChat Pay', wechat('0000'), ['3']],
    ['UnionPay QR', `62${'0'.repeat(13)}0000`, ['17']],
    ['JD Pay', `18${'0'.repeat(12)}0000`, ['5']],
    ['QQ Wallet', `91${'0'.repeat(12)}0000`, ['6']],
    ['Baidu Wallet', `31${'0'.repeat(12)}0000`, ['4']],
    ['Bestpay', `51${'0'.repeat(12)}0000`, ['18']],
  ])('of a %s barcode is paid at once, the wallet detected from the barcode', async (_wallet, dynamic_id, payways) => {
    const request = payRequest('0000', { dynamic_id, total_amount: 1234 });
    const outcome = await client.pay(terminal, request);
    expect(outcome).toMatchObject({
      kind: 'paid',
      order: { client_sn: request.client_sn, order_status: 'PAID', total_amount: 1234, net_amount: 1234, terminal_sn: terminal.sn },
      raw: { result_code: '200', biz_result_code: 'PAY_SUCCESS' },
    });
    if (outcome.kind !== 'paid') return;
    expect(payways).toContain(outcome.order.payway);
    expect(outcome.order.sn).toMatch(/^\d{16}$/);
    const found = await client.query(terminal, { sn: outcome.order.sn });
    expect(found).toMatchObject({ kind: 'found', order: { sn: outcome.order.sn, client_sn: request.client_sn, order_status: 'PAID' } });
  });

  it('with payway given takes that wallet instead of detecting it', async () => {
    const outcome = await client.pay(terminal, payRequest('0000', { dynamic_id: `28${'0'.repeat(12)}0000`, payway: '3' }));
    expect(outcome).toMatchObject({ kind: 'paid', order: { payway: '3' } });
  });

  it('at every request limit is accepted by the provider', async () => {
    const outcome = await client.pay(terminal, {
      client_sn: unique('L-').padEnd(32, '0'),
      total_amount: 9_999_999_999,
      dynamic_id: wechat('0000'),
      subject: '茶'.repeat(21),
      operator: 'o'.repeat(32),
      description: 'd'.repeat(256),
      longitude: '121.615459',
      latitude: '31.028721',
      device_id: 'x'.repeat(32),
      extended: Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`${i}`.padStart(64, 'k'), 'v'.repeat(256)])),
      goods_details: [{ goods_id: 'g1', goods_name: '茶', quantity: 1, price: 9_999_999_999, promotion_type: '0' }],
      reflect: 'r'.repeat(64),
      notify_url: `http://127.0.0.1:9/${'n'.repeat(128 - 'http://127.0.0.1:9/'.length)}`,
    });
    expect(outcome).toMatchObject({ kind: 'paid', order: { total_amount: 9_999_999_999, reflect: 'r'.repeat(64) } });
  });

  it('with a client_sn already used is rejected with CLIENT_SN_CONFLICT', async () => {
    const request = payRequest('0000');
    expect((await client.pay(terminal, request)).kind).toBe('paid');
    expect(await client.pay(terminal, request)).toMatchObject({ kind: 'rejected', error_code: 'CLIENT_SN_CONFLICT' });
  });

  it('91NN is in progress and becomes PAID at the NN-th query', async () => {
    const request = payRequest('9103');
    const outcome = await client.pay(terminal, request);
    expect(outcome).toMatchObject({ kind: 'in_progress', raw: { biz_result_code: 'PAY_IN_PROGRESS' } });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAID');
  });

  it('92NN is in progress and becomes PAY_CANCELED at the NN-th query', async () => {
    const request = payRequest('9202');
    expect((await client.pay(terminal, request)).kind).toBe('in_progress');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAY_CANCELED');
  });

  it('9300 stays in progress until cancel aborts it: CANCEL_ABORT_SUCCESS, then CANCELED', async () => {
    const request = payRequest('9300');
    expect((await client.pay(terminal, request)).kind).toBe('in_progress');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    const canceled = await client.cancel(terminal, { client_sn: request.client_sn });
    expect(canceled).toMatchObject({ kind: 'canceled', aborted: true, raw: { biz_result_code: 'CANCEL_ABORT_SUCCESS' } });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CANCELED');
  });

  it('9301 stays in progress and its cancel is unknown (CANCEL_ABORT_ERROR), nothing changed', async () => {
    const request = payRequest('9301');
    expect((await client.pay(terminal, request)).kind).toBe('in_progress');
    expect(await client.cancel(terminal, { client_sn: request.client_sn })).toMatchObject({ kind: 'unknown', reason: 'CANCEL_ABORT_ERROR' });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
  });

  it('9302 stays in progress; its cancel is in progress and the order is CANCELED at the next query', async () => {
    const request = payRequest('9302');
    expect((await client.pay(terminal, request)).kind).toBe('in_progress');
    expect(await client.cancel(terminal, { client_sn: request.client_sn })).toMatchObject({ kind: 'in_progress', aborted: true });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CANCELED');
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
  ])('%s fails with %s, already reversed', async (suffix, code) => {
    const request = payRequest(suffix);
    const outcome = await client.pay(terminal, request);
    expect(outcome).toMatchObject({ kind: 'failed', error_code: code, raw: { biz_result_code: 'PAY_FAIL', biz_error_code: code } });
    if (outcome.kind === 'failed' && outcome.order) {
      expect(outcome.order).toMatchObject({ order_status: 'PAY_CANCELED', status: 'FAIL_CANCELED' });
    }
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAY_CANCELED');
  });

  it('that failed cannot be retried with the same client_sn, but can with a new one', async () => {
    const request = payRequest('9401');
    expect((await client.pay(terminal, request)).kind).toBe('failed');
    expect(await client.pay(terminal, { ...request, dynamic_id: wechat('0000') })).toMatchObject({ kind: 'rejected', error_code: 'CLIENT_SN_CONFLICT' });
    expect((await client.pay(terminal, { ...request, client_sn: unique('o-'), dynamic_id: wechat('0000') })).kind).toBe('paid');
  });

  it('9500 is unknown (PAY_FAIL_ERROR) and the order is PAY_ERROR', async () => {
    const request = payRequest('9500');
    expect(await client.pay(terminal, request)).toMatchObject({ kind: 'unknown', reason: 'PAY_FAIL_ERROR' });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAY_ERROR');
  });

  it('9501 is unknown (PAY_FAIL_IN_PROGRESS): CREATED, then PAY_ERROR at the third query', async () => {
    const request = payRequest('9501');
    expect(await client.pay(terminal, request)).toMatchObject({ kind: 'unknown', reason: 'PAY_FAIL_IN_PROGRESS' });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAY_ERROR');
  });

  it('of a barcode no wallet publishes fails with INVALID_BARCODE', async () => {
    const outcome = await client.pay(terminal, payRequest('0000', { dynamic_id: `99${'0'.repeat(12)}0000` }));
    expect(outcome).toMatchObject({ kind: 'failed', error_code: 'INVALID_BARCODE' });
  });

  it('signed with a wrong key is an illegal signature and charges nobody', async () => {
    const request = payRequest('0000');
    const outcome = await client.pay({ ...terminal, key: `${terminal.key}0` }, request);
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'illegal_sign' } });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('not_found');
  });

  it('from a terminal the provider does not know is a client error INVALID_TERMINAL', async () => {
    const outcome = await client.pay({ sn: '100000999999', key: 'k' }, payRequest('0000'));
    expect(outcome).toMatchObject({ kind: 'transport', failure: { kind: 'client_error', code: 'INVALID_TERMINAL' } });
  });
});

describe('query', () => {
  it('of an order nobody made is not found', async () => {
    const terminal = await freshTerminal();
    expect(await client.query(terminal, { client_sn: unique('none-') })).toMatchObject({ kind: 'not_found', raw: { biz_error_code: 'UPAY_ORDER_NOT_EXISTS' } });
    expect(await client.query(terminal, { sn: '1000000000000000' })).toMatchObject({ kind: 'not_found' });
  });

  it('answers for an order by sn when both sn and client_sn are given', async () => {
    const terminal = await freshTerminal();
    const order = await paidOrder(terminal);
    const outcome = await client.query(terminal, { sn: order.sn, client_sn: unique('other-') });
    expect(outcome).toMatchObject({ kind: 'found', order: { sn: order.sn, client_sn: order.client_sn } });
  });
});

describe('refund', () => {
  let terminal: Credentials;
  beforeAll(async () => {
    terminal = await freshTerminal();
  });

  it('partially, then fully; a replay of the same refund_request_no refunds nothing more', async () => {
    const order = await paidOrder(terminal, '0000', 1000);
    const first = await client.refund(terminal, { sn: order.sn, refund_request_no: 'r1', operator: 'ann', refund_amount: 300 });
    expect(first).toMatchObject({ kind: 'refunded', order: { order_status: 'PARTIAL_REFUNDED', net_amount: 700, total_amount: 1000 } });
    const replay = await client.refund(terminal, { sn: order.sn, refund_request_no: 'r1', operator: 'ann', refund_amount: 300 });
    expect(replay).toMatchObject({ kind: 'refunded', order: { net_amount: 700 } });
    const found = await client.query(terminal, { client_sn: order.client_sn });
    expect(found).toMatchObject({ kind: 'found', order: { net_amount: 700, client_tsn: `${order.client_sn}-r1` } });

    const rest = await client.refund(terminal, { client_sn: order.client_sn, refund_request_no: 'r2', operator: 'ann', refund_amount: 700 });
    expect(rest).toMatchObject({ kind: 'refunded', order: { order_status: 'REFUNDED', net_amount: 0 } });
    const after = await client.query(terminal, { sn: order.sn });
    expect(after).toMatchObject({ kind: 'found', order: { order_status: 'REFUNDED', net_amount: 0, client_tsn: `${order.client_sn}-r2` } });

    const books = await control<{ orders?: unknown[] } | unknown[]>('GET', 'orders');
    const entries = (Array.isArray(books) ? books : (books.orders ?? [])) as { sn: string; net_amount: number; total_amount: number }[];
    expect(entries.find((entry) => entry.sn === order.sn)).toMatchObject({ net_amount: 0, total_amount: 1000 });
  });

  it('of more than is left is rejected with REFUNDABLE_AMOUNT_NOT_ENOUGH', async () => {
    const order = await paidOrder(terminal, '0000', 1000);
    expect((await client.refund(terminal, { sn: order.sn, refund_request_no: 'a', operator: 'ann', refund_amount: 600 })).kind).toBe('refunded');
    const over = await client.refund(terminal, { sn: order.sn, refund_request_no: 'b', operator: 'ann', refund_amount: 401 });
    expect(over).toMatchObject({ kind: 'rejected', error_code: 'REFUNDABLE_AMOUNT_NOT_ENOUGH' });
    expect(await client.query(terminal, { sn: order.sn })).toMatchObject({ order: { net_amount: 400 } });
  });

  it('of an order that was never paid is rejected with UPAY_REFUND_INVALID_ORDER_STATE', async () => {
    const request = payRequest('9300');
    expect((await client.pay(terminal, request)).kind).toBe('in_progress');
    const outcome = await client.refund(terminal, { client_sn: request.client_sn, refund_request_no: 'x', operator: 'ann', refund_amount: 100 });
    expect(outcome).toMatchObject({ kind: 'rejected', error_code: 'UPAY_REFUND_INVALID_ORDER_STATE' });
  });

  it('of an order nobody made is rejected', async () => {
    const outcome = await client.refund(terminal, { client_sn: unique('none-'), refund_request_no: 'x', operator: 'ann', refund_amount: 100 });
    expect(outcome).toMatchObject({ kind: 'rejected', error_code: 'UPAY_ORDER_NOT_EXISTS' });
  });

  it('9601 answers REFUND_ERROR: unknown, and nothing is refunded', async () => {
    const order = await paidOrder(terminal, '9601');
    const outcome = await client.refund(terminal, { sn: order.sn, refund_request_no: 'e', operator: 'ann', refund_amount: 100 });
    expect(outcome).toMatchObject({ kind: 'unknown', reason: 'REFUND_ERROR' });
    expect(await client.query(terminal, { sn: order.sn })).toMatchObject({ order: { net_amount: 1000 } });
  });

  it('9602 answers REFUND_FAIL: failed, and nothing is refunded', async () => {
    const order = await paidOrder(terminal, '9602');
    const outcome = await client.refund(terminal, { sn: order.sn, refund_request_no: 'f', operator: 'ann', refund_amount: 100 });
    expect(outcome).toMatchObject({ kind: 'failed', raw: { biz_result_code: 'REFUND_FAIL' } });
    expect(await client.query(terminal, { sn: order.sn })).toMatchObject({ order: { order_status: 'PAID', net_amount: 1000 } });
  });

  it('9603 answers REFUND_IN_PROGRESS and the refund shows at the next query', async () => {
    const order = await paidOrder(terminal, '9603');
    const outcome = await client.refund(terminal, { sn: order.sn, refund_request_no: 'p', operator: 'ann', refund_amount: 100 });
    expect(outcome).toMatchObject({ kind: 'in_progress' });
    expect(await client.query(terminal, { sn: order.sn })).toMatchObject({
      order: { order_status: 'PARTIAL_REFUNDED', net_amount: 900, client_tsn: `${order.client_sn}-p` },
    });
  });
});

describe('revoke and cancel of a paid order', () => {
  let terminal: Credentials;
  beforeAll(async () => {
    terminal = await freshTerminal();
  });

  it('revoke on the day of payment reverses it in full, once', async () => {
    await nextShanghaiMorning();
    const order = await paidOrder(terminal);
    const outcome = await client.revoke(terminal, { sn: order.sn });
    expect(outcome).toMatchObject({ kind: 'canceled', aborted: false, raw: { biz_result_code: 'CANCEL_SUCCESS' } });
    expect(await statusOf(terminal, { sn: order.sn })).toBe('CANCELED');
    const again = await client.revoke(terminal, { sn: order.sn });
    expect(again.kind).toBe('rejected');
  });

  it('revoke the next day is rejected and the order stays paid', async () => {
    await nextShanghaiMorning();
    const order = await paidOrder(terminal);
    await nextShanghaiMorning();
    const outcome = await client.revoke(terminal, { client_sn: order.client_sn });
    expect(outcome.kind).toBe('rejected');
    expect(await statusOf(terminal, { sn: order.sn })).toBe('PAID');
  });

  it('revoke just after midnight in Shanghai is the next day, though it is the same day in UTC', async () => {
    const midnight = await shanghaiMidnightAhead();
    await setClock(midnight - HOUR_MS / 2);
    const order = await paidOrder(terminal);
    await setClock(midnight + HOUR_MS / 2);
    expect((await client.revoke(terminal, { sn: order.sn })).kind).toBe('rejected');
    expect(await statusOf(terminal, { sn: order.sn })).toBe('PAID');
  });

  it('revoke across midnight UTC is still the same day in Shanghai', async () => {
    const midnight = await shanghaiMidnightAhead();
    await setClock(midnight + 7.5 * HOUR_MS);
    const order = await paidOrder(terminal);
    await setClock(midnight + 8.5 * HOUR_MS);
    expect(await client.revoke(terminal, { sn: order.sn })).toMatchObject({ kind: 'canceled', aborted: false });
    expect(await statusOf(terminal, { sn: order.sn })).toBe('CANCELED');
  });

  it('revoke after a refund is rejected', async () => {
    await nextShanghaiMorning();
    const order = await paidOrder(terminal);
    expect((await client.refund(terminal, { sn: order.sn, refund_request_no: 'r', operator: 'ann', refund_amount: 1 })).kind).toBe('refunded');
    const outcome = await client.revoke(terminal, { sn: order.sn });
    expect(outcome.kind).toBe('rejected');
    expect(await statusOf(terminal, { sn: order.sn })).toBe('PARTIAL_REFUNDED');
  });

  it('cancel reverses a paid order', async () => {
    await nextShanghaiMorning();
    const order = await paidOrder(terminal);
    expect(await client.cancel(terminal, { client_sn: order.client_sn })).toMatchObject({ kind: 'canceled', aborted: false });
    expect(await statusOf(terminal, { sn: order.sn })).toBe('CANCELED');
    expect((await client.cancel(terminal, { client_sn: order.client_sn })).kind).toBe('rejected');
  });

  it('cancel of an order nobody made is not found: nothing to cancel', async () => {
    expect(await client.cancel(terminal, { client_sn: unique('none-') })).toMatchObject({ kind: 'not_found', raw: { biz_error_code: 'UPAY_ORDER_NOT_EXISTS' } });
  });

  it.each(['cancel', 'revoke'] as const)('%s of a 9701 order answers CANCEL_ERROR: unknown, nothing changed', async (method) => {
    await nextShanghaiMorning();
    const order = await paidOrder(terminal, '9701');
    expect(await client[method](terminal, { sn: order.sn })).toMatchObject({ kind: 'unknown', reason: 'CANCEL_ERROR' });
    expect(await statusOf(terminal, { sn: order.sn })).toBe('PAID');
  });

  it.each(['cancel', 'revoke'] as const)('%s of a 9702 order is in progress, CANCELED at the next query', async (method) => {
    await nextShanghaiMorning();
    const order = await paidOrder(terminal, '9702');
    expect(await client[method](terminal, { sn: order.sn })).toMatchObject({ kind: 'in_progress', aborted: false });
    expect(await statusOf(terminal, { sn: order.sn })).toBe('CANCELED');
  });
});

describe('precreate', () => {
  let terminal: Credentials;
  beforeAll(async () => {
    terminal = await freshTerminal();
  });
  const precreateRequest = (suffix: string) => ({
    client_sn: `${unique('q-')}-${suffix}`,
    total_amount: 2500,
    subject: '奶茶',
    operator: 'ann',
    payway: '3' as const,
  });

  it('gives a QR code; the order is PAID once the customer pays it', async () => {
    const request = precreateRequest('0000');
    const outcome = await client.precreate(terminal, request);
    expect(outcome).toMatchObject({ kind: 'created', order: { client_sn: request.client_sn, order_status: 'CREATED', total_amount: 2500 } });
    if (outcome.kind !== 'created') return;
    expect(outcome.order.qr_code).not.toBe('');
    expect(await statusOf(terminal, { sn: outcome.order.sn })).toBe('CREATED');
    await control('POST', 'qr/pay', { sn: outcome.order.sn });
    expect(await statusOf(terminal, { sn: outcome.order.sn })).toBe('PAID');
  });

  it.each(['3', '4'] as const)('for sub_payway %s (paid inside the wallet app) is created with a wallet request', async (sub_payway) => {
    const outcome = await client.precreate(terminal, { ...precreateRequest('0000'), sub_payway, payer_uid: 'openid-123' });
    expect(outcome).toMatchObject({ kind: 'created', order: { sub_payway, payer_uid: 'openid-123', order_status: 'CREATED' } });
    if (outcome.kind === 'created') expect('wap_pay_request' in outcome.order && outcome.order.wap_pay_request).toBeTruthy();
  });

  it('for an explicit QR sub_payway is created with a qr_code', async () => {
    const outcome = await client.precreate(terminal, { ...precreateRequest('0000'), sub_payway: '2' });
    expect(outcome).toMatchObject({ kind: 'created', order: { sub_payway: '2', qr_code: expect.any(String) } });
  });

  it('left unpaid is still payable before 100 s and PAY_CANCELED after', async () => {
    const request = precreateRequest('0000');
    expect((await client.precreate(terminal, request)).kind).toBe('created');
    await control('POST', 'clock', { advance_ms: 99_000 });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    await control('POST', 'clock', { advance_ms: 2_000 });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAY_CANCELED');
  });

  it('for QQ Wallet fails with UNEXPECTED_PROVIDER_ERROR', async () => {
    const outcome = await client.precreate(terminal, { ...precreateRequest('0000'), payway: '6' });
    expect(outcome).toMatchObject({ kind: 'failed', error_code: 'UNEXPECTED_PROVIDER_ERROR', raw: { biz_result_code: 'PRECREATE_FAIL' } });
  });

  it('with a client_sn already used is rejected with CLIENT_SN_CONFLICT', async () => {
    const request = precreateRequest('0000');
    expect((await client.precreate(terminal, request)).kind).toBe('created');
    expect(await client.precreate(terminal, request)).toMatchObject({ kind: 'rejected', error_code: 'CLIENT_SN_CONFLICT' });
  });

  it('91NN: after the customer scans, the order is PAID at the NN-th query', async () => {
    const request = precreateRequest('9102');
    expect((await client.precreate(terminal, request)).kind).toBe('created');
    await control('POST', 'qr/pay', { client_sn: request.client_sn });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CREATED');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAID');
  });

  it('92NN: after the customer scans, the order is PAY_CANCELED at the NN-th query', async () => {
    const request = precreateRequest('9201');
    expect((await client.precreate(terminal, request)).kind).toBe('created');
    await control('POST', 'qr/pay', { client_sn: request.client_sn });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAY_CANCELED');
  });

  it('9300: after the customer scans, cancel aborts it', async () => {
    const request = precreateRequest('9300');
    expect((await client.precreate(terminal, request)).kind).toBe('created');
    await control('POST', 'qr/pay', { client_sn: request.client_sn });
    expect(await client.cancel(terminal, { client_sn: request.client_sn })).toMatchObject({ kind: 'canceled', aborted: true });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('CANCELED');
  });
});

describe('an injected fault', () => {
  let terminal: Credentials;
  beforeAll(async () => {
    terminal = await freshTerminal();
  });
  const PAY_PATH = '/upay/v2/pay';

  async function payUnder(kind: string, extra: { delay_ms?: number } = {}, options?: { timeoutMs: number }) {
    await fault({ kind, terminal_sn: terminal.sn, path: PAY_PATH, count: 1, ...extra });
    const request = payRequest('0000');
    const outcome: PayOutcome = await client.pay(terminal, request, options);
    return { request, outcome };
  }

  it('delay past the call timeout is a timeout (outcome unknown), and the payment did happen', async () => {
    const { request, outcome } = await payUnder('delay', { delay_ms: 1_500 }, { timeoutMs: 200 });
    expect(outcome).toEqual({ kind: 'transport', failure: { kind: 'timeout', timeoutMs: 200 } });
    if (outcome.kind === 'transport') expect(failureCertainty(outcome.failure)).toBe('unknown');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAID');
  });

  it('delay within the call timeout is only slow', async () => {
    const { outcome } = await payUnder('delay', { delay_ms: 50 }, { timeoutMs: 5_000 });
    expect(outcome.kind).toBe('paid');
  });

  it('http_500 is a server error and nothing was applied', async () => {
    const { request, outcome } = await payUnder('http_500');
    expect(outcome).toMatchObject({
      kind: 'transport',
      failure: { kind: 'server_error', code: 'UNKNOWN_SYSTEM_ERROR', maintenance: false },
      raw: { result_code: '500', error_code: 'UNKNOWN_SYSTEM_ERROR' },
    });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('not_found');
  });

  it.each([
    ['maintenance', 'a server error marked as maintenance', { kind: 'server_error', code: 'MAINTENANCE_INPROGRESS', maintenance: true }],
    ['bad_gateway', 'a bad reply with HTTP 502', { kind: 'bad_reply', httpStatus: 502 }],
    ['close', 'a lost connection', { kind: 'connection_lost' }],
  ])('%s is %s, and nothing was applied', async (kind, _what, failure) => {
    const { request, outcome } = await payUnder(kind);
    expect(outcome).toMatchObject({ kind: 'transport', failure });
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('not_found');
  });

  it.each([
    ['malformed is a bad reply (outcome unknown), and the payment did happen', 'malformed', { kind: 'bad_reply' }],
    ['drop_reply is a lost connection, and a later query shows the payment happened', 'drop_reply', { kind: 'connection_lost' }],
  ])('%s', async (_title, kind, failure) => {
    const { request, outcome } = await payUnder(kind);
    expect(outcome).toMatchObject({ kind: 'transport', failure });
    if (outcome.kind === 'transport') expect(failureCertainty(outcome.failure)).toBe('unknown');
    expect(await statusOf(terminal, { client_sn: request.client_sn })).toBe('PAID');
  });

  it('drop_reply on a refund leaves the refund applied, and a retry with the same refund_request_no is the same refund', async () => {
    const order = await paidOrder(terminal);
    await fault({ kind: 'drop_reply', terminal_sn: terminal.sn, path: '/upay/v2/refund', count: 1 });
    const request = { sn: order.sn, refund_request_no: 'drop-1', operator: 'ann', refund_amount: 400 };
    expect(await client.refund(terminal, request)).toMatchObject({ kind: 'transport', failure: { kind: 'connection_lost' } });
    expect(await client.query(terminal, { sn: order.sn })).toMatchObject({ order: { net_amount: 600, client_tsn: `${order.client_sn}-drop-1` } });
    expect(await client.refund(terminal, request)).toMatchObject({ kind: 'refunded', order: { net_amount: 600 } });
  });

  it('with a count affects only that many requests', async () => {
    await fault({ kind: 'http_500', terminal_sn: terminal.sn, path: PAY_PATH, count: 1 });
    expect(await client.pay(terminal, payRequest('0000'))).toMatchObject({ kind: 'transport', failure: { kind: 'server_error' } });
    expect((await client.pay(terminal, payRequest('0000'))).kind).toBe('paid');
  });

  it('matched by path only hits that path, and lasts until cleared', async () => {
    await fault({ kind: 'maintenance', path: '/upay/v2/query' });
    const order = await paidOrder(terminal);
    expect(await client.query(terminal, { sn: order.sn })).toMatchObject({ failure: { kind: 'server_error', maintenance: true } });
    expect(await client.query(terminal, { sn: order.sn })).toMatchObject({ failure: { kind: 'server_error', maintenance: true } });
    await control('DELETE', 'faults');
    expect((await client.query(terminal, { sn: order.sn })).kind).toBe('found');
  });
});

describe('a provider that is not there', () => {
  it('is a call that was not sent', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const offline = new UpayClient({ baseUrl: `http://127.0.0.1:${port}` });
    const outcome = await offline.query({ sn: '100000000001', key: 'k' }, { client_sn: 'o-1' });
    expect(outcome).toEqual({ kind: 'transport', failure: { kind: 'not_sent', cause: 'ECONNREFUSED' } });
  });
});
