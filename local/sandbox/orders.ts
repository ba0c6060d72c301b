import type { SandboxClock } from './clock.js';
import type { Entropy } from './entropy.js';
import type { Scenario } from './scenarios.js';

export type OrderStatus =
  | 'CREATED'
  | 'PAID'
  | 'PAY_CANCELED'
  | 'PAY_ERROR'
  | 'REFUNDED'
  | 'PARTIAL_REFUNDED'
  | 'CANCELED'
  | 'CANCEL_INPROGRESS';

// The status of the transaction record an action made (protocol §5), shown as `data.status`.
export type TransactionStatus =
  | 'CREATED'
  | 'IN_PROG'
  | 'SUCCESS'
  | 'FAIL_CANCELED'
  | 'FAIL_ERROR'
  | 'FAIL_IO_1'
  | 'CANCEL_ERROR'
  | 'REFUND_ERROR';

export interface Refund {
  readonly refundRequestNo: string;
  readonly clientTsn: string;
  readonly amount: number;
  readonly operator: string;
  readonly requestedAt: number;
  state: 'SUCCESS' | 'IN_PROGRESS';
  finishedAt?: number;
}

export interface InFlightPayment {
  readonly settlesAtQuery?: number;
  readonly settlesAs?: 'PAID' | 'PAY_CANCELED' | 'PAY_ERROR';
  queries: number;
}

export interface Order {
  readonly sn: string;
  readonly clientSn: string;
  readonly terminalSn: string;
  readonly storeId: string;
  readonly origin: 'pay' | 'precreate';
  // Absent only when the barcode named no wallet.
  readonly payway?: string;
  readonly subPayway: string;
  readonly totalAmount: number;
  readonly subject: string;
  readonly operator: string;
  readonly description?: string;
  readonly reflect?: string;
  readonly notifyUrl?: string;
  readonly ctime: number;
  readonly scenario: Scenario;
  payerUid?: string;
  qrCode?: string;
  wapPayRequest?: string;
  orderStatus: OrderStatus;
  transactionStatus: TransactionStatus;
  clientTsn: string;
  tradeNo?: string;
  payerLogin?: string;
  finishTime?: number;
  channelFinishTime?: number;
  // What the customer's wallet actually paid and what a cancel/revoke gave back, in cents.
  paidAmount: number;
  reversedAmount: number;
  refunds: Refund[];
  awaitingScan: boolean;
  inFlight?: InFlightPayment;
  // A cancel/revoke answered *_IN_PROGRESS and completes at the next query.
  cancelAtNextQuery: boolean;
}

export type NewOrder = Pick<
  Order,
  | 'clientSn'
  | 'terminalSn'
  | 'storeId'
  | 'origin'
  | 'payway'
  | 'subPayway'
  | 'totalAmount'
  | 'subject'
  | 'operator'
  | 'description'
  | 'reflect'
  | 'notifyUrl'
  | 'payerUid'
  | 'scenario'
>;

export interface OrderReference {
  sn?: string;
  clientSn?: string;
}

// What an action answers: `biz_response.result_code`, its error, and the order for `data`.
// `transaction` overrides `data.status`/`client_tsn` for attempts the order does not keep
// (a failed refund or cancel leaves the order as it was but still reports its own record).
export interface ActionResult {
  resultCode: string;
  errorCode?: string;
  errorMessage?: string;
  order?: Order;
  transaction?: { status: TransactionStatus; clientTsn: string };
}

export const ORDER_NOT_EXISTS: ActionResult = {
  resultCode: 'FAIL',
  errorCode: 'UPAY_ORDER_NOT_EXISTS',
  errorMessage: 'no such order',
};

export const settledRefunds = (order: Order): number =>
  order.refunds.reduce((sum, refund) => (refund.state === 'SUCCESS' ? sum + refund.amount : sum), 0);

export const pendingRefunds = (order: Order): number =>
  order.refunds.reduce((sum, refund) => (refund.state === 'IN_PROGRESS' ? sum + refund.amount : sum), 0);

