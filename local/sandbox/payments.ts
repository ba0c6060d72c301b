import { ORDER_NOT_EXISTS } from './orders.js';
import type { ActionResult, Order, OrderBook, OrderReference } from './orders.js';
import type { OrderRequest, PayRequest, PrecreateRequest } from './requests.js';
import { scenarioFor } from './scenarios.js';
import type { Terminal } from './terminals.js';
import { QQ_WALLET, SUB_PAYWAY, walletForBarcode } from './wallets.js';

function clientSnConflict(clientSn: string): ActionResult {
  return {
    resultCode: 'FAIL',
    errorCode: 'CLIENT_SN_CONFLICT',
    errorMessage: `client_sn ${clientSn} was already used; a new attempt needs a new client_sn`,
  };
}

function orderFields(terminal: Terminal, request: OrderRequest) {
  return {
    clientSn: request.clientSn,
    terminalSn: terminal.sn,
    storeId: terminal.storeId,
    totalAmount: request.totalAmount,
    subject: request.subject,
    operator: request.operator,
    description: request.description,
    reflect: request.reflect,
    notifyUrl: request.notifyUrl,
  };
}

// B scans C: the wallet comes from the barcode unless the caller named it.
export function pay(book: OrderBook, terminal: Terminal, request: PayRequest): ActionResult {
  if (book.hasClientSn(request.clientSn)) return clientSnConflict(request.clientSn);
  const payway = request.payway ?? walletForBarcode(request.dynamicId);
  const order = book.open({
    ...orderFields(terminal, request),
    origin: 'pay',
    payway,
    subPayway: SUB_PAYWAY.barcode,
    scenario: scenarioFor(request.dynamicId),
  });
  if (payway === undefined) {
    book.settleUnpaid(order, 'PAY_CANCELED');
    return { resultCode: 'PAY_FAIL', errorCode: 'INVALID_BARCODE', errorMessage: 'no wallet issues this barcode', order };
  }
  return startPayment(book, order);
}

function startPayment(book: OrderBook, order: Order): ActionResult {
  const script = order.scenario.payment;
  switch (script.kind) {
    case 'paid':
      book.settlePaid(order);
      return { resultCode: 'PAY_SUCCESS', order };
    case 'declined':
      book.settleUnpaid(order, 'PAY_CANCELED');
      return { resultCode: 'PAY_FAIL', errorCode: script.errorCode, errorMessage: 'the wallet declined the payment', order };
    case 'error':
      book.settleUnpaid(order, 'PAY_ERROR');
      return {
        resultCode: 'PAY_FAIL_ERROR',
        errorCode: 'UNEXPECTED_PROVIDER_ERROR',
        errorMessage: 'the payment outcome is unknown; it needs a person',
        order,
      };
    case 'in_flight':
      order.inFlight = { settlesAtQuery: script.settlesAtQuery, settlesAs: script.settlesAs, queries: 0 };
      order.transactionStatus = script.transactionStatus;
      return { resultCode: script.reply, order };
  }
}

// C scans B: the order waits for the customer (the control API's qr/pay) or for expiry.
export function precreate(book: OrderBook, terminal: Terminal, request: PrecreateRequest): ActionResult {
  if (book.hasClientSn(request.clientSn)) return clientSnConflict(request.clientSn);
  const order = book.open({
    ...orderFields(terminal, request),
    origin: 'precreate',
    payway: request.payway,
    subPayway: request.subPayway,
    payerUid: request.payerUid,
    scenario: scenarioFor(request.clientSn),
  });
  if (request.payway === QQ_WALLET) {
    book.settleUnpaid(order, 'PAY_CANCELED');
    return {
      resultCode: 'PRECREATE_FAIL',
      errorCode: 'UNEXPECTED_PROVIDER_ERROR',
      errorMessage: 'QQ Wallet cannot precreate',
      order,
    };
  }
  order.awaitingScan = true;
  const token = book.entropy.hex(24);
  if (request.subPayway === SUB_PAYWAY.qr) {
    order.qrCode = `https://qr.upay-sandbox.invalid/${token}`;
  } else {
    order.wapPayRequest = JSON.stringify({
      appId: 'upay-sandbox',
      timeStamp: String(Math.floor(order.ctime / 1000)),
      nonceStr: book.entropy.hex(16),
      package: `prepay_id=${token}`,
      signType: 'RSA',
      paySign: book.entropy.hex(64),
    });
  }
  return { resultCode: 'PRECREATE_SUCCESS', order };
}

export type ScanOutcome = { order: Order } | { refusal: 'not_found' | 'not_awaiting_scan'; order?: Order };

export function scanQr(book: OrderBook, reference: OrderReference): ScanOutcome {
  const order = book.find(reference);
  if (order === undefined) return { refusal: 'not_found' };
  if (!order.awaitingScan) return { refusal: 'not_awaiting_scan', order };
  order.awaitingScan = false;
  startPayment(book, order);
  return { order };
}

// Queries are what move scripted orders along (the scenario table counts them).
export function query(book: OrderBook, reference: OrderReference): ActionResult {
  const order = book.find(reference);
  if (order === undefined) return ORDER_NOT_EXISTS;
  if (order.cancelAtNextQuery) {
    book.settleCanceled(order);
  } else if (order.inFlight !== undefined) {
    const inFlight = order.inFlight;
    inFlight.queries += 1;
    if (inFlight.queries === inFlight.settlesAtQuery) {
      if (inFlight.settlesAs === 'PAID') book.settlePaid(order);
      else book.settleUnpaid(order, inFlight.settlesAs ?? 'PAY_CANCELED');
    }
  }
  for (const refund of order.refunds) {
    if (refund.state === 'IN_PROGRESS') book.applyRefund(order, refund);
  }
  return { resultCode: 'SUCCESS', order };
}
