// Each endpoint's request, checked against the provider's limits and turned into the body the
// provider reads: its field names, in its documented order, every amount a string of cents.
// Only named fields are copied, so nothing a caller adds by accident reaches the provider.

import { IN_APP_SUB_PAYWAYS, PAYWAYS, PRECREATE_SUB_PAYWAYS, WAP_SUB_PAYWAY } from './codes.js';
import { UpayRequestError } from './errors.js';
import {
  cents,
  coordinates,
  digits,
  extended,
  goodsDetails,
  notifyUrl,
  oneOf,
  optionalText,
  requestObject,
  text,
} from './validation.js';
import type { OrderExpectation } from './order.js';
import type { Extended } from './types.js';
import type { WireGoodsDetail } from './validation.js';

export type WireBody = Record<string, string | Extended | WireGoodsDetail[]>;

/** A transaction body plus what the reply's order must match. */
export interface OrderCall {
  body: WireBody;
  expect: OrderExpectation;
}

export interface PrecreateCall extends OrderCall {
  /** The field a created order must carry for the customer to pay. */
  payload: 'qr_code' | 'wap_pay_request';
}

const SN_DIGITS = 16;

function compact(fields: Record<string, WireBody[string] | undefined>): WireBody {
  const body: WireBody = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) body[name] = value;
  }
  return body;
}

export function activateBody(request: unknown): WireBody {
  const r = requestObject(request);
  return compact({
    app_id: text(r.app_id, 'app_id'),
    code: text(r.code, 'code'),
    device_id: text(r.device_id, 'device_id', 128),
    client_sn: optionalText(r.client_sn, 'client_sn', 50),
    name: optionalText(r.name, 'name', 128),
    os_info: optionalText(r.os_info, 'os_info', 45),
    sdk_version: optionalText(r.sdk_version, 'sdk_version', 45),
  });
}

export function checkinBody(terminalSn: string, request: unknown): WireBody {
  const r = requestObject(request);
  // Same device and same software description as at activation, so the same limits.
  return compact({
    terminal_sn: terminalSn,
    device_id: text(r.device_id, 'device_id', 128),
    os_info: optionalText(r.os_info, 'os_info', 45),
    sdk_version: optionalText(r.sdk_version, 'sdk_version', 45),
  });
}

function newOrder(content: { client_sn: string; total_amount: string }): OrderExpectation {
  return { client_sn: content.client_sn, total_amount: Number(content.total_amount) };
}

/** The fields pay and precreate share (protocol §4.1; precreate is "like pay"). */
function orderContent(r: Record<string, unknown>) {
  const place = coordinates(r.longitude, r.latitude);
  return {
    client_sn: text(r.client_sn, 'client_sn', 32),
    total_amount: cents(r.total_amount, 'total_amount'),
    subject: text(r.subject, 'subject', 64),
    operator: text(r.operator, 'operator', 32),
    description: optionalText(r.description, 'description', 256),
    longitude: place?.longitude,
    latitude: place?.latitude,
    device_id: optionalText(r.device_id, 'device_id', 64),
    extended: extended(r.extended),
    goods_details: goodsDetails(r.goods_details),
    reflect: optionalText(r.reflect, 'reflect', 64),
    notify_url: notifyUrl(r.notify_url),
  };
}

/** The optional fields pay and precreate both end their body with, in the documented order. */
function orderDetails(content: ReturnType<typeof orderContent>) {
  return {
    description: content.description,
    longitude: content.longitude,
    latitude: content.latitude,
    device_id: content.device_id,
    extended: content.extended,
    goods_details: content.goods_details,
    reflect: content.reflect,
    notify_url: content.notify_url,
  };
}

export function payCall(terminalSn: string, request: unknown): OrderCall {
  const r = requestObject(request);
  const content = orderContent(r);
  const body = compact({
    terminal_sn: terminalSn,
    client_sn: content.client_sn,
    total_amount: content.total_amount,
    dynamic_id: text(r.dynamic_id, 'dynamic_id', 32),
    subject: content.subject,
    operator: content.operator,
    payway: r.payway === undefined ? undefined : oneOf(r.payway, 'payway', PAYWAYS),
    ...orderDetails(content),
  });
  return { body, expect: newOrder(content) };
}

export function precreateCall(terminalSn: string, request: unknown): PrecreateCall {
  const r = requestObject(request);
  const content = orderContent(r);
  const payway = oneOf(r.payway, 'payway', PAYWAYS);
  const subPayway = r.sub_payway === undefined ? undefined : oneOf(r.sub_payway, 'sub_payway', PRECREATE_SUB_PAYWAYS);
  const payerUid =
    subPayway === WAP_SUB_PAYWAY ? text(r.payer_uid, 'payer_uid') : optionalText(r.payer_uid, 'payer_uid');
  const body = compact({
    terminal_sn: terminalSn,
    client_sn: content.client_sn,
    total_amount: content.total_amount,
    payway,
    sub_payway: subPayway,
    payer_uid: payerUid,
    subject: content.subject,
    operator: content.operator,
    ...orderDetails(content),
  });
  const inApp = subPayway !== undefined && IN_APP_SUB_PAYWAYS.includes(subPayway);
  return { body, expect: newOrder(content), payload: inApp ? 'wap_pay_request' : 'qr_code' };
}

/** `sn` or `client_sn`, at least one; both are sent when both are given (the provider uses `sn`). */
function orderRef(r: Record<string, unknown>): { fields: WireBody; expect: OrderExpectation } {
  if (r.sn === undefined && r.client_sn === undefined) {
    throw new UpayRequestError('sn', 'sn or client_sn is required');
  }
  const sn = r.sn === undefined ? undefined : digits(r.sn, 'sn', SN_DIGITS);
  const clientSn = optionalText(r.client_sn, 'client_sn', 32);
  return {
    fields: compact({ sn, client_sn: clientSn }),
    // The provider looks the order up by sn when both are given, so only sn is then certain.
    expect: sn !== undefined ? { sn } : { client_sn: clientSn },
  };
}

/** Query, cancel and revoke take the same request. */
export function orderRefCall(terminalSn: string, request: unknown): OrderCall {
  const ref = orderRef(requestObject(request));
  return { body: { terminal_sn: terminalSn, ...ref.fields }, expect: ref.expect };
}

export function refundCall(terminalSn: string, request: unknown): OrderCall {
  const r = requestObject(request);
  const ref = orderRef(r);
  const body = compact({
    terminal_sn: terminalSn,
    ...ref.fields,
    refund_request_no: text(r.refund_request_no, 'refund_request_no', 20),
    // The refund's operator is the same field as pay's, so pay's limit applies.
    operator: text(r.operator, 'operator', 32),
    refund_amount: cents(r.refund_amount, 'refund_amount'),
    client_tsn: optionalText(r.client_tsn, 'client_tsn'),
    extended: extended(r.extended),
    goods_details: goodsDetails(r.goods_details),
  });
  return { body, expect: ref.expect };
}
