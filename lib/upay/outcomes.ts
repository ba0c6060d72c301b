// Every reply classified into what we actually know. A reply that does not fit the protocol is
// a bad reply (outcome unknown), never a guess in either direction.

import {
  FINAL_ORDER_STATUSES,
  ILLEGAL_SIGN,
  MAINTENANCE_INPROGRESS,
  ORDER_NOT_EXISTS,
  ORDER_STATUSES_NEEDING_A_PERSON,
} from './codes.js';
import type { OrderStatus } from './codes.js';
import { rawCodes } from './envelope.js';
import type { BizResponse, Envelope } from './envelope.js';
import { readOrder } from './order.js';
import type { OrderExpectation } from './order.js';
import type {
  ActivateOutcome,
  CancelOutcome,
  CheckinOutcome,
  PayOutcome,
  PrecreateOutcome,
  QueryOutcome,
  RawCodes,
  RefundOutcome,
  Rejected,
  TerminalPair,
  TransportFailure,
  TransportOutcome,
  Unknown,
  UpayOrder,
  UploadLogOutcome,
} from './types.js';

/** What one call produced: an envelope, or a failure before there was one. */
export type Exchange = { ok: true; envelope: Envelope } | { ok: false; failure: TransportFailure };

class BadReply extends Error {}

function transport(failure: TransportFailure, raw?: RawCodes): TransportOutcome {
  return raw === undefined ? { kind: 'transport', failure } : { kind: 'transport', failure, raw };
}

function optional<K extends string, V>(name: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, V>);
}

/** A 400/500 envelope: the request was refused as a request. */
function refusal(envelope: Envelope, raw: RawCodes): TransportOutcome {
  const code = envelope.error_code ?? '';
  const message = optional('message', envelope.error_message);
  if (envelope.result_code === '500') {
    return transport({ kind: 'server_error', code, ...message, maintenance: code === MAINTENANCE_INPROGRESS }, raw);
  }
  if (code === ILLEGAL_SIGN) return transport({ kind: 'illegal_sign', ...message }, raw);
  return transport({ kind: 'client_error', code, ...message }, raw);
}

/** The common path: failures and refusals first, then the business answer to `judge`. */
function classify<T>(exchange: Exchange, judge: (biz: BizResponse, raw: RawCodes) => T): T | TransportOutcome {
  if (!exchange.ok) return transport(exchange.failure);
  const { envelope } = exchange;
  const raw = rawCodes(envelope);
  if (envelope.result_code !== '200') return refusal(envelope, raw);
  try {
    if (envelope.biz === undefined) throw new BadReply('a 200 reply has no biz_response');
    return judge(envelope.biz, raw);
  } catch (error) {
    if (error instanceof BadReply) return transport({ kind: 'bad_reply', reason: error.message }, raw);
    throw error;
  }
}

function unexpected(biz: BizResponse): never {
  throw new BadReply(
    biz.result_code === undefined
      ? 'biz_response has no result_code'
      : `biz_response.result_code ${biz.result_code} is not an answer to this call`,
  );
}

function orderIn(biz: BizResponse, expect: OrderExpectation): UpayOrder | undefined {
  if (biz.fields.data === undefined) return undefined;
  const read = readOrder(biz.fields.data, expect);
  if (!read.ok) throw new BadReply(read.reason);
  return read.order;
}

function orderOf(biz: BizResponse, expect: OrderExpectation): UpayOrder {
  const order = orderIn(biz, expect);
  if (order === undefined) throw new BadReply(`${biz.result_code} without data`);
  return order;
}

function isFailureStatus(status: string): boolean {
  return status.startsWith('FAIL') || status.endsWith('_ERROR');
}

/**
 * Why a person must look at this order, if they must: the provider reports an error state, a
 * failed transaction on an order that is not final, or an order state that contradicts the code.
 */
function attention(order: UpayOrder, code: string, consistent?: readonly OrderStatus[]): string | undefined {
  const { order_status: orderStatus, status } = order;
  if (ORDER_STATUSES_NEEDING_A_PERSON.has(orderStatus)) return `order_status ${orderStatus}`;
  if (status !== undefined && isFailureStatus(status) && !FINAL_ORDER_STATUSES.has(orderStatus)) {
    return `status ${status} on an order that is ${orderStatus}`;
  }
  if (consistent !== undefined && !consistent.includes(orderStatus)) return `${code} but order_status ${orderStatus}`;
  return undefined;
}

