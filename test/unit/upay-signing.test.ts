import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { UpayClient, sign } from '../../lib/upay/index.js';

// Expected values were computed outside this code, in a shell, e.g.:
//   printf '%s%s' '{"subject":"奶茶"}' '0123456789abcdef0123456789abcdef' | md5sum
// (the shell and the terminal are UTF-8, so 奶茶 is the six bytes e5 a5 b6 e8 8c b6).
const KEY = '0123456789abcdef0123456789abcdef';

describe('sign', () => {
  it('is the lower-case md5 of an ASCII body followed by the key', () => {
    const body = '{"terminal_sn":"100000000001","client_sn":"o-1","total_amount":"1000"}';
    expect(sign(body, KEY)).toBe('08a344a5526a86d935ca2f2dd7d5b23b');
  });

  it('hashes a Chinese subject as its UTF-8 bytes', () => {
    expect(sign('{"subject":"奶茶"}', KEY)).toBe('37b56118a63546077b550e04edb8f222');
  });

  it('gives the same signature for a string and for its UTF-8 bytes', () => {
    const bytes = new TextEncoder().encode('{"subject":"奶茶"}');
    expect(bytes).toHaveLength(20);
    expect(sign(bytes, KEY)).toBe('37b56118a63546077b550e04edb8f222');
  });

  it('signs the exact bytes, so the same JSON with spaces has a different signature', () => {
    expect(sign('{"subject": "奶茶"}', KEY)).toBe('20473911cc11742fe6ebd79f539bc560');
    expect(sign('{ "subject" : "奶茶" }', KEY)).toBe('c648a260af9950bdaa9eace929a1cc1a');
  });

  it('signs binary bodies such as a gzip log byte for byte', () => {
    // printf '\x1f\x8b\x08\x00\xff%s' "$KEY" | md5sum
    expect(sign(new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0xff]), KEY)).toBe('7cb51f25907fbd3cc92dc31c403c6c29');
  });

  it('treats the key as case-sensitive text appended to the body', () => {
    const body = '{"terminal_sn":"100000000001","client_sn":"o-1","total_amount":"1000"}';
    expect(sign(body, KEY.toUpperCase())).toBe('de00925315f23bbb0fcb697f5c343520');
    expect(sign('', KEY)).toBe('8516ac99dc60603295de7bdb6a153530');
  });
});

const TERMINAL = { sn: '100000000001', key: KEY };

function recordingFetch() {
  return vi.fn<typeof fetch>(async () => new Response('{"result_code":"200","biz_response":{"result_code":"FAIL"}}'));
}

function sent(fetchSpy: ReturnType<typeof recordingFetch>) {
  expect(fetchSpy).toHaveBeenCalledTimes(1);
  const [url, init] = fetchSpy.mock.calls[0] ?? [];
  const headers = new Headers(init?.headers);
  const body = init?.body;
  if (!(body instanceof Uint8Array)) throw new Error('the body was not sent as bytes');
  return { url, method: init?.method, headers, body, text: new TextDecoder().decode(body) };
}

