// The ledger's view of an order and its refunds. Amounts are integer cents; statuses are
// the provider's names, so our API speaks its vocabulary (architecture §6).
import { createHash } from 'node:crypto';
import type { OrderStatus, RawCodes } from '../upay/index.js';

export type OrderKind = 'pay' | 'precreate';

/** What the step timer does next for an open order or refund. */
export type NextStep = 'query' | 'cancel' | 'refund';

export interface Work {
  step: NextStep;
  /** Epoch ms when the step is next due. */
  due_at: number;
  /** Epoch ms after which an open payment is cancelled (the provider's exception flow). */
  deadline_at: number;
  attempts: number;
}

export interface Attention {
  reason: string;
  at: string;
}

/** The provider's last word on this order, kept with its raw codes (invariant 6). */
export interface ProviderState extends Partial<RawCodes> {
  status?: string;
  order_status?: OrderStatus;
}

/** A person's decision on a case (an order's or one of its refunds'), kept on the order for good. */
export interface Resolution {
  at: string;
  /** The token subject of the admin or ops user who resolved it, and their role. */
  by: string;
  role: string;
  note: string;
  /** What was booked: an order status, or REFUND_SUCCESS / REFUND_FAIL. */
  outcome: string;
  /** `provider`: the provider now showed a final state; `manual`: the person's word was booked. */
  source: 'provider' | 'manual';
  refund_request_no?: string;
  /** Why the case was open. */
  reason: string;
  /** The provider's last reply when the case was resolved. */
  provider?: ProviderState;
}

export interface Order {
  order_id: string;
  kind: OrderKind;
  client_sn: string;
  store_id: string;
  terminal_sn: string;
  sn?: string;
  trade_no?: string;
  order_status: OrderStatus;
  total_amount: number;
  net_amount: number;
  refunded_amount: number;
  /** Successful plus in-flight refunds: never above total_amount (invariant 3). */
  refund_committed: number;
  payway?: string;
  sub_payway?: string;
  subject: string;
  description?: string;
  operator: string;
  qr_code?: string;
  /** What a WAP or mini-program precreate hands the app instead of a QR code. */
  wap_pay_request?: string;
  created_at: string;
  finished_at?: string;
  attention?: Attention;
  /** Why a payment ended without money moving, when the provider gave no code (e.g. never sent). */
  failure_reason?: string;
  /** A revoke or cancel we sent whose outcome is still being settled. */
  reversal?: 'revoke' | 'cancel';
  /** Who asked for the last revoke or cancel (the operator, or the admin's token subject). */
  reversal_requested_by?: string;
  provider?: ProviderState;
  resolutions?: Resolution[];
  /** Fingerprint of the request that created the order: same client_sn + same body = same order. */
  request_hash: string;
  /** Unique per create attempt, so an SDK retry of our own committed write is not taken for a replay. */
  attempt_id: string;
  work?: Work;
  version: number;
}

export type RefundStatus = 'REFUND_IN_PROGRESS' | 'REFUND_SUCCESS' | 'REFUND_FAIL' | 'REFUND_ERROR';

export interface Refund {
  order_id: string;
  refund_request_no: string;
  refund_amount: number;
  operator: string;
  status: RefundStatus;
  created_at: string;
  finished_at?: string;
  attention?: Attention;
  provider?: ProviderState;
  /** As on the order: tells our own retried write from another request's. */
  attempt_id: string;
  work?: Work;
  version: number;
}

export interface OrderWithRefunds {
  order: Order;
  refunds: Refund[];
}

/** Our order id is derived from the merchant's unique `client_sn`, so a second create of the
 *  same `client_sn` collides on the table key: uniqueness without reading first (invariant 2). */
export function orderIdFor(clientSn: string): string {
  return 'ord_' + createHash('sha256').update(clientSn, 'utf8').digest('base64url').slice(0, 26);
}

/** A stable fingerprint of a request body (keys sorted), to tell a retry from a conflict. */
export function fingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request), 'utf8').digest('base64url');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const PAYMENT_FINAL: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['PAID', 'PAY_CANCELED', 'REFUNDED', 'PARTIAL_REFUNDED', 'CANCELED']);

/** Final for the payment: nothing more will happen unless someone refunds or revokes. */
export const isFinal = (order: Pick<Order, 'order_status' | 'attention' | 'reversal'>) =>
  PAYMENT_FINAL.has(order.order_status) && order.reversal === undefined;

export const isRefundable = (order: Order) => (order.order_status === 'PAID' || order.order_status === 'PARTIAL_REFUNDED') && order.reversal === undefined;
