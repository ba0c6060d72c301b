import { describe, expect, it, vi } from 'vitest';
import { UpayClient, UpayRequestError } from '../../lib/upay/index.js';
import type { PayRequest, PrecreateRequest, RefundRequest } from '../../lib/upay/index.js';

const TERMINAL = { sn: '100000000001', key: 'terminal-secret-key' };
const VENDOR = { sn: '91000001', key: 'vendor-secret-key' };

const PAY: PayRequest = {
  client_sn: 'o-1',
  total_amount: 1000,
  dynamic_id: '280000000000000000',
  subject: 'tea',
  operator: 'ann',
};
const PRECREATE: PrecreateRequest = { client_sn: 'o-1', total_amount: 1000, subject: 'tea', operator: 'ann', payway: '3' };
const REFUND: RefundRequest = { client_sn: 'o-1', refund_request_no: 'r-1', operator: 'ann', refund_amount: 100 };
const ACTIVATE = { app_id: 'app', code: '12345678', device_id: 'd1' };

function setup() {
  const fetchSpy = vi.fn<typeof fetch>(async () => new Response('{"result_code":"200","biz_response":{"result_code":"FAIL"}}'));
  return { fetchSpy, client: new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy }) };
}

const ascii = (characters: number) => 'x'.repeat(characters);
// Limits count characters, as the provider does: 茶 is one character (three UTF-8 bytes).
const chinese = (characters: number) => '茶'.repeat(characters);

/** Calls that must be refused: [what, the call, the field that must be named]. */
type Refusal = [string, (client: UpayClient) => Promise<unknown>, string];
/** Calls at the very edge of a limit, which must go out. */
type Acceptance = [string, (client: UpayClient) => Promise<unknown>];

const asAny = <T>(value: unknown) => value as T;

