// Resolving a case a person had to look at. The provider is asked first: a final state it
// now shows is booked as it says. Otherwise the person's `outcome` is booked, marked as a
// manual resolution with who, when, the note and the provider's last reply. Without either
// nothing changes. Amounts stay consistent: a refund booked as done must fit in what was
// paid; an order reversed by hand must have no refunds. Every resolution stays on the order.
import { isRefundable, type Order, type OrderWithRefunds, type ProviderState, type Refund, type Resolution } from '../payments/model.js';
import type { PaymentDeps } from '../payments/deps.js';
import type { Changes } from '../store/ledger.js';
import { callProvider, rawOf } from '../payments/open-order.js';
import { queryVerdict } from '../payments/outcomes.js';
import { providerState } from '../payments/verdict.js';

export const ORDER_OUTCOMES = ['PAID', 'PAY_CANCELED', 'CANCELED'] as const;
export const REFUND_OUTCOMES = ['REFUND_SUCCESS', 'REFUND_FAIL'] as const;
export type OrderOutcome = (typeof ORDER_OUTCOMES)[number];
export type RefundOutcome = (typeof REFUND_OUTCOMES)[number];

export interface ResolveRequest {
  order_id: string;
  refund_request_no?: string;
  note: string;
  outcome?: string;
  /** Undefined for ops: any store. */
  store_id?: string;
  by: string;
  role: string;
}

export interface RefundSettlement {
  refund: Changes<Refund>;
  order: Changes<Order>;
  /** What the order's amounts move by. */
  refunded: number;
  released: number;
}

export interface CaseWriter {
  /** Books a refund case and the order's amounts at once, if neither changed since they were read. */
  settleRefundCase(order: Order, refund: Refund, settlement: RefundSettlement): Promise<boolean>;
}

export type ResolveResult =
  | { kind: 'resolved'; found: OrderWithRefunds }
  | { kind: 'not_found'; field: 'order_id' | 'refund_request_no' }
  /** Nothing to resolve, or an outcome the amounts forbid. */
  | { kind: 'conflict'; message: string; field?: string }
  /** The provider shows no final state and no outcome was given: nothing changed. */
  | { kind: 'not_final'; message: string }
  | { kind: 'busy' };

const RACES = 3;

export async function resolveCase(deps: PaymentDeps & { cases: CaseWriter }, request: ResolveRequest): Promise<ResolveResult> {
  for (let race = 0; race < RACES; race += 1) {
    const found = await deps.ledger.getOrder(request.order_id);
    if (!found || (request.store_id !== undefined && found.order.store_id !== request.store_id)) return { kind: 'not_found', field: 'order_id' };
    const result = request.refund_request_no === undefined ? await resolveOrder(deps, found, request) : await resolveRefund(deps, found, request, request.refund_request_no);
    if (result.kind !== 'busy') return result;
  }
  return { kind: 'busy' };
}

function resolution(deps: PaymentDeps, request: ResolveRequest, reason: string, outcome: string, source: Resolution['source'], provider: ProviderState | undefined): Resolution {
  return {
    at: new Date(deps.now()).toISOString(),
    by: request.by,
    role: request.role,
    note: request.note,
    outcome,
    source,
    ...(request.refund_request_no !== undefined ? { refund_request_no: request.refund_request_no } : {}),
    reason,
    ...(provider ? { provider } : {}),
  };
}

