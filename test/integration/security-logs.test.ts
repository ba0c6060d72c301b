// Invariant 5 under a representative run: with the handlers' logger at DEBUG (and the incoming
// events and EMF metrics printed too), every byte this process writes to stdout and stderr, every
// answer of the API, every answer to the provider's callbacks and every ledger item is searched
// for the vendor key and for every terminal key the provider ever sent us (seen on the wire by a
// recording proxy between the backend and the sandbox), including keys rotated away since and a
// corrupted key planted in the key store.
import { vi } from 'vitest';

// Before any import builds the Logger and Metrics: vitest.integration.mts sets WARN and disables
// metrics, and Powertools resets the level to the configured one on every warm invocation, so
// `setLogLevel('DEBUG')` alone would last one request.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
});

import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LocalStack } from '../../local/stack.js';
import { logger } from '../../lib/api/observability.js';
import { barcode, call, sandboxControl, startTestStack, type Answer } from './helpers/local-stack.js';
import { keysInReplies, secretLeaks, startRecordingProxy, storedSecrets, tableSnapshot, type RecordingProxy } from './helpers/security.js';

interface Order {
  order_id: string;
  client_sn: string;
  sn?: string;
  order_status: string;
  refunds?: { status: string }[];
}

let stack: LocalStack;
let proxy: RecordingProxy;
let dir: string;
let tableName: string;
let levelAfterRun = '';
const output: string[] = [];
const answers: string[] = [];
/** Secrets seen along the way (keys that were later rotated away, the planted one). */
const seen = new Set<string>();
const restores: (() => void)[] = [];

function capture(): void {
  const record = (chunk: unknown) => output.push(typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
  for (const stream of [process.stdout, process.stderr]) {
    const spy = vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      record(chunk);
      return true;
    });
    restores.push(() => spy.mockRestore());
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    const spy = vi.spyOn(console, method).mockImplementation((...parts: unknown[]) => {
      record(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
    });
    restores.push(() => spy.mockRestore());
  }
}

const keyFile = () => join(dir, 'keys.json');
const remember = () => storedSecrets(dir).forEach((secret) => seen.add(secret));

