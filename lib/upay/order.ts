// The order in `biz_response.data`, parsed strictly. Every value arrives as a string; amounts and
// timestamps must be plain digit strings, because a number we had to guess at is worse than none.

import { ORDER_STATUSES } from './codes.js';
import type { OrderStatus } from './codes.js';
import type { PaymentListItem, UpayOrder } from './types.js';

/** What the reply must say about the order, so a reply about another order is never taken as ours. */
export interface OrderExpectation {
  sn?: string;
  client_sn?: string;
  total_amount?: number;
}

export type OrderRead = { ok: true; order: UpayOrder } | { ok: false; reason: string };

const PLAIN_INTEGER = /^(0|[1-9]\d*)$/;
const SN = /^\d{16}$/;

const TEXT_FIELDS = [
  'status',
  'terminal_sn',
  'client_tsn',
  'trade_no',
  'payway',
  'sub_payway',
  'payer_uid',
  'payer_login',
  'subject',
  'description',
  'operator',
  'reflect',
  'store_id',
  'qr_code',
  'wap_pay_request',
] as const;

// Unfinished orders may carry an empty time: that says "not yet", it is not a number to guess.
const TIME_FIELDS = ['ctime', 'finish_time', 'channel_finish_time'] as const;

class OrderViolation extends Error {}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new OrderViolation(`${what} is not an object`);
  }
  return value as Record<string, unknown>;
}

function optionalString(data: Record<string, unknown>, name: string, where = 'data.'): string | undefined {
  const value = data[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new OrderViolation(`${where}${name} is not a string`);
  return value;
}

function requiredString(data: Record<string, unknown>, name: string, where = 'data.'): string {
  const value = optionalString(data, name, where);
  if (!value) throw new OrderViolation(`${where}${name} is missing`);
  return value;
}

function integer(value: string, name: string): number {
  const parsed = Number(value);
  if (!PLAIN_INTEGER.test(value) || !Number.isSafeInteger(parsed)) {
    throw new OrderViolation(`${name} is not a whole number of digits`);
  }
  return parsed;
}

function orderStatus(data: Record<string, unknown>): OrderStatus {
  const value = requiredString(data, 'order_status');
  if (!(ORDER_STATUSES as readonly string[]).includes(value)) {
    throw new OrderViolation('data.order_status is not a documented order status');
  }
  return value as OrderStatus;
}

function paymentList(value: unknown): PaymentListItem[] {
  if (!Array.isArray(value)) throw new OrderViolation('data.payment_list is not an array');
  return value.map((entry: unknown, index) => {
    const where = `data.payment_list[${index}].`;
    const item = record(entry, where.slice(0, -1));
    return {
      type: requiredString(item, 'type', where),
      amount_total: integer(requiredString(item, 'amount_total', where), `${where}amount_total`),
    };
  });
}

function orderOf(value: unknown): UpayOrder {
  const data = record(value, 'data');
  const sn = requiredString(data, 'sn');
  if (!SN.test(sn)) throw new OrderViolation('data.sn is not 16 digits');
  const order: UpayOrder = {
    sn,
    client_sn: requiredString(data, 'client_sn'),
    order_status: orderStatus(data),
    total_amount: integer(requiredString(data, 'total_amount'), 'data.total_amount'),
    net_amount: integer(requiredString(data, 'net_amount'), 'data.net_amount'),
  };
  if (order.net_amount > order.total_amount) throw new OrderViolation('data.net_amount exceeds data.total_amount');
  for (const name of TEXT_FIELDS) {
    const text = optionalString(data, name);
    if (text !== undefined) order[name] = text;
  }
  for (const name of TIME_FIELDS) {
    const time = optionalString(data, name);
    if (time) order[name] = integer(time, `data.${name}`);
  }
  if (data.payment_list !== undefined) order.payment_list = paymentList(data.payment_list);
  return order;
}

function mismatch(order: UpayOrder, expected: OrderExpectation): string | undefined {
  if (expected.sn !== undefined && order.sn !== expected.sn) return 'data.sn is not the order asked about';
  if (expected.client_sn !== undefined && order.client_sn !== expected.client_sn) {
    return 'data.client_sn is not the order asked about';
  }
  if (expected.total_amount !== undefined && order.total_amount !== expected.total_amount) {
    return 'data.total_amount is not the amount asked for';
  }
  return undefined;
}

export function readOrder(data: unknown, expected: OrderExpectation): OrderRead {
  try {
    const order = orderOf(data);
    const reason = mismatch(order, expected);
    return reason === undefined ? { ok: true, order } : { ok: false, reason };
  } catch (error) {
    if (error instanceof OrderViolation) return { ok: false, reason: error.message };
    throw error;
  }
}