const refusals: Refusal[] = [
  // credentials
  ['a terminal pair without a key', (c) => c.pay({ sn: TERMINAL.sn, key: '' }, PAY), 'terminal_key'],
  ['a terminal sn with a space in it', (c) => c.pay({ sn: '1000 1', key: 'k' }, PAY), 'terminal_sn'],
  ['missing credentials', (c) => c.query(asAny(undefined), { client_sn: 'o-1' }), 'terminal_sn'],
  ['a vendor pair without a key', (c) => c.activate({ sn: VENDOR.sn, key: '' }, ACTIVATE), 'vendor_key'],
  ['a vendor pair without an sn', (c) => c.activate({ sn: '', key: 'k' }, ACTIVATE), 'vendor_sn'],
  // activate
  ['activation without app_id', (c) => c.activate(VENDOR, { ...ACTIVATE, app_id: asAny(undefined) }), 'app_id'],
  ['activation without code', (c) => c.activate(VENDOR, { ...ACTIVATE, code: '' }), 'code'],
  ['activation without device_id', (c) => c.activate(VENDOR, { ...ACTIVATE, device_id: asAny(undefined) }), 'device_id'],
  ['an activation device_id over 128 characters', (c) => c.activate(VENDOR, { ...ACTIVATE, device_id: ascii(129) }), 'device_id'],
  ['an activation client_sn over 50 characters', (c) => c.activate(VENDOR, { ...ACTIVATE, client_sn: ascii(51) }), 'client_sn'],
  ['a terminal name over 128 characters', (c) => c.activate(VENDOR, { ...ACTIVATE, name: chinese(129) }), 'name'],
  ['an os_info over 45 characters', (c) => c.activate(VENDOR, { ...ACTIVATE, os_info: ascii(46) }), 'os_info'],
  ['an sdk_version over 45 characters', (c) => c.activate(VENDOR, { ...ACTIVATE, sdk_version: ascii(46) }), 'sdk_version'],
  // checkin
  ['check-in without device_id', (c) => c.checkin(TERMINAL, asAny({})), 'device_id'],
  ['a check-in device_id over 128 characters', (c) => c.checkin(TERMINAL, { device_id: ascii(129) }), 'device_id'],
  ['a check-in os_info over 45 characters', (c) => c.checkin(TERMINAL, { device_id: 'd', os_info: ascii(46) }), 'os_info'],
  ['a check-in sdk_version over 45 characters', (c) => c.checkin(TERMINAL, { device_id: 'd', sdk_version: ascii(46) }), 'sdk_version'],
  // pay: required fields and lengths
  ['a request that is not an object', (c) => c.pay(TERMINAL, asAny(null)), 'request'],
  ['pay without client_sn', (c) => c.pay(TERMINAL, { ...PAY, client_sn: asAny(undefined) }), 'client_sn'],
  ['a client_sn over 32 characters', (c) => c.pay(TERMINAL, { ...PAY, client_sn: ascii(33) }), 'client_sn'],
  ['a client_sn of 33 Chinese characters', (c) => c.pay(TERMINAL, { ...PAY, client_sn: chinese(33) }), 'client_sn'],
  ['pay without dynamic_id', (c) => c.pay(TERMINAL, { ...PAY, dynamic_id: asAny(undefined) }), 'dynamic_id'],
  ['a dynamic_id over 32 characters', (c) => c.pay(TERMINAL, { ...PAY, dynamic_id: '2'.repeat(33) }), 'dynamic_id'],
  ['pay without subject', (c) => c.pay(TERMINAL, { ...PAY, subject: '' }), 'subject'],
  ['a subject over 64 characters', (c) => c.pay(TERMINAL, { ...PAY, subject: ascii(65) }), 'subject'],
  ['a subject of 65 Chinese characters', (c) => c.pay(TERMINAL, { ...PAY, subject: chinese(65) }), 'subject'],
  ['a client_sn with a NUL', (c) => c.pay(TERMINAL, { ...PAY, client_sn: 'o\u0000-1' }), 'client_sn'],
  ['a subject with a newline', (c) => c.pay(TERMINAL, { ...PAY, subject: 'tea\nPAID' }), 'subject'],
  ['a client_sn with a zero-width space (reads as another order number)', (c) => c.pay(TERMINAL, { ...PAY, client_sn: 'o\u200B-1' }), 'client_sn'],
  ['an operator with a word joiner', (c) => c.pay(TERMINAL, { ...PAY, operator: 'an\u2060n' }), 'operator'],
  ['an operator with a bidi override', (c) => c.pay(TERMINAL, { ...PAY, operator: 'ann\u202Enimda' }), 'operator'],
  ['a subject with a replacement character (bytes that were not UTF-8)', (c) => c.pay(TERMINAL, { ...PAY, subject: 'tea \uFFFD' }), 'subject'],
  ['a subject with a lone surrogate', (c) => c.pay(TERMINAL, { ...PAY, subject: 'tea \uD83C' }), 'subject'],
  ['a subject that is not a string', (c) => c.pay(TERMINAL, { ...PAY, subject: asAny(42) }), 'subject'],
  ['pay without operator', (c) => c.pay(TERMINAL, { ...PAY, operator: asAny(undefined) }), 'operator'],
  ['an operator over 32 characters', (c) => c.pay(TERMINAL, { ...PAY, operator: ascii(33) }), 'operator'],
  ['a payway the protocol does not list', (c) => c.pay(TERMINAL, { ...PAY, payway: asAny('9') }), 'payway'],
  ['a payway given as a number', (c) => c.pay(TERMINAL, { ...PAY, payway: asAny(3) }), 'payway'],
  ['a description over 256 characters', (c) => c.pay(TERMINAL, { ...PAY, description: ascii(257) }), 'description'],
  ['a pay device_id over 64 characters', (c) => c.pay(TERMINAL, { ...PAY, device_id: ascii(65) }), 'device_id'],
  ['a reflect over 64 characters', (c) => c.pay(TERMINAL, { ...PAY, reflect: ascii(65) }), 'reflect'],
  ['a notify_url over 128 characters', (c) => c.pay(TERMINAL, { ...PAY, notify_url: `https://e.test/${ascii(114)}` }), 'notify_url'],
  ['a notify_url that is not a URL', (c) => c.pay(TERMINAL, { ...PAY, notify_url: 'notify-me' }), 'notify_url'],
  ['a notify_url that is not http(s)', (c) => c.pay(TERMINAL, { ...PAY, notify_url: 'ftp://e.test/n' }), 'notify_url'],
  // pay: money
  ['pay without total_amount', (c) => c.pay(TERMINAL, { ...PAY, total_amount: asAny(undefined) }), 'total_amount'],
  ['a total_amount given as a string', (c) => c.pay(TERMINAL, { ...PAY, total_amount: asAny('1000') }), 'total_amount'],
  ['a total_amount with a fraction of a cent', (c) => c.pay(TERMINAL, { ...PAY, total_amount: 10.5 }), 'total_amount'],
  ['a total_amount of zero', (c) => c.pay(TERMINAL, { ...PAY, total_amount: 0 }), 'total_amount'],
  ['a negative total_amount', (c) => c.pay(TERMINAL, { ...PAY, total_amount: -100 }), 'total_amount'],
  ['a total_amount of 11 digits', (c) => c.pay(TERMINAL, { ...PAY, total_amount: 10_000_000_000 }), 'total_amount'],
  ['a total_amount that is not a number', (c) => c.pay(TERMINAL, { ...PAY, total_amount: Number.NaN }), 'total_amount'],
  ['an infinite total_amount', (c) => c.pay(TERMINAL, { ...PAY, total_amount: Infinity }), 'total_amount'],
  ['an unsafe integer total_amount', (c) => c.pay(TERMINAL, { ...PAY, total_amount: 2 ** 53 }), 'total_amount'],
  // pay: location
  ['a longitude without a latitude', (c) => c.pay(TERMINAL, { ...PAY, longitude: '121.6' }), 'latitude'],
  ['a latitude without a longitude', (c) => c.pay(TERMINAL, { ...PAY, latitude: '31.0' }), 'longitude'],
  ['a longitude beyond 180 degrees', (c) => c.pay(TERMINAL, { ...PAY, longitude: '181', latitude: '31' }), 'longitude'],
  ['a latitude that is not a number', (c) => c.pay(TERMINAL, { ...PAY, longitude: '121', latitude: 'north' }), 'latitude'],
  ['a latitude beyond 90 degrees', (c) => c.pay(TERMINAL, { ...PAY, longitude: '121', latitude: '-90.5' }), 'latitude'],
  // pay: extended
  ['an extended that is an array', (c) => c.pay(TERMINAL, { ...PAY, extended: asAny(['a']) }), 'extended'],
  ['an extended that is a string', (c) => c.pay(TERMINAL, { ...PAY, extended: asAny('{"a":"b"}') }), 'extended'],
  ['an extended with 25 keys', (c) => c.pay(TERMINAL, { ...PAY, extended: keys(25) }), 'extended'],
  ['an extended key over 64 characters', (c) => c.pay(TERMINAL, { ...PAY, extended: { [ascii(65)]: 'v' } }), 'extended'],
  ['an extended key of 65 Chinese characters', (c) => c.pay(TERMINAL, { ...PAY, extended: { [chinese(65)]: 'v' } }), 'extended'],
  ['an extended value over 256 characters', (c) => c.pay(TERMINAL, { ...PAY, extended: { k: ascii(257) } }), 'extended.k'],
  ['an extended value that is not a string', (c) => c.pay(TERMINAL, { ...PAY, extended: asAny({ k: 5 }) }), 'extended.k'],
  // pay: goods
  ['goods_details that are not an array', (c) => c.pay(TERMINAL, { ...PAY, goods_details: asAny({}) }), 'goods_details'],
  ['a goods line that is not an object', (c) => c.pay(TERMINAL, { ...PAY, goods_details: asAny(['g']) }), 'goods_details[0]'],
  ['a goods line without goods_id', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods({ goods_id: asAny(undefined) })] }), 'goods_details[0].goods_id'],
  ['a goods line without goods_name', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods(), goods({ goods_name: '' })] }), 'goods_details[1].goods_name'],
  ['a goods quantity of zero', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods({ quantity: 0 })] }), 'goods_details[0].quantity'],
  ['a negative goods price', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods({ price: -1 })] }), 'goods_details[0].price'],
  ['a goods price with a fraction of a cent', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods({ price: 1.5 })] }), 'goods_details[0].price'],
  ['a goods price of 11 digits', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods({ price: 12_345_678_901 })] }), 'goods_details[0].price'],
  ['a goods price given as a string', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods({ price: asAny('100') })] }), 'goods_details[0].price'],
  // precreate
  ['precreate without payway', (c) => c.precreate(TERMINAL, { ...PRECREATE, payway: asAny(undefined) }), 'payway'],
  ['a precreate sub_payway of barcode', (c) => c.precreate(TERMINAL, { ...PRECREATE, sub_payway: asAny('1') }), 'sub_payway'],
  ['a WAP precreate without payer_uid', (c) => c.precreate(TERMINAL, { ...PRECREATE, sub_payway: '3' }), 'payer_uid'],
  ['a precreate total_amount of zero', (c) => c.precreate(TERMINAL, { ...PRECREATE, total_amount: 0 }), 'total_amount'],
  ['a precreate subject over 64 characters', (c) => c.precreate(TERMINAL, { ...PRECREATE, subject: chinese(65) }), 'subject'],
  ['a precreate with half a location', (c) => c.precreate(TERMINAL, { ...PRECREATE, latitude: '31' }), 'longitude'],
  ['a precreate extended with 25 keys', (c) => c.precreate(TERMINAL, { ...PRECREATE, extended: keys(25) }), 'extended'],
  // query, cancel, revoke
  ['a query naming no order', (c) => c.query(TERMINAL, {}), 'sn'],
  ['a query sn that is not 16 digits', (c) => c.query(TERMINAL, { sn: '123' }), 'sn'],
  ['a query sn with letters', (c) => c.query(TERMINAL, { sn: '78950000000000ab' }), 'sn'],
  ['a query client_sn over 32 characters', (c) => c.query(TERMINAL, { client_sn: ascii(33) }), 'client_sn'],
  ['a cancel naming no order', (c) => c.cancel(TERMINAL, {}), 'sn'],
  ['a cancel client_sn over 32 characters', (c) => c.cancel(TERMINAL, { client_sn: ascii(33) }), 'client_sn'],
  ['a revoke naming no order', (c) => c.revoke(TERMINAL, {}), 'sn'],
  ['a revoke sn that is not 16 digits', (c) => c.revoke(TERMINAL, { sn: '1'.repeat(17) }), 'sn'],
  // refund
  ['a refund naming no order', (c) => c.refund(TERMINAL, { ...REFUND, client_sn: undefined }), 'sn'],
  ['a refund without refund_request_no', (c) => c.refund(TERMINAL, { ...REFUND, refund_request_no: asAny(undefined) }), 'refund_request_no'],
  ['a refund_request_no over 20 characters', (c) => c.refund(TERMINAL, { ...REFUND, refund_request_no: ascii(21) }), 'refund_request_no'],
  ['a refund without operator', (c) => c.refund(TERMINAL, { ...REFUND, operator: '' }), 'operator'],
  ['a refund operator over 32 characters', (c) => c.refund(TERMINAL, { ...REFUND, operator: ascii(33) }), 'operator'],
  ['a refund without refund_amount', (c) => c.refund(TERMINAL, { ...REFUND, refund_amount: asAny(undefined) }), 'refund_amount'],
  ['a refund_amount of zero', (c) => c.refund(TERMINAL, { ...REFUND, refund_amount: 0 }), 'refund_amount'],
  ['a refund_amount with a fraction of a cent', (c) => c.refund(TERMINAL, { ...REFUND, refund_amount: 0.5 }), 'refund_amount'],
  ['a refund_amount of 11 digits', (c) => c.refund(TERMINAL, { ...REFUND, refund_amount: 10_000_000_000 }), 'refund_amount'],
  ['a refund extended with 25 keys', (c) => c.refund(TERMINAL, { ...REFUND, extended: keys(25) }), 'extended'],
  ['a refund goods line with a negative price', (c) => c.refund(TERMINAL, { ...REFUND, goods_details: [goods({ price: -5 })] }), 'goods_details[0].price'],
  // uploadLog and call options
  ['a log that is not gzip', (c) => c.uploadLog(TERMINAL, new TextEncoder().encode('plain text log')), 'log'],
  ['an empty log', (c) => c.uploadLog(TERMINAL, new Uint8Array()), 'log'],
  ['a per-call timeout of zero', (c) => c.query(TERMINAL, { client_sn: 'o-1' }, { timeoutMs: 0 }), 'timeoutMs'],
  ['a negative per-call timeout', (c) => c.query(TERMINAL, { client_sn: 'o-1' }, { timeoutMs: -5 }), 'timeoutMs'],
];

