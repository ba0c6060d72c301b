// The local stack for end-to-end tests: one per test file, on the shared DynamoDB Local,
// with the provider's timings shortened so the exception flows run in seconds.
import { inject } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../../local/stack.js';

// The provider timeout stays well above what the in-process sandbox needs on a busy machine
// (a timeout here would turn an expected answer into "in progress"); the other timings keep
// their ratios to it, as in production (§6 of the protocol).
export const FAST_TIMINGS = {
  PROVIDER_TIMEOUT_MS: '1000',
  POLL_INTERVAL_MS: '150',
  PAY_IN_REQUEST_MS: '3000',
  PAY_DEADLINE_MS: '8000',
  PRECREATE_FAST_POLL_MS: '100',
  PRECREATE_FAST_MS: '500',
  PRECREATE_POLL_MS: '200',
  PRECREATE_DEADLINE_MS: '5000',
  MAX_ATTEMPTS: '3',
  REQUEST_LIFETIME_MS: '3600',
};

/** Past the local API Gateway's 29 s, and inside a test's 60 s. */
const REQUEST_TIMEOUT_MS = 35_000;

export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({
    dir: mkdtempSync(join(tmpdir(), 'upay-stack-')),
    dynamoEndpoint: inject('dynamoEndpoint'),
    tableName: `ledger-${randomUUID()}`,
    sweepEveryMs: 0,
    // Steps run only when a test asks (stack.runDue): the table changes only by what it sends.
    timer: 'driven',
    // The stream readers add load; only the order-events and records tests ask for them.
    orderEvents: false,
    totals: false,
    ...options,
    env: { ...FAST_TIMINGS, ...options.env },
  });
}

/** An order as the payment API answers it: the fields the tests read. */
export interface OrderBody {
  order_id: string;
  client_sn: string;
  sn?: string;
  order_status: string;
  total_amount: number;
  net_amount: number;
  refunded_amount: number;
  error_code?: string;
  attention: string | null;
  refunds: { refund_request_no: string; refund_amount: number; status: string }[];
  qr_code?: string;
  qr_svg?: string;
  qr_png?: string;
  error?: { code: string; field?: string };
}

/** An order in the sandbox's books. */
export interface Book {
  client_sn: string;
  order_status: string;
  net_amount: number;
  refunded_amount: number;
  refunds: unknown[];
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function call<T = Record<string, unknown>>(stack: LocalStack, method: 'GET' | 'POST', path: string, options: { token?: string; body?: unknown; raw?: string } = {}): Promise<Answer<T>> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) },
    ...(options.raw !== undefined ? { body: options.raw } : options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // plain-text answers (notify's `success`) stay text
  }
  return { status: response.status, body: body as T };
}

export async function activate(stack: LocalStack, deviceId = `till-${randomUUID().slice(0, 8)}`): Promise<string> {
  const code = stack.sandbox.activationCodes[0];
  const answer = await call<{ terminal_sn: string }>(stack, 'POST', '/v1/terminals', { token: stack.tokens.admin, body: { activation_code: code, device_id: deviceId } });
  if (answer.status !== 201) throw new Error(`activation failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.terminal_sn;
}

export async function sandboxControl(sandboxUrl: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${sandboxUrl}/_sandbox/${path}`, {
    method,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return response.json();
}

/** The sandbox's book entries for the order with this client_sn: one, unless it was double-spent. */
export async function bookOf(stack: LocalStack, clientSn: string): Promise<Book[]> {
  const { orders } = (await sandboxControl(stack.sandbox.url, 'GET', 'orders')) as { orders: Book[] };
  return orders.filter((order) => order.client_sn === clientSn);
}

/** How many requests the sandbox has answered at `path` (e.g. `/upay/v2/pay`). */
export async function providerCalls(stack: LocalStack, path: string): Promise<number> {
  const { by_path } = (await sandboxControl(stack.sandbox.url, 'GET', 'stats')) as { by_path: Record<string, number> };
  return by_path[path] ?? 0;
}

/** A wallet barcode (Alipay prefix, 18 digits) ending in the sandbox scenario `suffix`. */
export function barcode(suffix = '0000'): string {
  const middle = String(Math.floor(Math.random() * 1e12)).padStart(12, '0');
  return `28${middle}${suffix}`;
}