async function queryProvider(deps: PaymentDeps, order: Order) {
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay.query(terminal, order.sn ? { sn: order.sn } : { client_sn: order.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  return { outcome, provider: 'order' in outcome && outcome.order ? providerState(rawOf(outcome), outcome.order) : rawOf(outcome) ? providerState(rawOf(outcome)) : undefined };
}

/** The order status a final provider verdict books, if it fits our amounts. */
function providerOutcome(order: Order, verdict: ReturnType<typeof queryVerdict>): OrderOutcome | undefined {
  if (verdict.order && verdict.order.total_amount !== order.total_amount) return undefined;
  if (verdict.kind === 'paid') return 'PAID';
  if (verdict.kind === 'not_paid') return 'PAY_CANCELED';
  if (verdict.kind === 'canceled') return 'CANCELED';
  return undefined;
}

function orderChanges(order: Order, outcome: OrderOutcome, nowMs: number): Changes<Order> | string {
  const finished = { finished_at: order.finished_at ?? new Date(nowMs).toISOString(), work: null, attention: null, reversal: null };
  if (outcome === 'PAID') {
    const status = order.refunded_amount === 0 ? 'PAID' : order.refunded_amount === order.total_amount ? 'REFUNDED' : 'PARTIAL_REFUNDED';
    return { ...finished, order_status: status, net_amount: order.total_amount - order.refunded_amount };
  }
  if (order.refund_committed > 0) return `an order with refunds cannot be booked ${outcome}`;
  return { ...finished, order_status: outcome, net_amount: 0 };
}

async function resolveOrder(deps: PaymentDeps, found: OrderWithRefunds, request: ResolveRequest): Promise<ResolveResult> {
  const { order } = found;
  if (!order.attention) return { kind: 'conflict', message: 'this order has no open case', field: 'order_id' };
  // A reversal asked for after the case opened is still with the provider: its outcome settles
  // the order (or opens the case again); a word booked now would end its work and be undone by it.
  if (order.work) return { kind: 'conflict', message: 'a reversal of this order is under way; resolve it once that ends', field: 'order_id' };
  if (request.outcome !== undefined && !(ORDER_OUTCOMES as readonly string[]).includes(request.outcome)) {
    return { kind: 'conflict', message: `an order case is resolved as one of ${ORDER_OUTCOMES.join(', ')}`, field: 'outcome' };
  }
  const { outcome: reply, provider } = await queryProvider(deps, order);
  const fromProvider = providerOutcome(order, queryVerdict(reply));
  const outcome = fromProvider ?? (request.outcome as OrderOutcome | undefined);
  if (outcome === undefined) return { kind: 'not_final', message: 'the provider shows no final state for this order; give an outcome to book one' };
  const changes = orderChanges(order, outcome, deps.now());
  if (typeof changes === 'string') return { kind: 'conflict', message: changes, field: 'outcome' };
  const last = provider ?? order.provider;
  const booked = await deps.ledger.updateOrder(order, {
    ...changes,
    ...(fromProvider && provider ? { provider } : {}),
    resolutions: [...(order.resolutions ?? []), resolution(deps, request, order.attention.reason, outcome, fromProvider ? 'provider' : 'manual', last)],
  });
  if (!booked) return { kind: 'busy' };
  deps.telemetry.count('AttentionResolved');
  deps.telemetry.info('case resolved', { order_id: order.order_id, outcome, source: fromProvider ? 'provider' : 'manual' });
  return { kind: 'resolved', found: { order: booked, refunds: found.refunds } };
}

/** A refund's final state as the provider's latest transaction shows it, if it is this refund's. */
function providerRefundOutcome(order: Order, refund: Refund, reply: Awaited<ReturnType<typeof queryProvider>>['outcome']): RefundOutcome | undefined {
  if (reply.kind !== 'found' || reply.order.client_tsn !== `${order.client_sn}-${refund.refund_request_no}`) return undefined;
  if (reply.order.status === 'SUCCESS') return 'REFUND_SUCCESS';
  if (reply.order.status === 'FAIL_CANCELED') return 'REFUND_FAIL';
  return undefined;
}

async function resolveRefund(deps: PaymentDeps & { cases: CaseWriter }, found: OrderWithRefunds, request: ResolveRequest, refundNo: string): Promise<ResolveResult> {
  const { order } = found;
  const refund = found.refunds.find((one) => one.refund_request_no === refundNo);
  if (!refund) return { kind: 'not_found', field: 'refund_request_no' };
  if (!refund.attention) return { kind: 'conflict', message: 'this refund has no open case', field: 'refund_request_no' };
  if (request.outcome !== undefined && !(REFUND_OUTCOMES as readonly string[]).includes(request.outcome)) {
    return { kind: 'conflict', message: `a refund case is resolved as one of ${REFUND_OUTCOMES.join(', ')}`, field: 'outcome' };
  }
  const { outcome: reply, provider } = await queryProvider(deps, order);
  const fromProvider = providerRefundOutcome(order, refund, reply);
  const outcome = fromProvider ?? (request.outcome as RefundOutcome | undefined);
  if (outcome === undefined) return { kind: 'not_final', message: 'the provider shows no final state for this refund; give an outcome to book one' };
  // The refund's amount stayed reserved while it was open: a success books it, a failure frees it.
  if (outcome === 'REFUND_SUCCESS' && (!isRefundable(order) || order.refunded_amount + refund.refund_amount > order.total_amount)) {
    return { kind: 'conflict', message: `the order in ${order.order_status} with ${order.refunded_amount} refunded cannot take this refund`, field: 'outcome' };
  }
  const now = new Date(deps.now()).toISOString();
  const entry = resolution(deps, request, refund.attention.reason, outcome, fromProvider ? 'provider' : 'manual', provider ?? refund.provider);
  const refunded = outcome === 'REFUND_SUCCESS' ? refund.refund_amount : 0;
  const newRefunded = order.refunded_amount + refunded;
  const settled = await deps.cases.settleRefundCase(order, refund, {
    refund: { status: outcome, finished_at: now, attention: null, work: null, ...(fromProvider && provider ? { provider } : {}) },
    order: {
      resolutions: [...(order.resolutions ?? []), entry],
      ...(refunded > 0 ? { order_status: newRefunded === order.total_amount ? 'REFUNDED' : 'PARTIAL_REFUNDED' } : {}),
    },
    refunded,
    released: outcome === 'REFUND_FAIL' ? refund.refund_amount : 0,
  });
  if (!settled) return { kind: 'busy' };
  deps.telemetry.count('AttentionResolved');
  deps.telemetry.info('case resolved', { order_id: order.order_id, refund_request_no: refundNo, outcome, source: fromProvider ? 'provider' : 'manual' });
  const after = await deps.ledger.getOrder(order.order_id);
  return after ? { kind: 'resolved', found: after } : { kind: 'not_found', field: 'order_id' };
}
