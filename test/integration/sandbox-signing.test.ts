import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Sandbox } from '../../local/sandbox/index.js';
import { barcode, clientSn, md5Hex, payFields, rawPost, useSandbox } from './helpers/sandbox-raw.js';
import type { RawUpay, Terminal } from './helpers/sandbox-raw.js';

let sandbox: Sandbox;
let upay: RawUpay;
let terminal: Terminal;

useSandbox((session) => ({ sandbox, upay, terminal } = session));

function payBody(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { terminal_sn: terminal.sn, ...payFields(fields) };
}

function collectNonStrings(value: unknown, path: string, found: string[]): string[] {
  if (Array.isArray(value)) value.forEach((item, i) => collectNonStrings(item, `${path}[${i}]`, found));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, inner] of Object.entries(value)) collectNonStrings(inner, `${path}.${key}`, found);
  } else if (typeof value !== 'string') found.push(path);
  return found;
}

describe('signatures', () => {
  it('accepts a signature in upper-case hex as well as lower-case', async () => {
    const lower = await upay.signed('/upay/v2/pay', payBody(), terminal);
    const upper = await upay.signed('/upay/v2/pay', payBody(), terminal, { upperCaseSign: true });
    expect(lower.biz_response?.result_code).toBe('PAY_SUCCESS');
    expect(upper.biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('verifies the raw bytes as sent, so insignificant whitespace signed as sent is fine', async () => {
    const text = `{ "terminal_sn" : "${terminal.sn}",\n  "client_sn": "${clientSn()}", "total_amount": "1000", "dynamic_id": "${barcode()}", "subject": "tea", "operator": "ann" }`;
    const reply = await upay.signed('/upay/v2/pay', text, terminal);
    expect(reply.biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('rejects a body that differs from the signed bytes, even if it is the same JSON', async () => {
    const body = payBody();
    const signedText = JSON.stringify(body, null, 2);
    const reply = await rawPost(`${sandbox.url}/upay/v2/pay`, JSON.stringify(body), {
      'content-type': 'application/json',
      authorization: `${terminal.sn} ${md5Hex(signedText, terminal.key)}`,
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({ result_code: '400', error_code: 'ILLEGAL_SIGN' });
    expect(await upay.query(terminal, { client_sn: String(body.client_sn) })).toMatchObject({
      biz_response: { result_code: 'FAIL', error_code: 'UPAY_ORDER_NOT_EXISTS' },
    });
  });

  it('signs a Chinese subject over its UTF-8 bytes and echoes it unchanged', async () => {
    const subject = '测试商品·龙井茶';
    const body = JSON.stringify(payBody({ subject }));
    const signedAsLatin1 = await rawPost(`${sandbox.url}/upay/v2/pay`, body, {
      'content-type': 'application/json',
      authorization: `${terminal.sn} ${md5Hex(Buffer.from(body, 'latin1'), terminal.key)}`,
    });
    expect(JSON.parse(signedAsLatin1.text)).toMatchObject({ result_code: '400', error_code: 'ILLEGAL_SIGN' });

    const reply = await upay.signed('/upay/v2/pay', body, terminal);
    expect(reply.biz_response?.result_code).toBe('PAY_SUCCESS');
    expect(reply.biz_response?.data?.subject).toBe(subject);
  });

  it('answers a wrong key with ILLEGAL_SIGN in an HTTP 200 envelope carrying no biz_response', async () => {
    const reply = await upay.signed('/upay/v2/pay', payBody(), { sn: terminal.sn, key: 'f'.repeat(32) });
    expect(reply.result_code).toBe('400');
    expect(reply.error_code).toBe('ILLEGAL_SIGN');
    expect(typeof reply.error_message).toBe('string');
    expect(reply.biz_response).toBeUndefined();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a header without a sign', 'SN_ONLY'],
    ['two spaces between sn and sign', 'SN  0123456789abcdef0123456789abcdef'],
    ['a sign that is not md5 hex', 'SN nothex'],
  ])('answers ILLEGAL_SIGN for %s', async (_, header) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (header !== undefined) headers.authorization = header.replace('SN', terminal.sn);
    const reply = await rawPost(`${sandbox.url}/upay/v2/pay`, JSON.stringify(payBody()), headers);
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({ result_code: '400', error_code: 'ILLEGAL_SIGN' });
  });

  it('answers a terminal it does not know with INVALID_TERMINAL', async () => {
    const stranger = { sn: '100099999999999999', key: terminal.key };
    const reply = await upay.signed('/upay/v2/pay', payBody({ terminal_sn: stranger.sn }), stranger);
    expect(reply).toMatchObject({ result_code: '400', error_code: 'INVALID_TERMINAL' });
  });

  it('accepts activation only when signed with the vendor pair', async () => {
    const { code } = await upay.issueCode({ uses: 3 });
    const body = { app_id: sandbox.vendor.app_id, code, device_id: upay.newDeviceId() };
    expect(await upay.signed('/terminal/activate', body, terminal)).toMatchObject({ error_code: 'ILLEGAL_SIGN' });
    expect(await upay.signed('/terminal/activate', body, { sn: sandbox.vendor.vendor_sn, key: terminal.key })).toMatchObject({
      error_code: 'ILLEGAL_SIGN',
    });
    const reply = await upay.signed('/terminal/activate', body, upay.vendor());
    expect(reply.result_code).toBe('200');
    expect(reply.biz_response?.terminal_sn).toMatch(/^[0-9]+$/);
  });

  it('refuses a transaction signed by one terminal for another terminal_sn', async () => {
    const other = await upay.newTerminal();
    const reply = await upay.signed('/upay/v2/pay', payBody({ terminal_sn: other.sn }), terminal);
    expect(reply).toMatchObject({ result_code: '400', error_code: 'INVALID_PARAMS' });
  });
});

describe('replies', () => {
  it('writes every value of an order reply as a string, amounts and times included', async () => {
    const reply = await upay.pay(terminal, { reflect: 'r-1', description: 'two cups' });
    expect(reply.biz_response?.data?.total_amount).toBe('1000');
    expect(collectNonStrings(reply, '', [])).toEqual([]);
    const refunded = await upay.refund(terminal, String(reply.biz_response?.data?.sn), 'rr-1', 100);
    expect(collectNonStrings(refunded, '', [])).toEqual([]);
  });

  it('answers an unknown path with HTTP 404 and a GET with 405', async () => {
    expect((await fetch(`${sandbox.url}/upay/v2/nothing`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(`${sandbox.url}/upay/v2/pay`)).status).toBe(405);
  });
});

describe('request validation (INVALID_PARAMS, nothing created)', () => {
  const long = (n: number): string => 'x'.repeat(n);
  const manyKeys = (n: number): Record<string, string> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

  it.each<[string, Record<string, unknown>]>([
    ['a missing client_sn', { client_sn: undefined }],
    ['a client_sn of 33 characters', { client_sn: long(33) }],
    ['a decimal total_amount', { total_amount: '10.00' }],
    ['a total_amount of 11 digits', { total_amount: '12345678901' }],
    ['a total_amount as a JSON number', { total_amount: 1000 }],
    ['a zero total_amount', { total_amount: '0' }],
    ['a negative total_amount', { total_amount: '-5' }],
    ['a missing dynamic_id', { dynamic_id: undefined }],
    ['a dynamic_id of 33 characters', { dynamic_id: '2'.repeat(33) }],
    ['a subject of 65 characters', { subject: long(65) }],
    ['a missing operator', { operator: undefined }],
    ['an operator of 33 characters', { operator: long(33) }],
    ['a description of 257 characters', { description: long(257) }],
    ['a reflect of 65 characters', { reflect: long(65) }],
    ['a device_id of 65 characters', { device_id: long(65) }],
    ['a notify_url of 129 characters', { notify_url: `http://127.0.0.1/${long(112)}` }],
    ['a notify_url that is not a URL', { notify_url: 'not a url' }],
    ['an unknown payway', { payway: '99' }],
    ['a longitude without latitude', { longitude: '121.47' }],
    ['a latitude without longitude', { latitude: '31.23' }],
    ['a latitude out of range', { longitude: '121.47', latitude: '91.0' }],
    ['extended with 25 keys', { extended: manyKeys(25) }],
    ['extended with a key of 65 characters', { extended: { [long(65)]: 'v' } }],
    ['extended with a value of 257 characters', { extended: { k: long(257) } }],
    ['extended as an array', { extended: ['k'] }],
    ['goods_details that is not an array', { goods_details: { goods_id: '1' } }],
    ['a goods_details item without goods_name', { goods_details: [{ goods_id: '1', quantity: '1', price: '100', promotion_type: '0' }] }],
  ])('refuses a pay with %s', async (_, fields) => {
    const body = payBody(fields);
    const reply = await upay.signed('/upay/v2/pay', body, terminal);
    expect(reply).toMatchObject({ result_code: '400', error_code: 'INVALID_PARAMS' });
    if (typeof body.client_sn === 'string' && body.client_sn.length <= 32) {
      const again = await upay.signed('/upay/v2/pay', payBody({ client_sn: body.client_sn }), terminal);
      expect(again.biz_response?.result_code).toBe('PAY_SUCCESS');
    }
  });

  it('accepts every field at its limit', async () => {
    const reply = await upay.signed(
      '/upay/v2/pay',
      payBody({
        client_sn: `${clientSn()}${'c'.repeat(32)}`.slice(0, 32),
        total_amount: '9999999999',
        subject: '茶'.repeat(64),
        operator: long(32),
        description: long(256),
        reflect: long(64),
        device_id: long(64),
        notify_url: `http://127.0.0.1/${long(111)}`,
        longitude: '121.4737',
        latitude: '31.2304',
        extended: { ...manyKeys(23), [long(64)]: long(256) },
        goods_details: [{ goods_id: 'g1', goods_name: '龙井', quantity: '1', price: '9999999999', promotion_type: '0' }],
      }),
      terminal,
    );
    expect(reply.biz_response?.result_code).toBe('PAY_SUCCESS');
    expect(reply.biz_response?.data?.total_amount).toBe('9999999999');
  });

  it("accepts the 36-character UUID device_id the provider's own Python client sends on every pay", async () => {
    const reply = await upay.signed('/upay/v2/pay', payBody({ device_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427' }), terminal);
    expect(reply.biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it.each<[string, Record<string, unknown>]>([
    ['description', { description: '' }],
    ['reflect', { reflect: '' }],
    ['device_id', { device_id: '' }],
    ['payway', { payway: '' }],
    ['notify_url', { notify_url: '' }],
    ['extended', { extended: '' }],
  ])('takes an empty optional %s on a pay as absent', async (_, fields) => {
    const reply = await upay.signed('/upay/v2/pay', payBody(fields), terminal);
    expect(reply.biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('takes an empty sub_payway on a precreate as absent (a QR code), as the provider\'s PHP demo sends it', async () => {
    const reply = await upay.signed('/upay/v2/precreate', { ...payBody({ payway: '3', sub_payway: '' }), dynamic_id: undefined }, terminal);
    expect(reply.biz_response?.result_code).toBe('PRECREATE_SUCCESS');
    expect(reply.biz_response?.data?.sub_payway).toBe('2');
  });

  it.each<[string, string, Record<string, string>]>([
    ['a body that is not JSON', '{"terminal_sn":', { 'content-type': 'application/json' }],
    ['a JSON array body', '[]', { 'content-type': 'application/json' }],
    ['a body sent as text/plain', '{}', { 'content-type': 'text/plain' }],
  ])('refuses %s', async (_, body, headers) => {
    const reply = await rawPost(`${sandbox.url}/upay/v2/pay`, body, {
      ...headers,
      authorization: `${terminal.sn} ${md5Hex(body, terminal.key)}`,
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toMatchObject({ result_code: '400', error_code: 'INVALID_PARAMS' });
  });

  it('refuses a query that names neither sn nor client_sn', async () => {
    expect(await upay.query(terminal, {})).toMatchObject({ result_code: '400', error_code: 'INVALID_PARAMS' });
  });

  it('refuses a refund_request_no of 21 characters and a decimal refund_amount', async () => {
    const order = await upay.paidOrder(terminal);
    expect(await upay.refund(terminal, order.sn, 'r'.repeat(21), 100)).toMatchObject({ error_code: 'INVALID_PARAMS' });
    expect(await upay.call(terminal, '/upay/v2/refund', { sn: order.sn, refund_request_no: 'r1', refund_amount: '1.5', operator: 'ann' })).toMatchObject({
      error_code: 'INVALID_PARAMS',
    });
  });

  it('refuses a precreate without payway, and a WAP precreate without payer_uid', async () => {
    expect(await upay.precreate(terminal, { payway: undefined })).toMatchObject({ error_code: 'INVALID_PARAMS' });
    expect(await upay.precreate(terminal, { sub_payway: '3' })).toMatchObject({ error_code: 'INVALID_PARAMS' });
    expect(await upay.precreate(terminal, { sub_payway: '1' })).toMatchObject({ error_code: 'INVALID_PARAMS' });
  });
});

describe('/terminal/uploadLog', () => {
  async function upload(body: Buffer): Promise<unknown> {
    const reply = await rawPost(`${sandbox.url}/terminal/uploadLog`, body, {
      'content-type': 'application/octet-stream',
      authorization: `${terminal.sn} ${md5Hex(body, terminal.key)}`,
    });
    return JSON.parse(reply.text);
  }

  it('acknowledges a signed gzip log with result_code 200', async () => {
    expect(await upload(gzipSync('2024-01-01 till opened\n'))).toEqual({ result_code: '200' });
  });

  it('refuses a log that is not a gzip stream', async () => {
    expect(await upload(Buffer.from('plain text'))).toMatchObject({ result_code: '400', error_code: 'INVALID_PARAMS' });
  });
});
