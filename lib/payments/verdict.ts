// What the provider's word means for our order, as one small set of verdicts, and the
// ledger change each verdict makes. Pure: every flow (pay, precreate, query, notify,
// the timer's steps, cancel, revoke) settles orders through here, so they cannot disagree.
import type { RawCodes, UpayOrder } from '../upay/index.js';
import type { Changes } from '../store/ledger.js';
import type { Order, ProviderState } from './model.js';

export type Verdict =
  | { kind: 'paid'; order: UpayOrder }
  /** Final, no money moved (`PAY_FAIL`, `PAY_CANCELED`, or the provider never created it). */
  | { kind: 'not_paid'; reason: string; order?: UpayOrder }
  /** Reversed in full by cancel or revoke. */
  | { kind: 'canceled'; order?: UpayOrder }
  /** Still moving: look again later. */
  | { kind: 'open'; reason: string; order?: UpayOrder }
  /** The provider itself does not know: a person must look (invariant 1). */
  | { kind: 'attention'; reason: string; order?: UpayOrder };

/** The verdict an order report from the provider (query, notify, any reply's data) carries. */
export function verdictOf(order: UpayOrder): Verdict {
  switch (order.order_status) {
    case 'PAID':
    case 'PARTIAL_REFUNDED':
    case 'REFUNDED':
      return { kind: 'paid', order };
    case 'PAY_CANCELED':
      return { kind: 'not_paid', reason: 'PAY_CANCELED', order };
    case 'CANCELED':
      return { kind: 'canceled', order };
    case 'CREATED':
    case 'CANCEL_INPROGRESS':
      return { kind: 'open', reason: order.order_status, order };
    case 'PAY_ERROR':
    case 'REFUND_ERROR':
    case 'CANCEL_ERROR':
    case 'INVALID_STATUS_CODE':
      return { kind: 'attention', reason: `provider order status ${order.order_status}`, order };
  }
}

export function providerState(raw: RawCodes | undefined, order?: UpayOrder): ProviderState {
  return { ...raw, ...(order?.status ? { status: order.status } : {}), ...(order ? { order_status: order.order_status } : {}) };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Where the provider keeps the order: stored from every reply that carries it, so a person can look it up. */
export function identity(order: UpayOrder | undefined): Changes<Order> {
  if (!order) return {};
  return {
    sn: order.sn,
    ...(order.trade_no ? { trade_no: order.trade_no } : {}),
    ...(order.payway ? { payway: order.payway } : {}),
    ...(order.sub_payway ? { sub_payway: order.sub_payway } : {}),
  };
}

/**
 * The change a verdict makes to our order, or undefined when it changes nothing. Money
 * is checked, not trusted: a provider total that differs from ours calls a person.
 */
export function changesFor(current: Order, verdict: Verdict, raw: RawCodes | undefined, nowMs: number): Changes<Order> | undefined {
  const provider = providerState(raw, verdict.order);
  if (verdict.order && verdict.order.total_amount !== current.total_amount) {
    return attentionChanges(`provider total ${verdict.order.total_amount} differs from ours ${current.total_amount}`, nowMs, provider);
  }
  switch (verdict.kind) {
    case 'paid':
      // Our reversal is still on its way: only its own outcome settles the order.
      if (current.reversal) return undefined;
      if (current.order_status === 'PAY_CANCELED' || current.order_status === 'CANCELED') {
        return sameAttention(current, `provider reports the order PAID; we hold it as ${current.order_status}`) ? undefined : attentionChanges(`provider reports the order PAID; we hold it as ${current.order_status}`, nowMs, provider);
      }
      if (current.order_status !== 'CREATED' && current.order_status !== 'PAY_ERROR' && current.order_status !== 'CANCEL_ERROR') return undefined;
      return {
        ...identity(verdict.order),
        order_status: 'PAID',
        net_amount: current.total_amount - current.refunded_amount,
        finished_at: iso(verdict.order.finish_time ?? nowMs),
        work: null,
        attention: null,
        provider,
      };
    case 'not_paid':
      if (current.order_status === 'PAY_CANCELED') return undefined;
      if (current.order_status !== 'CREATED') {
        const reason = `provider says ${verdict.reason} for an order we hold as ${current.order_status}`;
        return sameAttention(current, reason) ? undefined : attentionChanges(reason, nowMs, provider);
      }
      return {
        ...identity(verdict.order),
        order_status: 'PAY_CANCELED',
        net_amount: 0,
        failure_reason: verdict.reason,
        reversal: null,
        finished_at: iso(nowMs),
        work: null,
        attention: null,
        provider,
      };
    case 'canceled':
      if (current.order_status === 'CANCELED') return undefined;
      if (current.refund_committed > 0) {
        const reason = 'provider reports CANCELED for an order with refunds';
        return sameAttention(current, reason) ? undefined : attentionChanges(reason, nowMs, provider);
      }
      return { ...identity(verdict.order), order_status: 'CANCELED', net_amount: 0, reversal: null, finished_at: iso(nowMs), work: null, attention: null, provider };
    case 'open':
      // Nothing settled yet, but a reply that numbers the order says where to find it.
      return verdict.order && verdict.order.sn !== current.sn ? identity(verdict.order) : undefined;
    case 'attention':
      if (sameAttention(current, verdict.reason)) return undefined;
      return {
        ...attentionChanges(verdict.reason, nowMs, provider, verdict.order),
        // An order that never settled shows the provider's word (PAY_ERROR …); a settled one keeps its status.
        ...(verdict.order && current.order_status === 'CREATED' ? { order_status: verdict.order.order_status } : {}),
      };
  }
}

/** Already flagged for this reason, and nothing left scheduled: writing again would change nothing. */
const sameAttention = (current: Order, reason: string) => current.attention?.reason === reason && current.work === undefined;

export function attentionChanges(reason: string, nowMs: number, provider?: ProviderState, order?: UpayOrder): Changes<Order> {
  return { ...identity(order), attention: { reason, at: iso(nowMs) }, work: null, ...(provider ? { provider } : {}) };
}
