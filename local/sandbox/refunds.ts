import { DAY_MS } from './clock.js';
import { ORDER_NOT_EXISTS, pendingRefunds, settledRefunds } from './orders.js';
import type { ActionResult, Order, OrderBook, Refund } from './orders.js';
import type { RefundRequest } from './requests.js';

// "About 3 months" in the protocol; the sandbox draws the line at 90 days after the order.
const REFUND_WINDOW_MS = 90 * DAY_MS;

const fail = (errorCode: string, errorMessage: string): ActionResult => ({ resultCode: 'FAIL', errorCode, errorMessage });

export function refund(book: OrderBook, request: RefundRequest): ActionResult {
  const order = book.find(request);
  if (order === undefined) return ORDER_NOT_EXISTS;

  // refund_request_no is the provider's duplicate guard: the same number is the same refund.
  const earlier = order.refunds.find((r) => r.refundRequestNo === request.refundRequestNo);
  if (earlier !== undefined) {
    if (earlier.amount !== request.refundAmount) {
      return fail(
        'UPAY_REFUND_ORDER_NOOP',
        `refund_request_no ${request.refundRequestNo} was already used for a refund of ${earlier.amount}`,
      );
    }
    return replay(earlier, order);
  }

  if (order.orderStatus !== 'PAID' && order.orderStatus !== 'PARTIAL_REFUNDED' && order.orderStatus !== 'REFUNDED') {
    return fail('UPAY_REFUND_INVALID_ORDER_STATE', `the order cannot be refunded (order_status ${order.orderStatus})`);
  }
  if (book.clock.now() > order.ctime + REFUND_WINDOW_MS) {
    return fail('UPAY_REFUND_INVALID_ORDER_STATE', 'the refund window (90 days) has passed');
  }
  const refundable = order.paidAmount - order.reversedAmount - settledRefunds(order) - pendingRefunds(order);
  if (request.refundAmount > refundable) {
    return fail('REFUNDABLE_AMOUNT_NOT_ENOUGH', `at most ${refundable} can still be refunded`);
  }

  const clientTsn = request.clientTsn ?? `${order.clientSn}-${request.refundRequestNo}`;
  switch (order.scenario.refund) {
    case 'error':
      return {
        resultCode: 'REFUND_ERROR',
        errorCode: 'UNEXPECTED_PROVIDER_ERROR',
        errorMessage: 'the refund outcome is unknown',
        order,
        transaction: { status: 'REFUND_ERROR', clientTsn },
      };
    case 'fail':
      return {
        resultCode: 'REFUND_FAIL',
        errorCode: 'SELLER_BALANCE_NOT_ENOUGH',
        errorMessage: 'the refund failed; nothing was refunded',
        order,
        transaction: { status: 'FAIL_CANCELED', clientTsn },
      };
    case 'in_progress':
    case 'success': {
      const recorded: Refund = {
        refundRequestNo: request.refundRequestNo,
        clientTsn,
        amount: request.refundAmount,
        operator: request.operator,
        requestedAt: book.clock.now(),
        state: 'IN_PROGRESS',
      };
      order.refunds.push(recorded);
      if (order.scenario.refund === 'success') {
        book.applyRefund(order, recorded);
        return { resultCode: 'REFUND_SUCCESS', order };
      }
      order.clientTsn = clientTsn;
      order.transactionStatus = 'IN_PROG';
      return { resultCode: 'REFUND_IN_PROGRESS', order };
    }
  }
}

function replay(earlier: Refund, order: Order): ActionResult {
  return earlier.state === 'SUCCESS'
    ? { resultCode: 'REFUND_SUCCESS', order, transaction: { status: 'SUCCESS', clientTsn: earlier.clientTsn } }
    : { resultCode: 'REFUND_IN_PROGRESS', order, transaction: { status: 'IN_PROG', clientTsn: earlier.clientTsn } };
}