function unknown(reason: string, raw: RawCodes, order?: UpayOrder): Unknown {
  return { kind: 'unknown', reason, ...optional('order', order), raw };
}

/** An unknown outcome if the order needs a person, else `settled`. */
function judged<T>(
  order: UpayOrder | undefined,
  code: string,
  raw: RawCodes,
  consistent: readonly OrderStatus[] | undefined,
  settled: T,
): T | Unknown {
  const reason = order === undefined ? undefined : attention(order, code, consistent);
  return reason === undefined ? settled : unknown(reason, raw, order);
}

function bizError(biz: BizResponse) {
  return { ...optional('error_code', biz.error_code), ...optional('error_message', biz.error_message) };
}

function rejected(biz: BizResponse, raw: RawCodes): Rejected {
  return { kind: 'rejected', ...bizError(biz), raw };
}

export function payOutcome(exchange: Exchange, expect: OrderExpectation): PayOutcome {
  return classify(exchange, (biz, raw): PayOutcome => {
    const code = biz.result_code ?? '';
    switch (biz.result_code) {
      case 'PAY_SUCCESS': {
        const order = orderOf(biz, expect);
        return judged(order, code, raw, ['PAID'], { kind: 'paid', order, raw });
      }
      case 'PAY_FAIL': {
        const order = orderIn(biz, expect);
        const failed = { kind: 'failed' as const, ...bizError(biz), ...optional('order', order), raw };
        return judged(order, code, raw, ['PAY_CANCELED'], failed);
      }
      case 'PAY_IN_PROGRESS': {
        const order = orderIn(biz, expect);
        return judged(order, code, raw, undefined, { kind: 'in_progress', ...optional('order', order), raw });
      }
      case 'PAY_FAIL_ERROR':
      case 'PAY_FAIL_IN_PROGRESS':
        return unknown(code, raw, orderIn(biz, expect));
      case 'FAIL':
        return rejected(biz, raw);
      default:
        return unexpected(biz);
    }
  });
}

export function precreateOutcome(
  exchange: Exchange,
  expect: OrderExpectation,
  payload: 'qr_code' | 'wap_pay_request',
): PrecreateOutcome {
  return classify(exchange, (biz, raw): PrecreateOutcome => {
    const code = biz.result_code ?? '';
    switch (biz.result_code) {
      case 'PRECREATE_SUCCESS': {
        const order = orderOf(biz, expect);
        const pay = order[payload];
        if (!pay) throw new BadReply(`PRECREATE_SUCCESS without data.${payload}`);
        const payable = payload === 'qr_code' ? { ...order, qr_code: pay } : { ...order, wap_pay_request: pay };
        return judged(order, code, raw, ['CREATED'], { kind: 'created', order: payable, raw });
      }
      case 'PRECREATE_FAIL': {
        const order = orderIn(biz, expect);
        const failed = { kind: 'failed' as const, ...bizError(biz), ...optional('order', order), raw };
        return judged(order, code, raw, ['PAY_CANCELED'], failed);
      }
      case 'PRECREATE_FAIL_ERROR':
      case 'PRECREATE_FAIL_IN_PROGRESS':
        return unknown(code, raw, orderIn(biz, expect));
      case 'FAIL':
        return rejected(biz, raw);
      default:
        return unexpected(biz);
    }
  });
}

export function queryOutcome(exchange: Exchange, expect: OrderExpectation): QueryOutcome {
  return classify(exchange, (biz, raw): QueryOutcome => {
    switch (biz.result_code) {
      // The order as it stands, whatever it says: judging it is the flows' job.
      case 'SUCCESS':
        return { kind: 'found', order: orderOf(biz, expect), raw };
      case 'FAIL':
        return biz.error_code === ORDER_NOT_EXISTS ? { kind: 'not_found', raw } : rejected(biz, raw);
      default:
        return unexpected(biz);
    }
  });
}

