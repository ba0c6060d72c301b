// The requests every measurement sends, as the cashier app and the provider send them.
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { httpEvent } from './events.js';
import type { Callback } from './notify-sink.js';

export const STORE_ID = 'bench-store';
export const CASHIER = { store_id: STORE_ID, role: 'cashier' as const };
export const ADMIN = { store_id: STORE_ID, role: 'admin' as const };
/** A WeChat Pay barcode; the sandbox answers PAY_SUCCESS for suffix 0000. */
export const BARCODE_PAID = '280000000000000000';
/** Suffix 9101: PAY_IN_PROGRESS, PAID at the first query (an order for the step timer). */
export const BARCODE_PAID_AT_FIRST_QUERY = '280000000000009101';
export const AMOUNT = 1000;

let serial = 0;
const run = Date.now().toString(36);
/** A client_sn no other order of this run has (≤ 32 characters). */
export const nextClientSn = (kind: string) => `b${run}-${kind}-${(serial += 1)}`;

export const payBody = (terminalSn: string, clientSn: string, barcode = BARCODE_PAID) => ({
  terminal_sn: terminalSn,
  client_sn: clientSn,
  total_amount: AMOUNT,
  dynamic_id: barcode,
  subject: 'Jasmine tea',
  operator: 'ann',
});

export const precreateBody = (terminalSn: string, clientSn: string) => ({
  terminal_sn: terminalSn,
  client_sn: clientSn,
  total_amount: AMOUNT,
  payway: '3',
  subject: 'Cake',
  operator: 'ann',
});

export const refundBody = (refundNo: string) => ({ refund_request_no: refundNo, refund_amount: AMOUNT, operator: 'ann' });

export const payEvent = (terminalSn: string, clientSn: string, barcode = BARCODE_PAID): APIGatewayProxyEventV2WithJWTAuthorizer =>
  httpEvent({ method: 'POST', route: '/v1/payments', body: payBody(terminalSn, clientSn, barcode), caller: CASHIER });

export const precreateEvent = (terminalSn: string, clientSn: string) => httpEvent({ method: 'POST', route: '/v1/precreates', body: precreateBody(terminalSn, clientSn), caller: CASHIER });

export const queryEvent = (orderId: string) => httpEvent({ method: 'GET', route: '/v1/orders/{order_id}', pathParameters: { order_id: orderId }, caller: CASHIER });

export const queryBySnEvent = (sn: string) => httpEvent({ method: 'GET', route: '/v1/orders', query: { sn }, caller: CASHIER });

export const refundEvent = (orderId: string, refundNo: string) =>
  httpEvent({ method: 'POST', route: '/v1/orders/{order_id}/refunds', pathParameters: { order_id: orderId }, body: refundBody(refundNo), caller: CASHIER });

export const reversalEvent = (action: 'revoke' | 'cancel', orderId: string) =>
  httpEvent({ method: 'POST', route: `/v1/orders/{order_id}/${action}`, pathParameters: { order_id: orderId }, caller: ADMIN });

export const notifyEvent = (callback: Callback) =>
  httpEvent({ method: 'POST', route: '/v1/upay/notify', rawBody: callback.body, headers: { authorization: callback.authorization } });
