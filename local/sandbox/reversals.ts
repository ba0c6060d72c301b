import { shanghaiDay } from './clock.js';
import { ORDER_NOT_EXISTS } from './orders.js';
import type { ActionResult, Order, OrderBook, OrderReference } from './orders.js';

const fail = (errorCode: string, errorMessage: string): ActionResult => ({ resultCode: 'FAIL', errorCode, errorMessage });

const ALREADY_CANCELED = fail('UPAY_CANCEL_ORDER_NOOP', 'the order is already cancelled');

// "冲正": make sure no one-sided charge remains, whatever state the payment reached.
export function cancel(book: OrderBook, reference: OrderReference): ActionResult {
  const order = book.find(reference);
  if (order === undefined) return ORDER_NOT_EXISTS;
  switch (order.orderStatus) {
    case 'CREATED':
      return abortPayment(book, order);
    case 'PAID':
      return order.refunds.length > 0 ? refundedAlready() : reverse(book, order);
    case 'PAY_ERROR':
      // Nobody knows whether money moved; the reversal settles it either way.
      book.settleCanceled(order);
      return { resultCode: 'CANCEL_SUCCESS', order };
    case 'CANCEL_INPROGRESS':
      return stillCanceling(order);
    case 'CANCELED':
    case 'PAY_CANCELED':
      return ALREADY_CANCELED;
    case 'PARTIAL_REFUNDED':
    case 'REFUNDED':
      return refundedAlready();
  }
}

// A full reversal by hand: only the paid order's own (Shanghai) day, once, and never after a refund.
export function revoke(book: OrderBook, reference: OrderReference): ActionResult {
  const order = book.find(reference);
  if (order === undefined) return ORDER_NOT_EXISTS;
  switch (order.orderStatus) {
    case 'CANCELED':
    case 'PAY_CANCELED':
      return ALREADY_CANCELED;
    case 'CANCEL_INPROGRESS':
      return stillCanceling(order);
    case 'PARTIAL_REFUNDED':
    case 'REFUNDED':
      return refundedAlready();
    case 'CREATED':
    case 'PAY_ERROR':
      return fail('UPAY_CANCEL_INVALID_ORDER_STATE', `only a paid order can be revoked (order_status ${order.orderStatus})`);
    case 'PAID':
      if (order.refunds.length > 0) return refundedAlready();
      if (shanghaiDay(order.ctime) !== shanghaiDay(book.clock.now())) {
        return fail('UPAY_CANCEL_INVALID_ORDER_STATE', 'revoke is only possible on the day of the payment; refund instead');
      }
      return reverse(book, order);
  }
}

function refundedAlready(): ActionResult {
  return fail('UPAY_CANCEL_INVALID_ORDER_STATE', 'the order has refunds; it can no longer be cancelled or revoked');
}

function abortPayment(book: OrderBook, order: Order): ActionResult {
  switch (order.scenario.abort) {
    case 'success':
      book.settleCanceled(order);
      return { resultCode: 'CANCEL_ABORT_SUCCESS', order };
    case 'error':
      return {
        resultCode: 'CANCEL_ABORT_ERROR',
        errorMessage: 'stopping the payment failed; its outcome is unknown',
        order,
        transaction: { status: 'CANCEL_ERROR', clientTsn: order.clientTsn },
      };
    case 'in_progress':
      beginCanceling(order);
      return { resultCode: 'CANCEL_ABORT_IN_PROGRESS', order };
  }
}

function reverse(book: OrderBook, order: Order): ActionResult {
  switch (order.scenario.reversal) {
    case 'success':
      book.settleCanceled(order);
      return { resultCode: 'CANCEL_SUCCESS', order };
    case 'error':
      return {
        resultCode: 'CANCEL_ERROR',
        errorMessage: 'the reversal failed; its outcome is unknown',
        order,
        transaction: { status: 'CANCEL_ERROR', clientTsn: order.clientTsn },
      };
    case 'in_progress':
      beginCanceling(order);
      return { resultCode: 'CANCEL_IN_PROGRESS', order };
  }
}

function beginCanceling(order: Order): void {
  order.orderStatus = 'CANCEL_INPROGRESS';
  order.transactionStatus = 'IN_PROG';
  order.cancelAtNextQuery = true;
}

function stillCanceling(order: Order): ActionResult {
  return { resultCode: order.paidAmount > 0 ? 'CANCEL_IN_PROGRESS' : 'CANCEL_ABORT_IN_PROGRESS', order };
}
