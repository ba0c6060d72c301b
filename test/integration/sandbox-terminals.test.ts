import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../../local/sandbox/index.js';
import type { Sandbox } from '../../local/sandbox/index.js';
import { RawUpay } from './helpers/sandbox-raw.js';
import type { Credentials, Terminal } from './helpers/sandbox-raw.js';

const DAY_MS = 86_400_000;

let sandbox: Sandbox;
let upay: RawUpay;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  upay = new RawUpay(sandbox);
});

afterAll(async () => {
  await sandbox.close();
});

async function checkIn(terminal: Terminal, signer: Credentials = terminal) {
  return upay.signed('/terminal/checkin', { terminal_sn: terminal.sn, device_id: terminal.deviceId }, signer);
}

async function newKey(terminal: Terminal, signer: Credentials = terminal): Promise<string> {
  const reply = await checkIn(terminal, signer);
  const key = reply.biz_response?.terminal_key;
  if (key === undefined) throw new Error(`check-in failed: ${JSON.stringify(reply)}`);
  return key;
}

describe('activation', () => {
  it('hands out its generated codes, each usable to activate a terminal', async () => {
    expect(sandbox.activationCodes.length).toBeGreaterThan(0);
    const reply = await upay.activate({ code: sandbox.activationCodes[0], device_id: upay.newDeviceId(), name: 'till 1' });
    expect(reply.result_code).toBe('200');
    expect(reply.biz_response?.terminal_key).toMatch(/^[0-9a-f]{32}$/);
  });

  it('returns a fresh terminal_sn and terminal_key for every use of a multi-use code', async () => {
    const { code } = await upay.issueCode({ uses: 2 });
    const first = await upay.newTerminal(code);
    const second = await upay.newTerminal(code);
    expect(first.sn).not.toBe(second.sn);
    expect(first.key).not.toBe(second.key);
    const third = await upay.activate({ code, device_id: upay.newDeviceId() });
    expect(third).toMatchObject({ result_code: '200', biz_response: { result_code: 'FAIL', error_code: 'ACTIVATION_CODE_USED_UP' } });
  });

  it('answers an unknown code with ACTIVATION_CODE_NOT_EXISTS', async () => {
    const reply = await upay.activate({ code: 'no-such-code', device_id: upay.newDeviceId() });
    expect(reply.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'ACTIVATION_CODE_NOT_EXISTS' });
  });

  it('lets a code work until 7 days after it was issued, then answers ACTIVATION_CODE_EXPIRED', async () => {
    const { code } = await upay.issueCode({ uses: 5 });
    const startedAt = await upay.now();
    await upay.advanceClock(7 * DAY_MS - 60_000);
    expect((await upay.activate({ code, device_id: upay.newDeviceId() })).biz_response?.terminal_sn).toBeDefined();
    await upay.advanceClock(60_000);
    const late = await upay.activate({ code, device_id: upay.newDeviceId() });
    expect(late.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'ACTIVATION_CODE_EXPIRED' });
    await upay.setClock(startedAt);
  });

  it('honours a shorter expiry given when the code is issued', async () => {
    const { code } = await upay.issueCode({ uses: 1, expires_in_ms: 1_000 });
    const startedAt = await upay.now();
    await upay.advanceClock(2_000);
    const reply = await upay.activate({ code, device_id: upay.newDeviceId() });
    expect(reply.biz_response?.error_code).toBe('ACTIVATION_CODE_EXPIRED');
    await upay.setClock(startedAt);
  });

  it('activates a device_id once per store, but again in another store', async () => {
    const { code } = await upay.issueCode({ uses: 5, store_id: 'store-device-a' });
    const { code: otherStore } = await upay.issueCode({ uses: 1, store_id: 'store-device-b' });
    const deviceId = upay.newDeviceId();
    expect((await upay.activate({ code, device_id: deviceId })).biz_response?.terminal_sn).toBeDefined();
    const again = await upay.activate({ code, device_id: deviceId });
    expect(again.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'DEVICE_ID_ALREADY_USED' });
    expect((await upay.activate({ code: otherStore, device_id: deviceId })).biz_response?.terminal_sn).toBeDefined();
  });

  it('does not use up a code on a refused activation', async () => {
    const store = 'store-refusal';
    const deviceId = upay.newDeviceId();
    await upay.activate({ code: (await upay.issueCode({ uses: 1, store_id: store })).code, device_id: deviceId });
    const { code } = await upay.issueCode({ uses: 1, store_id: store });
    expect((await upay.activate({ code, device_id: deviceId })).biz_response?.error_code).toBe('DEVICE_ID_ALREADY_USED');
    expect((await upay.activate({ code, device_id: upay.newDeviceId() })).biz_response?.terminal_sn).toBeDefined();
  });

  it('keeps an activation client_sn unique for the app', async () => {
    const { code } = await upay.issueCode({ uses: 2 });
    expect((await upay.activate({ code, device_id: upay.newDeviceId(), client_sn: 'till-7' })).biz_response?.terminal_sn).toBeDefined();
    const again = await upay.activate({ code, device_id: upay.newDeviceId(), client_sn: 'till-7' });
    expect(again.biz_response?.error_code).toBe('CLIENT_SN_CONFLICT');
  });

  it('refuses an app_id that is not the vendor’s', async () => {
    const { code } = await upay.issueCode({ uses: 1 });
    const reply = await upay.activate({ code, device_id: upay.newDeviceId(), app_id: 'someone-else' });
    expect(reply).toMatchObject({ result_code: '400', error_code: 'INVALID_PARAMS' });
  });

  it('refuses a device_id over 128 characters and a missing code', async () => {
    expect(await upay.activate({ code: sandbox.activationCodes[1], device_id: 'd'.repeat(129) })).toMatchObject({ error_code: 'INVALID_PARAMS' });
    expect(await upay.activate({ device_id: upay.newDeviceId() })).toMatchObject({ error_code: 'INVALID_PARAMS' });
  });
});

