import {
  cents,
  checkCoordinates,
  checkExtended,
  checkGoodsDetails,
  optionalChoice,
  optionalText,
  optionalUrl,
  requiredText,
} from './request-fields.js';
import type { JsonObject } from './request-fields.js';
import { PAYWAYS, PRECREATE_SUB_PAYWAYS, SUB_PAYWAY } from './wallets.js';
import { RequestRejected } from './wire.js';

// Each reader enforces protocol §3–§4's field limits and returns only what the sandbox uses;
// fields it validates but does not keep (extended, goods_details, coordinates…) are checked
// so that a client sending them out of bounds is caught here as it would be by the provider.

export interface ActivateRequest {
  appId: string;
  code: string;
  deviceId: string;
  clientSn?: string;
  name?: string;
}

export function readActivate(body: JsonObject): ActivateRequest {
  const request: ActivateRequest = {
    appId: requiredText(body, 'app_id'),
    code: requiredText(body, 'code'),
    deviceId: requiredText(body, 'device_id', 128),
    clientSn: optionalText(body, 'client_sn', 50),
    name: optionalText(body, 'name', 128),
  };
  optionalText(body, 'os_info', 45);
  optionalText(body, 'sdk_version', 45);
  return request;
}

export interface CheckinRequest {
  terminalSn: string;
  deviceId: string;
}

export function readCheckin(body: JsonObject): CheckinRequest {
  const request = { terminalSn: requiredText(body, 'terminal_sn'), deviceId: requiredText(body, 'device_id', 128) };
  optionalText(body, 'os_info', 45);
  optionalText(body, 'sdk_version', 45);
  return request;
}

export interface OrderRequest {
  terminalSn: string;
  clientSn: string;
  totalAmount: number;
  subject: string;
  operator: string;
  description?: string;
  reflect?: string;
  notifyUrl?: string;
}

function readOrderRequest(body: JsonObject): OrderRequest {
  const request: OrderRequest = {
    terminalSn: requiredText(body, 'terminal_sn'),
    clientSn: requiredText(body, 'client_sn', 32),
    totalAmount: cents(body, 'total_amount'),
    subject: requiredText(body, 'subject', 64),
    operator: requiredText(body, 'operator', 32),
    description: optionalText(body, 'description', 256),
    reflect: optionalText(body, 'reflect', 64),
    notifyUrl: optionalUrl(body, 'notify_url', 128),
  };
  // Documented as at most 32, but the provider's own Python client sends a 36-character UUID.
  optionalText(body, 'device_id', 64);
  checkCoordinates(body);
  checkExtended(body);
  checkGoodsDetails(body);
  return request;
}

export interface PayRequest extends OrderRequest {
  dynamicId: string;
  payway?: string;
}

export function readPay(body: JsonObject): PayRequest {
  return {
    ...readOrderRequest(body),
    dynamicId: requiredText(body, 'dynamic_id', 32),
    payway: optionalChoice(body, 'payway', PAYWAYS),
  };
}

export interface PrecreateRequest extends OrderRequest {
  payway: string;
  subPayway: string;
  payerUid?: string;
}

export function readPrecreate(body: JsonObject): PrecreateRequest {
  const order = readOrderRequest(body);
  const payway = optionalChoice(body, 'payway', PAYWAYS);
  if (payway === undefined) throw new RequestRejected('INVALID_PARAMS', 'payway is required');
  const subPayway = optionalChoice(body, 'sub_payway', PRECREATE_SUB_PAYWAYS) ?? SUB_PAYWAY.qr;
  const payerUid = optionalText(body, 'payer_uid');
  if (subPayway === SUB_PAYWAY.wap && payerUid === undefined) {
    throw new RequestRejected('INVALID_PARAMS', 'payer_uid is required for sub_payway 3 (WAP)');
  }
  return { ...order, payway, subPayway, payerUid };
}

export interface OrderReferenceRequest {
  terminalSn: string;
  sn?: string;
  clientSn?: string;
}

export function readOrderReference(body: JsonObject): OrderReferenceRequest {
  const reference = {
    terminalSn: requiredText(body, 'terminal_sn'),
    sn: optionalText(body, 'sn'),
    clientSn: optionalText(body, 'client_sn', 32),
  };
  if (reference.sn === undefined && reference.clientSn === undefined) throw new RequestRejected('INVALID_PARAMS', 'sn or client_sn is required');
  return reference;
}

export interface RefundRequest extends OrderReferenceRequest {
  refundRequestNo: string;
  refundAmount: number;
  operator: string;
  clientTsn?: string;
}

export function readRefund(body: JsonObject): RefundRequest {
  const request: RefundRequest = {
    ...readOrderReference(body),
    refundRequestNo: requiredText(body, 'refund_request_no', 20),
    refundAmount: cents(body, 'refund_amount'),
    operator: requiredText(body, 'operator', 32),
    clientTsn: optionalText(body, 'client_tsn'),
  };
  checkExtended(body);
  checkGoodsDetails(body);
  return request;
}