describe('the bytes on the wire', () => {
  it('are exactly the bytes the Authorization header signs, with the terminal sn and one space', async () => {
    const fetchSpy = recordingFetch();
    const client = new UpayClient({ baseUrl: 'http://upay.test/', fetch: fetchSpy });
    await client.pay(TERMINAL, {
      client_sn: 'o-1',
      total_amount: 1000,
      dynamic_id: '280000000000000000',
      subject: '奶茶',
      operator: 'ann',
    });
    const request = sent(fetchSpy);
    const expectedSign = createHash('md5').update(request.body).update(KEY).digest('hex');
    expect(request.headers.get('authorization')).toBe(`100000000001 ${expectedSign}`);
    expect(request.headers.get('content-type')).toBe('application/json');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://upay.test/upay/v2/pay');
  });

  it('carry the provider field names in protocol order with every amount as a string of cents', async () => {
    const fetchSpy = recordingFetch();
    const client = new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy });
    await client.pay(TERMINAL, {
      reflect: 'r-1',
      operator: 'ann',
      subject: '奶茶',
      dynamic_id: '280000000000000000',
      total_amount: 1234,
      client_sn: 'o-1',
      payway: '3',
      description: 'two cups',
      longitude: '121.615459',
      latitude: '31.028721',
      device_id: 'till-1',
      extended: { a: 'b' },
      goods_details: [{ goods_id: 'g1', goods_name: '茶', quantity: 2, price: 617, promotion_type: '0' }],
      notify_url: 'https://example.test/notify',
    });
    expect(sent(fetchSpy).text).toBe(
      '{"terminal_sn":"100000000001","client_sn":"o-1","total_amount":"1234","dynamic_id":"280000000000000000",' +
        '"subject":"奶茶","operator":"ann","payway":"3","description":"two cups","longitude":"121.615459",' +
        '"latitude":"31.028721","device_id":"till-1","extended":{"a":"b"},' +
        '"goods_details":[{"goods_id":"g1","goods_name":"茶","quantity":"2","price":"617","promotion_type":"0"}],' +
        '"reflect":"r-1","notify_url":"https://example.test/notify"}',
    );
  });

  it('leave out fields the caller did not give and fields the protocol does not name', async () => {
    const fetchSpy = recordingFetch();
    const client = new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy });
    const request = { client_sn: 'o-2', refund_request_no: 'r1', operator: 'ann', refund_amount: 5, surprise: 'x' };
    await client.refund(TERMINAL, request);
    expect(sent(fetchSpy).text).toBe(
      '{"terminal_sn":"100000000001","client_sn":"o-2","refund_request_no":"r1","operator":"ann","refund_amount":"5"}',
    );
  });

  it('sign activation with the vendor pair and check-in with the terminal pair, terminal_sn taken from it', async () => {
    const fetchSpy = recordingFetch();
    const client = new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy });
    const vendor = { sn: '91000001', key: 'vendor-key' };
    await client.activate(vendor, { app_id: 'app', code: '12345678', device_id: 'd1' });
    await client.checkin(TERMINAL, { device_id: 'd1' });
    const [activate, checkin] = fetchSpy.mock.calls.map(([url, init]) => ({ url, init }));
    const activateBody = activate?.init?.body as Uint8Array;
    const checkinBody = checkin?.init?.body as Uint8Array;
    expect(activate?.url).toBe('http://upay.test/terminal/activate');
    expect(new Headers(activate?.init?.headers).get('authorization')).toBe(`91000001 ${sign(activateBody, 'vendor-key')}`);
    expect(new TextDecoder().decode(activateBody)).toBe('{"app_id":"app","code":"12345678","device_id":"d1"}');
    expect(checkin?.url).toBe('http://upay.test/terminal/checkin');
    expect(new Headers(checkin?.init?.headers).get('authorization')).toBe(`100000000001 ${sign(checkinBody, KEY)}`);
    expect(new TextDecoder().decode(checkinBody)).toBe('{"terminal_sn":"100000000001","device_id":"d1"}');
  });

  it('send the gzip log as it is, signed over its raw bytes', async () => {
    const fetchSpy = vi.fn<typeof fetch>(async () => new Response('{"result_code":"200"}'));
    const client = new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy });
    const log = new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0xff]);
    await client.uploadLog(TERMINAL, log);
    const request = sent(fetchSpy);
    expect(request.url).toBe('http://upay.test/terminal/uploadLog');
    expect([...request.body]).toEqual([0x1f, 0x8b, 0x08, 0x00, 0xff]);
    expect(request.headers.get('authorization')).toBe('100000000001 7cb51f25907fbd3cc92dc31c403c6c29');
  });

  it('name the order by sn and by client_sn when both are given', async () => {
    const fetchSpy = recordingFetch();
    const client = new UpayClient({ baseUrl: 'http://upay.test', fetch: fetchSpy });
    await client.query(TERMINAL, { client_sn: 'o-3', sn: '7895000000000001' });
    expect(sent(fetchSpy).text).toBe('{"terminal_sn":"100000000001","sn":"7895000000000001","client_sn":"o-3"}');
  });
});