function keys(count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, 'v']));
}

function goods(overrides: Partial<NonNullable<PayRequest['goods_details']>[number]> = {}) {
  return { goods_id: 'g1', goods_name: 'tea', quantity: 1, price: 500, ...overrides };
}

describe('a request the provider would refuse', () => {
  it.each(refusals)('is refused before sending: %s', async (_what, call, field) => {
    const { client, fetchSpy } = setup();
    const refused = await call(client).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UpayRequestError);
    expect(refused).toMatchObject({ field });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('is described by field and rule, never by its value or the key', async () => {
    const { client } = setup();
    const secretish = 'customer-barcode-0123456789abcdef';
    const error = await client.pay(TERMINAL, { ...PAY, dynamic_id: secretish }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpayRequestError);
    expect(String((error as Error).message)).not.toContain(secretish);
    expect(JSON.stringify(error)).not.toContain(TERMINAL.key);
    const noKey = await client.pay({ sn: TERMINAL.sn, key: '' }, PAY).catch((e: unknown) => e);
    expect((noKey as UpayRequestError).message).toBe('terminal_key: must not be empty');
  });
});

const acceptances: Acceptance[] = [
  ['a total_amount of 9 999 999 999 cents', (c) => c.pay(TERMINAL, { ...PAY, total_amount: 9_999_999_999 })],
  ['a total_amount of one cent', (c) => c.pay(TERMINAL, { ...PAY, total_amount: 1 })],
  ['a subject of 64 Chinese characters (192 UTF-8 bytes)', (c) => c.pay(TERMINAL, { ...PAY, subject: chinese(64) })],
  ['a pay device_id that is a 36-character UUID, as the provider\'s Python client sends', (c) => c.pay(TERMINAL, { ...PAY, device_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' })],
  ['a subject of exactly 64 characters', (c) => c.pay(TERMINAL, { ...PAY, subject: ascii(64) })],
  ['a client_sn of exactly 32 characters', (c) => c.pay(TERMINAL, { ...PAY, client_sn: ascii(32) })],
  ['an activation client_sn of exactly 50 characters', (c) => c.activate(VENDOR, { ...ACTIVATE, client_sn: ascii(50) })],
  ['an activation device_id of exactly 128 characters', (c) => c.activate(VENDOR, { ...ACTIVATE, device_id: ascii(128) })],
  ['a notify_url of exactly 128 characters', (c) => c.pay(TERMINAL, { ...PAY, notify_url: `https://e.test/${ascii(113)}` })],
  [
    'an extended of 24 keys of 64 characters with values of 256 characters',
    (c) =>
      c.pay(TERMINAL, {
        ...PAY,
        extended: Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`${i}`.padStart(64, 'k'), ascii(256)])),
      }),
  ],
  ['a location at the edge of the map', (c) => c.pay(TERMINAL, { ...PAY, longitude: '-180', latitude: '90.000000' })],
  ['a free goods line', (c) => c.pay(TERMINAL, { ...PAY, goods_details: [goods({ price: 0 })] })],
  ['a WAP precreate with payer_uid', (c) => c.precreate(TERMINAL, { ...PRECREATE, sub_payway: '3', payer_uid: 'openid-1' })],
  ['a mini-program precreate without payer_uid', (c) => c.precreate(TERMINAL, { ...PRECREATE, sub_payway: '4' })],
  ['a query by sn alone', (c) => c.query(TERMINAL, { sn: '7895000000000001' })],
  ['a refund by sn alone', (c) => c.refund(TERMINAL, { ...REFUND, client_sn: undefined, sn: '7895000000000001' })],
  ['a refund_request_no of exactly 20 characters', (c) => c.refund(TERMINAL, { ...REFUND, refund_request_no: ascii(20) })],
];

describe('a request at the edge of a limit', () => {
  it.each(acceptances)('is sent: %s', async (_what, call) => {
    const { client, fetchSpy } = setup();
    await call(client);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });
});

describe('the client options', () => {
  it('refuse a base URL that is not http or https', () => {
    expect(() => new UpayClient({ baseUrl: 'ftp://upay.test' })).toThrow(UpayRequestError);
  });

  it('refuse a default timeout that is not a positive number of milliseconds', () => {
    expect(() => new UpayClient({ baseUrl: 'http://upay.test', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