// The order book and its state transitions. Every move of money happens in one of the
// `settle*`/`applyRefund` methods so that paid/refunded/reversed amounts cannot drift apart.
export class OrderBook {
  readonly #bySn = new Map<string, Order>();
  readonly #byClientSn = new Map<string, Order>();

  constructor(
    readonly clock: SandboxClock,
    readonly entropy: Entropy,
    private readonly precreateExpiryMs: number,
    private readonly onPaid: (order: Order) => void,
  ) {}

  // client_sn is unique across the merchant; the sandbox has one merchant.
  hasClientSn(clientSn: string): boolean {
    return this.#byClientSn.has(clientSn);
  }

  open(fields: NewOrder): Order {
    let sn = `78${this.entropy.digits(14)}`;
    while (this.#bySn.has(sn)) sn = `78${this.entropy.digits(14)}`;
    const order: Order = {
      ...fields,
      sn,
      ctime: this.clock.now(),
      orderStatus: 'CREATED',
      transactionStatus: 'CREATED',
      clientTsn: fields.clientSn,
      paidAmount: 0,
      reversedAmount: 0,
      refunds: [],
      awaitingScan: false,
      cancelAtNextQuery: false,
    };
    this.#bySn.set(sn, order);
    this.#byClientSn.set(order.clientSn, order);
    return order;
  }

  // `sn` wins over `client_sn` (protocol §4.3): an unknown sn finds nothing even if the
  // client_sn would.
  find(reference: OrderReference): Order | undefined {
    const order =
      reference.sn !== undefined
        ? this.#bySn.get(reference.sn)
        : reference.clientSn !== undefined
          ? this.#byClientSn.get(reference.clientSn)
          : undefined;
    if (order !== undefined) this.#expireUnscanned(order);
    return order;
  }

  all(): Order[] {
    const orders = [...this.#bySn.values()];
    for (const order of orders) this.#expireUnscanned(order);
    return orders;
  }

  settlePaid(order: Order): void {
    const now = this.clock.now();
    order.orderStatus = 'PAID';
    order.transactionStatus = 'SUCCESS';
    order.paidAmount = order.totalAmount;
    order.tradeNo = `${new Date(now).getUTCFullYear()}${this.entropy.digits(24)}`;
    order.payerUid ??= `2088${this.entropy.digits(12)}`;
    order.payerLogin = `138****${this.entropy.digits(4)}`;
    order.finishTime = now;
    order.channelFinishTime = now;
    order.awaitingScan = false;
    delete order.inFlight;
    this.onPaid(order);
  }

  settleUnpaid(order: Order, orderStatus: 'PAY_CANCELED' | 'PAY_ERROR', finishedAt = this.clock.now()): void {
    order.orderStatus = orderStatus;
    order.transactionStatus = orderStatus === 'PAY_ERROR' ? 'FAIL_ERROR' : 'FAIL_CANCELED';
    order.finishTime = finishedAt;
    order.awaitingScan = false;
    delete order.inFlight;
  }

  // Stops an in-flight payment or reverses a paid one in full.
  settleCanceled(order: Order): void {
    const now = this.clock.now();
    order.orderStatus = 'CANCELED';
    order.transactionStatus = 'SUCCESS';
    order.reversedAmount = order.paidAmount;
    order.finishTime = now;
    order.awaitingScan = false;
    order.cancelAtNextQuery = false;
    delete order.inFlight;
  }

  applyRefund(order: Order, refund: Refund): void {
    refund.state = 'SUCCESS';
    refund.finishedAt = this.clock.now();
    order.orderStatus = settledRefunds(order) === order.paidAmount ? 'REFUNDED' : 'PARTIAL_REFUNDED';
    order.transactionStatus = 'SUCCESS';
    order.clientTsn = refund.clientTsn;
  }

  // Checked on every access rather than by a timer: the sandbox clock can jump, and an
  // expiry nobody looked at is indistinguishable from one applied at the deadline.
  #expireUnscanned(order: Order): void {
    const deadline = order.ctime + this.precreateExpiryMs;
    if (order.awaitingScan && this.clock.now() >= deadline) this.settleUnpaid(order, 'PAY_CANCELED', deadline);
  }
}