export function refundOutcome(exchange: Exchange, expect: OrderExpectation): RefundOutcome {
  return classify(exchange, (biz, raw): RefundOutcome => {
    const code = biz.result_code ?? '';
    switch (biz.result_code) {
      case 'REFUND_SUCCESS': {
        const order = orderOf(biz, expect);
        return judged(order, code, raw, ['PARTIAL_REFUNDED', 'REFUNDED'], { kind: 'refunded', order, raw });
      }
      case 'REFUND_FAIL': {
        const order = orderIn(biz, expect);
        const failed = { kind: 'failed' as const, ...bizError(biz), ...optional('order', order), raw };
        return judged(order, code, raw, undefined, failed);
      }
      case 'REFUND_IN_PROGRESS': {
        const order = orderIn(biz, expect);
        return judged(order, code, raw, undefined, { kind: 'in_progress', ...optional('order', order), raw });
      }
      case 'REFUND_ERROR':
        return unknown(code, raw, orderIn(biz, expect));
      case 'FAIL':
        return rejected(biz, raw);
      default:
        return unexpected(biz);
    }
  });
}

/** Cancel and revoke answer alike. */
export function cancelOutcome(exchange: Exchange, expect: OrderExpectation): CancelOutcome {
  return classify(exchange, (biz, raw): CancelOutcome => {
    const code = biz.result_code ?? '';
    switch (biz.result_code) {
      case 'CANCEL_SUCCESS':
      case 'CANCEL_ABORT_SUCCESS': {
        const order = orderIn(biz, expect);
        const aborted = code === 'CANCEL_ABORT_SUCCESS';
        return judged(order, code, raw, ['CANCELED', 'PAY_CANCELED'], {
          kind: 'canceled',
          aborted,
          ...optional('order', order),
          raw,
        });
      }
      case 'CANCEL_IN_PROGRESS':
      case 'CANCEL_ABORT_IN_PROGRESS': {
        const order = orderIn(biz, expect);
        const aborted = code === 'CANCEL_ABORT_IN_PROGRESS';
        return judged(order, code, raw, undefined, { kind: 'in_progress', aborted, ...optional('order', order), raw });
      }
      case 'CANCEL_ERROR':
      case 'CANCEL_ABORT_ERROR':
        return unknown(code, raw, orderIn(biz, expect));
      case 'FAIL':
        return biz.error_code === ORDER_NOT_EXISTS ? { kind: 'not_found', raw } : rejected(biz, raw);
      default:
        return unexpected(biz);
    }
  });
}

function terminalPair(biz: BizResponse, terminalSn?: string): TerminalPair {
  const { terminal_sn: sn, terminal_key: key } = biz.fields;
  if (typeof sn !== 'string' || sn === '') throw new BadReply('biz_response.terminal_sn is missing');
  if (typeof key !== 'string' || key === '') throw new BadReply('biz_response.terminal_key is missing');
  if (terminalSn !== undefined && sn !== terminalSn) throw new BadReply('biz_response.terminal_sn is another terminal');
  return { terminal_sn: sn, terminal_key: key };
}

/**
 * Activation and check-in: a refusal by the provider, as a business answer or as a 400 that is
 * not about the signature (an expired code, an unknown terminal), is `rejected` with its code.
 */
function terminalOutcome<K extends 'activated' | 'checked_in'>(exchange: Exchange, kind: K, terminalSn?: string) {
  if (exchange.ok && exchange.envelope.result_code === '400' && exchange.envelope.error_code !== ILLEGAL_SIGN) {
    const { envelope } = exchange;
    const refused: Rejected = {
      kind: 'rejected',
      ...optional('error_code', envelope.error_code),
      ...optional('error_message', envelope.error_message),
      raw: rawCodes(envelope),
    };
    return refused;
  }
  return classify(exchange, (biz, raw) => {
    if (biz.result_code === 'FAIL') return rejected(biz, raw);
    // The provider's activation reply carries the pair with no result_code of its own.
    if (biz.result_code !== undefined && biz.result_code !== 'SUCCESS') unexpected(biz);
    return { kind, ...terminalPair(biz, terminalSn), raw };
  });
}

export function activateOutcome(exchange: Exchange): ActivateOutcome {
  return terminalOutcome(exchange, 'activated');
}

export function checkinOutcome(exchange: Exchange, terminalSn: string): CheckinOutcome {
  return terminalOutcome(exchange, 'checked_in', terminalSn);
}

/** uploadLog's reply is a bare `{"result_code":"200"}`. */
export function uploadLogOutcome(exchange: Exchange): UploadLogOutcome {
  if (!exchange.ok) return transport(exchange.failure);
  const raw = rawCodes(exchange.envelope);
  return exchange.envelope.result_code === '200' ? { kind: 'uploaded', raw } : refusal(exchange.envelope, raw);
}
