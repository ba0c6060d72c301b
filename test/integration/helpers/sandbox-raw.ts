// Raw HTTP against the Upay sandbox: fetch plus a hand-written md5 signature, deliberately
// sharing nothing with lib/upay so that the sandbox is checked against the protocol text.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startSandbox } from '../../../local/sandbox/index.js';
import type { Sandbox, SandboxOptions } from '../../../local/sandbox/index.js';

export interface Credentials {
  sn: string;
  key: string;
}

export interface Terminal extends Credentials {
  deviceId: string;
}

export interface OrderData {
  [field: string]: unknown;
  sn: string;
  client_sn: string;
  client_tsn: string;
  status: string;
  order_status: string;
  total_amount: string;
  net_amount: string;
}

export interface BizResponse {
  result_code?: string;
  error_code?: string;
  error_message?: string;
  terminal_sn?: string;
  terminal_key?: string;
  data?: OrderData;
}

export interface Envelope {
  result_code: string;
  error_code?: string;
  error_message?: string;
  biz_response?: BizResponse;
}

export interface BookRefund {
  refund_request_no: string;
  client_tsn: string;
  refund_amount: number;
  state: string;
}

export interface BookEntry {
  sn: string;
  client_sn: string;
  terminal_sn: string;
  order_status: string;
  total_amount: number;
  paid_amount: number;
  refunded_amount: number;
  pending_refund_amount: number;
  reversed_amount: number;
  net_amount: number;
  refunds: BookRefund[];
}

export function md5Hex(body: string | Buffer, key: string): string {
  return createHash('md5').update(body).update(key, 'utf8').digest('hex');
}

export interface RawReply {
  status: number;
  contentType: string | null;
  text: string;
}

export async function rawPost(url: string, body: string | Buffer, headers: Record<string, string>): Promise<RawReply> {
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

let sequence = 0;
// Unique per test run; the optional suffix selects a scenario where client_sn does (precreate).
export function clientSn(suffix = ''): string {
  sequence += 1;
  return `t${process.pid}x${sequence}${suffix}`.slice(-32);
}

// An Alipay barcode (prefix 28, 18 digits) ending in the scenario suffix.
export function barcode(suffix = '0000'): string {
  return `28${'1'.repeat(12)}${suffix}`;
}

// The fields of a pay that succeeds; `fields` adds to or overrides them.
export function payFields(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { client_sn: clientSn(), total_amount: '1000', dynamic_id: barcode(), subject: 'tea', operator: 'ann', ...fields };
}

export class RawUpay {
  #devices = 0;

  constructor(readonly sandbox: Sandbox) {}

  // POSTs `body` exactly as given (a string is sent byte for byte) signed with `signer`.
  async signed(path: string, body: string | object, signer: Credentials, options: { upperCaseSign?: boolean } = {}): Promise<Envelope> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    const sign = md5Hex(Buffer.from(text, 'utf8'), signer.key);
    const reply = await rawPost(`${this.sandbox.url}${path}`, text, {
      'content-type': 'application/json',
      authorization: `${signer.sn} ${options.upperCaseSign === true ? sign.toUpperCase() : sign}`,
    });
    if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.text}`);
    return JSON.parse(reply.text) as Envelope;
  }

  vendor(): Credentials {
    return { sn: this.sandbox.vendor.vendor_sn, key: this.sandbox.vendor.vendor_key };
  }

  newDeviceId(): string {
    this.#devices += 1;
    return `device-${process.pid}-${this.#devices}`;
  }

  activate(fields: Record<string, unknown>): Promise<Envelope> {
    return this.signed('/terminal/activate', { app_id: this.sandbox.vendor.app_id, ...fields }, this.vendor());
  }

  async newTerminal(code?: string): Promise<Terminal> {
    const deviceId = this.newDeviceId();
    const activationCode = code ?? (await this.issueCode({ uses: 1 })).code;
    const reply = await this.activate({ code: activationCode, device_id: deviceId });
    const { terminal_sn, terminal_key } = reply.biz_response ?? {};
    if (terminal_sn === undefined || terminal_key === undefined) throw new Error(`activation failed: ${JSON.stringify(reply)}`);
    return { sn: terminal_sn, key: terminal_key, deviceId };
  }

  // A terminal-signed call; terminal_sn is filled in unless the fields say otherwise.
  call(terminal: Credentials, path: string, fields: Record<string, unknown>): Promise<Envelope> {
    return this.signed(path, { terminal_sn: terminal.sn, ...fields }, terminal);
  }

  pay(terminal: Credentials, fields: Record<string, unknown> = {}): Promise<Envelope> {
    return this.call(terminal, '/upay/v2/pay', payFields(fields));
  }

  async paidOrder(terminal: Credentials, fields: Record<string, unknown> = {}): Promise<OrderData> {
    const reply = await this.pay(terminal, fields);
    const data = reply.biz_response?.data;
    if (data === undefined) throw new Error(`pay failed: ${JSON.stringify(reply)}`);
    return data;
  }

  precreate(terminal: Credentials, fields: Record<string, unknown> = {}): Promise<Envelope> {
    return this.call(terminal, '/upay/v2/precreate', {
      client_sn: clientSn(),
      total_amount: '1000',
      payway: '3',
      subject: 'tea',
      operator: 'ann',
      ...fields,
    });
  }

  query(terminal: Credentials, reference: { sn?: string; client_sn?: string }): Promise<Envelope> {
    return this.call(terminal, '/upay/v2/query', reference);
  }

  refund(terminal: Credentials, sn: string, refundRequestNo: string, amount: number, extra: Record<string, unknown> = {}): Promise<Envelope> {
    return this.call(terminal, '/upay/v2/refund', {
      sn,
      refund_request_no: refundRequestNo,
      refund_amount: String(amount),
      operator: 'ann',
      ...extra,
    });
  }

  async control<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const response = await fetch(`${this.sandbox.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  async issueCode(fields: { uses: number; store_id?: string; expires_in_ms?: number }): Promise<{ code: string }> {
    return (await this.control<{ code: string }>('POST', '/_sandbox/activation-codes', fields)).body;
  }

  async book(sn: string): Promise<BookEntry | undefined> {
    const { body } = await this.control<{ orders: BookEntry[] }>('GET', '/_sandbox/orders');
    return body.orders.find((order) => order.sn === sn);
  }

  async advanceClock(ms: number): Promise<number> {
    return (await this.control<{ now_ms: number }>('POST', '/_sandbox/clock', { advance_ms: ms })).body.now_ms;
  }

  async setClock(nowMs: number): Promise<void> {
    await this.control('POST', '/_sandbox/clock', { now_ms: nowMs });
  }

  async now(): Promise<number> {
    return (await this.control<{ now_ms: number }>('GET', '/_sandbox/clock')).body.now_ms;
  }
}

export interface SandboxSession {
  sandbox: Sandbox;
  upay: RawUpay;
  terminal: Terminal;
}

// The test file's sandbox: started on a free port before its tests (with `options`), with a
// RawUpay and one newly activated terminal handed to `ready`, and closed after its tests.
export function useSandbox(ready: (session: SandboxSession) => void, options: SandboxOptions = {}): void {
  let sandbox: Sandbox | undefined;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, ...options });
    const upay = new RawUpay(sandbox);
    ready({ sandbox, upay, terminal: await upay.newTerminal() });
  });
  afterAll(async () => {
    await sandbox?.close();
  });
}