async function api<T = Order>(method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<Answer<T>> {
  const answer = await call<T>(stack, method, path, options);
  answers.push(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
  return answer;
}

const fault = (kind: string, path: string, extra: Record<string, unknown> = {}) => sandboxControl(stack.sandbox.url, 'POST', 'faults', { kind, path, count: 1, ...extra });
let sequence = 0;
const clientSn = (label: string) => `logs-${label}-${(sequence += 1)}`;

async function activateDevice(label: string, token = stack.tokens.admin, code = stack.sandbox.activationCodes[0] ?? ''): Promise<Answer<{ terminal_sn: string }>> {
  const answer = await api<{ terminal_sn: string }>('POST', '/v1/terminals', { token, body: { activation_code: code, device_id: `${label}-${randomUUID().slice(0, 6)}`, name: label } });
  remember();
  return answer;
}

async function representativeRun(): Promise<void> {
  const admin = stack.tokens.admin;
  const cashier = stack.tokens.cashier;
  const otherAdmin = await stack.issuer.sign({ store_id: 'logs-other-store', role: 'admin' });

  // Activations: ordinary, another store, refused, provider down, reply cut in half, reply lost.
  const till = (await activateDevice('front')).body.terminal_sn;
  const spare = (await activateDevice('spare')).body.terminal_sn;
  const foreign = (await activateDevice('foreign', otherAdmin)).body.terminal_sn;
  await activateDevice('refused', admin, 'no-such-code');
  await fault('http_500', '/terminal/activate');
  await activateDevice('down');
  await fault('malformed', '/terminal/activate');
  await activateDevice('half');
  await fault('drop_reply', '/terminal/activate');
  await activateDevice('lost');

  // Terminals: read, check in (key rotates), check-in replies lost and garbled, the fleet job.
  await api('GET', `/v1/terminals/${till}`, { token: admin });
  await api('POST', `/v1/terminals/${till}/checkin`, { token: admin });
  remember();
  await fault('drop_reply', '/terminal/checkin', { terminal_sn: till });
  await api('POST', `/v1/terminals/${till}/checkin`, { token: admin });
  remember();
  await api('POST', `/v1/terminals/${till}/checkin`, { token: admin });
  remember();
  await fault('malformed', '/terminal/checkin', { terminal_sn: spare });
  await api('POST', `/v1/terminals/${spare}/checkin`, { token: admin });
  remember();
  await api('POST', `/v1/terminals/${spare}/checkin`, { token: admin });
  remember();
  await stack.checkInFleet();
  remember();

  // Payments of every kind, provider faults, refusals.
  const pay = (suffix: string, extra: Record<string, unknown> = {}, token = cashier) =>
    api('POST', '/v1/payments', { token, body: { terminal_sn: till, client_sn: clientSn(suffix), total_amount: 1000, dynamic_id: barcode(suffix), subject: 'tea', operator: 'ann', ...extra } });
  const paid: Order[] = [];
  for (const suffix of ['0000', '0000', '0000', '9601', '9602', '9603', '9701', '9702']) paid.push((await pay(suffix)).body);
  for (const suffix of ['9102', '9110', '9300', '9401', '9409', '9500', '9501']) await pay(suffix);
  await pay('0000', { dynamic_id: '123' });
  for (const kind of ['http_500', 'maintenance', 'malformed', 'bad_gateway', 'close', 'drop_reply']) {
    await fault(kind, '/upay/v2/pay');
    await pay('0000');
  }
  await fault('bad_gateway', '/upay/v2/query');
  await pay('9102');
  await pay('0000', { total_amount: 0 });
  await pay('0000', { subject: 'tea \ud800' });
  await pay('0000', { terminal_sn: foreign });
  await api('POST', '/v1/payments', { raw: '{' });
  await api('POST', '/v1/payments', { token: 'not-a-token', body: {} });

  // QR: the customer pays, the provider's signed callback reaches the stack; a forged one does not.
  const qr = await api('POST', '/v1/precreates', { token: cashier, body: { terminal_sn: till, client_sn: clientSn('qr'), total_amount: 2500, payway: '3', subject: 'cake', operator: 'ann', qr_format: 'png' } });
  await sandboxControl(stack.sandbox.url, 'POST', 'qr/pay', { client_sn: qr.body.client_sn });
  await api('POST', '/v1/precreates', { token: cashier, body: { terminal_sn: till, client_sn: clientSn('qq'), total_amount: 2500, payway: '6', subject: 'cake', operator: 'ann' } });
  await api('POST', '/v1/upay/notify', { raw: JSON.stringify({ terminal_sn: till, client_sn: qr.body.client_sn, order_status: 'PAID' }) });

  // Refunds, revoke, cancel, lookups.
  const [first, second, third, refundError, refundFail, refundSlow, cancelError, cancelSlow] = paid as [Order, Order, Order, Order, Order, Order, Order, Order];
  const refund = (order: Order, no: string, amount: number) => api('POST', `/v1/orders/${order.order_id}/refunds`, { token: cashier, body: { refund_request_no: no, refund_amount: amount, operator: 'ann' } });
  await refund(first, 'r1', 300);
  await refund(first, 'r2', 700);
  await refund(first, 'r3', 1);
  await refund(refundError, 'e1', 500);
  await refund(refundFail, 'f1', 500);
  await refund(refundSlow, 's1', 500);
  await fault('drop_reply', '/upay/v2/refund');
  await refund(second, 'd1', 400);
  await api('POST', `/v1/orders/${third.order_id}/revoke`, { token: admin, body: { operator: 'boss' } });
  await api('POST', `/v1/orders/${cancelError.order_id}/revoke`, { token: admin, body: {} });
  await api('POST', `/v1/orders/${cancelSlow.order_id}/cancel`, { token: admin });
  await api('POST', `/v1/orders/${second.order_id}/revoke`, { token: cashier, body: {} });
  await api('GET', `/v1/orders/${first.order_id}?refresh=true`, { token: cashier });
  await api('GET', `/v1/orders?client_sn=${encodeURIComponent(qr.body.client_sn)}`, { token: cashier });
  await api('GET', `/v1/orders/${first.order_id}`, { token: otherAdmin });

  // The key store misbehaving: a corrupted key (the provider refuses it), then an unreadable file.
  const intact = readFileSync(keyFile(), 'utf8');
  const planted = randomBytes(16).toString('hex');
  seen.add(planted);
  const file = JSON.parse(intact) as { terminals: Record<string, { current: { terminal_key: string } }> };
  const spareKeys = file.terminals[spare];
  if (!spareKeys) throw new Error('no key stored for the spare terminal');
  spareKeys.current.terminal_key = planted;
  writeFileSync(keyFile(), JSON.stringify(file));
  await api('POST', '/v1/payments', { token: cashier, body: { terminal_sn: spare, client_sn: clientSn('planted'), total_amount: 100, dynamic_id: barcode(), subject: 'tea', operator: 'ann' } });
  // Cut where JSON.parse's message would quote the text around it: the vendor key.
  const vendorAt = intact.indexOf(stack.sandbox.vendor.vendor_key);
  writeFileSync(keyFile(), `${intact.slice(0, vendorAt + stack.sandbox.vendor.vendor_key.length)}"!${intact.slice(vendorAt + stack.sandbox.vendor.vendor_key.length + 1)}`);
  await activateDevice('unreadable').catch(() => undefined);
  await pay('0000');
  writeFileSync(keyFile(), intact);

  // The scheduled job drives what is still open to an end.
  for (let pass = 0; pass < 12; pass += 1) await stack.runDue(250);
  remember();
  levelAfterRun = logger.getLevelName();
}

beforeAll(async () => {
  capture();
  dir = mkdtempSync(join(tmpdir(), 'upay-logs-'));
  tableName = `logs-${randomUUID()}`;
  proxy = await startRecordingProxy();
  stack = await startTestStack({ dir, tableName, env: { UPAY_BASE_URL: proxy.url, KEY_CACHE_TTL_MS: '1' }, sandbox: { notifyRetryDelaysMs: [50] } });
  proxy.target = stack.sandbox.url;
  logger.setLogLevel('DEBUG');
  await representativeRun();
  const notifications = (await sandboxControl(stack.sandbox.url, 'GET', 'notifications')) as { notifications: { answer: string | null }[] };
  answers.push(...notifications.notifications.map((attempt) => attempt.answer ?? ''));
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await proxy?.close();
  for (const restore of restores.reverse()) restore();
});

/** Every secret: the vendor key, every terminal key the provider sent us, every key the store held, the planted one. */
function secrets(): string[] {
  return [...new Set([stack.sandbox.vendor.vendor_key, ...keysInReplies(proxy.exchanges), ...storedSecrets(dir), ...seen])];
}

describe('the run under observation', () => {
  it('held many secrets: the vendor key, the keys of three terminals, keys rotated away since, and a corrupted key planted in the store', () => {
    const fromWire = keysInReplies(proxy.exchanges);
    expect(fromWire.length).toBeGreaterThanOrEqual(7);
    expect(fromWire.filter((key) => !storedSecrets(dir).includes(key)).length).toBeGreaterThanOrEqual(1);
    expect(secrets().length).toBeGreaterThanOrEqual(9);
  });

  it('logged at DEBUG throughout, with events, metrics and the error paths in the captured output', () => {
    const all = output.join('');
    expect(levelAfterRun).toBe('DEBUG');
    for (const line of ['"level":"INFO"', 'activation finished', '"level":"ERROR"', 'unhandled error', 'terminal key refused by the provider', 'callback rejected', 'order needs attention', '"_aws"', '"rawPath"']) {
      expect(all, line).toContain(line);
    }
  });
});

describe('keys stay secret (invariant 5)', () => {
  it('never writes a terminal or vendor key to stdout or stderr', () => {
    expect(secretLeaks(output.join('\n'), secrets())).toEqual([]);
  });

  it('never puts a terminal or vendor key into an answer, error answers included', () => {
    expect(answers.some((answer) => answer.includes('"error"'))).toBe(true);
    expect(secretLeaks(answers.join('\n'), secrets())).toEqual([]);
  });

  it('never stores a terminal or vendor key in a ledger or registry item', async () => {
    const items = await tableSnapshot(inject('dynamoEndpoint'), tableName);
    expect(items.length).toBeGreaterThan(20);
    expect(secretLeaks(items.join('\n'), secrets())).toEqual([]);
  });
});
