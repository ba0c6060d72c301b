// The sandbox's terminal rules and faults the terminal chaos relies on (protocol §3.2): after a
// check-in only the current and the previous key sign, whichever of them signed it; a 500 or a
// lost reply can come after the key rotated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../local/sandbox/index.js';
import { RawUpay, type Credentials, type Terminal } from './helpers/sandbox-raw.js';

let sandbox: Sandbox;
let upay: RawUpay;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0 });
  upay = new RawUpay(sandbox);
});
afterAll(() => sandbox?.close());

const checkIn = (terminal: Terminal, signer: Credentials) => upay.signed('/terminal/checkin', { terminal_sn: terminal.sn, device_id: terminal.deviceId }, signer);
const signs = async (terminal: Terminal, key: string) => (await upay.pay({ sn: terminal.sn, key })).error_code !== 'ILLEGAL_SIGN';
const checkins = async (terminal: Terminal) => (await upay.control<{ checkins: number }>('GET', `/_sandbox/terminals/${terminal.sn}`)).body.checkins;

describe('key rotation in the sandbox', () => {
  it('rotates on a check-in signed with the previous key: the former current becomes previous and the signer dies', async () => {
    const terminal = await upay.newTerminal();
    const k0 = terminal.key;
    const k1 = (await checkIn(terminal, { sn: terminal.sn, key: k0 })).biz_response?.terminal_key as string;
    const k2 = (await checkIn(terminal, { sn: terminal.sn, key: k0 })).biz_response?.terminal_key as string;
    expect([await signs(terminal, k0), await signs(terminal, k1), await signs(terminal, k2)]).toEqual([false, true, true]);
  });
});

describe('faults after the key rotated', () => {
  it('http_500_applied: rotates, then answers the 500 envelope UNKNOWN_SYSTEM_ERROR', async () => {
    const terminal = await upay.newTerminal();
    await upay.control('POST', '/_sandbox/faults', { kind: 'http_500_applied', path: '/terminal/checkin', terminal_sn: terminal.sn, count: 1 });
    expect(await checkIn(terminal, terminal)).toMatchObject({ result_code: '500', error_code: 'UNKNOWN_SYSTEM_ERROR' });
    expect(await checkins(terminal)).toBe(1);
    // The old key is now "previous": one more rotation signed with it kills it.
    await checkIn(terminal, terminal);
    expect(await signs(terminal, terminal.key)).toBe(false);
  });

  it('drop_reply: rotates, then closes the connection without a reply', async () => {
    const terminal = await upay.newTerminal();
    await upay.control('POST', '/_sandbox/faults', { kind: 'drop_reply', path: '/terminal/checkin', terminal_sn: terminal.sn, count: 1 });
    await expect(checkIn(terminal, terminal)).rejects.toThrow();
    expect(await checkins(terminal)).toBe(1);
  });

  it('http_500 (plain): rotates nothing', async () => {
    const terminal = await upay.newTerminal();
    await upay.control('POST', '/_sandbox/faults', { kind: 'http_500', path: '/terminal/checkin', terminal_sn: terminal.sn, count: 1 });
    expect(await checkIn(terminal, terminal)).toMatchObject({ result_code: '500' });
    expect(await checkins(terminal)).toBe(0);
  });
});