describe('check-in and key rotation', () => {
  it('answers a check-in with the same terminal_sn and a new key', async () => {
    const terminal = await upay.newTerminal();
    const reply = await checkIn(terminal);
    expect(reply.biz_response?.terminal_sn).toBe(terminal.sn);
    expect(reply.biz_response?.terminal_key).toMatch(/^[0-9a-f]{32}$/);
    expect(reply.biz_response?.terminal_key).not.toBe(terminal.key);
  });

  it('keeps the previous key valid after a check-in but refuses a key two check-ins old with ILLEGAL_SIGN', async () => {
    const terminal = await upay.newTerminal();
    const k0 = terminal.key;
    const k1 = await newKey(terminal, { sn: terminal.sn, key: k0 });
    const k2 = await newKey(terminal, { sn: terminal.sn, key: k1 });

    const withK0 = await upay.pay({ sn: terminal.sn, key: k0 });
    expect(withK0).toMatchObject({ result_code: '400', error_code: 'ILLEGAL_SIGN' });
    expect((await upay.pay({ sn: terminal.sn, key: k1 })).biz_response?.result_code).toBe('PAY_SUCCESS');
    expect((await upay.pay({ sn: terminal.sn, key: k2 })).biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('lets a holder whose check-in reply was lost check in again with the old key', async () => {
    const terminal = await upay.newTerminal();
    await newKey(terminal); // reply "lost": the holder still has only the activation key
    const recovered = await newKey(terminal);
    expect((await upay.pay({ sn: terminal.sn, key: recovered })).biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('leaves a holder with no valid key after two lost check-in replies in a row', async () => {
    const terminal = await upay.newTerminal();
    await newKey(terminal);
    await newKey(terminal);
    expect(await checkIn(terminal)).toMatchObject({ result_code: '400', error_code: 'ILLEGAL_SIGN' });
    expect(await upay.pay(terminal)).toMatchObject({ result_code: '400', error_code: 'ILLEGAL_SIGN' });
  });

  it('refuses a check-in from another device_id than the activated one', async () => {
    const terminal = await upay.newTerminal();
    const reply = await upay.signed('/terminal/checkin', { terminal_sn: terminal.sn, device_id: 'another-device' }, terminal);
    expect(reply.biz_response).toMatchObject({ result_code: 'FAIL', error_code: 'DEVICE_ID_MISMATCH' });
    expect((await upay.pay(terminal)).biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('refuses a check-in signed by one terminal for another terminal_sn', async () => {
    const terminal = await upay.newTerminal();
    const other = await upay.newTerminal();
    const reply = await upay.signed('/terminal/checkin', { terminal_sn: other.sn, device_id: other.deviceId }, terminal);
    expect(reply).toMatchObject({ result_code: '400', error_code: 'INVALID_PARAMS' });
    expect((await upay.pay(other)).biz_response?.result_code).toBe('PAY_SUCCESS');
  });

  it('shows a terminal through the control API with its check-in count and never a key', async () => {
    const terminal = await upay.newTerminal();
    await newKey(terminal);
    const { status, body } = await upay.control<Record<string, unknown>>('GET', `/_sandbox/terminals/${terminal.sn}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ terminal_sn: terminal.sn, store_id: 'store-1', device_id: terminal.deviceId, checkins: 1 });
    expect(JSON.stringify(body)).not.toContain(terminal.key);
    expect(Object.keys(body).some((key) => key.includes('key'))).toBe(false);
    expect((await upay.control('GET', '/_sandbox/terminals/100000000000000000')).status).toBe(404);
  });
});
