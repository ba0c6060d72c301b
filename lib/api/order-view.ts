import type { Order, OrderWithRefunds, ProviderState } from '../payments/model.js';
import type { OrderView } from './schemas/payments.js';

const errorCode = (provider: ProviderState | undefined) => provider?.biz_error_code ?? provider?.error_code;

/** What the apps see of an order: the ledger in the provider's vocabulary, no internals. */
export function orderView({ order, refunds }: OrderWithRefunds): OrderView {
  const code = order.order_status === 'PAID' ? undefined : (errorCode(order.provider) ?? order.failure_reason);
  return {
    order_id: order.order_id,
    client_sn: order.client_sn,
    ...(order.sn ? { sn: order.sn } : {}),
    ...(order.trade_no ? { trade_no: order.trade_no } : {}),
    terminal_sn: order.terminal_sn,
    order_status: order.order_status,
    total_amount: order.total_amount,
    net_amount: order.net_amount,
    refunded_amount: order.refunded_amount,
    ...(order.payway ? { payway: order.payway } : {}),
    ...(order.sub_payway ? { sub_payway: order.sub_payway } : {}),
    subject: order.subject,
    ...(order.description ? { description: order.description } : {}),
    operator: order.operator,
    created_at: order.created_at,
    ...(order.finished_at ? { finished_at: order.finished_at } : {}),
    ...(code ? { error_code: code } : {}),
    ...(order.reversal ? { reversal: order.reversal } : {}),
    ...(order.reversal_requested_by ? { reversal_requested_by: order.reversal_requested_by } : {}),
    attention: order.attention?.reason ?? null,
    ...(order.qr_code ? { qr_code: order.qr_code } : {}),
    ...(order.wap_pay_request ? { wap_pay_request: order.wap_pay_request } : {}),
    ...(order.resolutions?.length ? { resolutions: order.resolutions.map(({ provider, ...entry }) => ({ ...entry, ...(provider ? { provider: { ...provider } as Record<string, string> } : {}) })) } : {}),
    refunds: refunds
      .map((refund) => {
        const refundCode = refund.status === 'REFUND_SUCCESS' ? undefined : errorCode(refund.provider);
        return {
          refund_request_no: refund.refund_request_no,
          refund_amount: refund.refund_amount,
          operator: refund.operator,
          status: refund.status,
          created_at: refund.created_at,
          ...(refund.finished_at ? { finished_at: refund.finished_at } : {}),
          ...(refundCode ? { error_code: refundCode } : {}),
          attention: refund.attention?.reason ?? null,
        };
      })
      .sort((a, b) => a.created_at.localeCompare(b.created_at)),
  };
}

/** An order as a day's list shows it: the view without refunds. */
export function orderListing(order: Order): Omit<OrderView, 'refunds'> {
  const { refunds: _refunds, ...listed } = orderView({ order, refunds: [] });
  return listed;
}
