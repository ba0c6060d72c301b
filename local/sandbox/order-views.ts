import { pendingRefunds, settledRefunds } from './orders.js';
import type { ActionResult, Order } from './orders.js';
import type { WireObject } from './wire.js';

// `net_amount` on the wire is the protocol's formula, total − refunded, where a cancel or
// revoke of a paid order counts as a full refund. It is *not* what the merchant holds for
// an order that was never paid; the books (`heldAmount`) say that.
export const wireNetAmount = (order: Order): number => order.totalAmount - settledRefunds(order) - order.reversedAmount;

export const heldAmount = (order: Order): number => order.paidAmount - settledRefunds(order) - order.reversedAmount;

// `biz_response.data`, field order as in protocol §4; absent values are left out, never null.
export function orderData(order: Order, transaction?: ActionResult['transaction']): WireObject {
  const data: WireObject = {
    terminal_sn: order.terminalSn,
    sn: order.sn,
    client_sn: order.clientSn,
    client_tsn: transaction?.clientTsn ?? order.clientTsn,
  };
  const optional = (field: string, value: string | number | undefined): void => {
    if (value !== undefined) data[field] = String(value);
  };
  optional('trade_no', order.tradeNo);
  data.status = transaction?.status ?? order.transactionStatus;
  data.order_status = order.orderStatus;
  optional('payway', order.payway);
  data.sub_payway = order.subPayway;
  optional('payer_uid', order.payerUid);
  optional('payer_login', order.payerLogin);
  data.total_amount = String(order.totalAmount);
  data.net_amount = String(wireNetAmount(order));
  data.subject = order.subject;
  optional('description', order.description);
  data.operator = order.operator;
  optional('reflect', order.reflect);
  data.ctime = String(order.ctime);
  optional('finish_time', order.finishTime);
  optional('channel_finish_time', order.channelFinishTime);
  data.store_id = order.storeId;
  if (order.paidAmount > 0) data.payment_list = [{ type: 'BALANCE', amount_total: String(order.paidAmount) }];
  optional('qr_code', order.qrCode);
  optional('wap_pay_request', order.wapPayRequest);
  return data;
}

// One line of `GET /_sandbox/orders`: the sandbox's books, integers in cents, so a ledger can
// be compared with them order by order.
export function bookEntry(order: Order) {
  return {
    sn: order.sn,
    client_sn: order.clientSn,
    terminal_sn: order.terminalSn,
    store_id: order.storeId,
    origin: order.origin,
    payway: order.payway ?? null,
    sub_payway: order.subPayway,
    order_status: order.orderStatus,
    total_amount: order.totalAmount,
    paid_amount: order.paidAmount,
    refunded_amount: settledRefunds(order),
    pending_refund_amount: pendingRefunds(order),
    reversed_amount: order.reversedAmount,
    net_amount: heldAmount(order),
    refunds: order.refunds.map((refund) => ({
      refund_request_no: refund.refundRequestNo,
      client_tsn: refund.clientTsn,
      refund_amount: refund.amount,
      operator: refund.operator,
      state: refund.state,
      requested_at: refund.requestedAt,
      finished_at: refund.finishedAt ?? null,
    })),
    ctime: order.ctime,
    finish_time: order.finishTime ?? null,
  };
}
