// Refunds: many partial refunds per order. The app's refund_request_no is the idempotency
// key here and at the provider. The amount is reserved on the order before the provider is
// called, so concurrent refunds can never pass the paid amount (invariant 3). An unknown
// outcome runs the provider's exception flow: query, and if the order does not show this
// refund, send it again with the same refund_request_no; REFUND_ERROR calls a person.
import { checkRequest, type RefundOutcome } from '../upay/index.js';
import type { PaymentDeps } from './deps.js';
import { isRefundable, type Order, type OrderWithRefunds, type Refund } from './model.js';
import { callProvider, rawOf } from './open-order.js';
import { findOrder } from './query.js';
import { applyChanges } from './settle.js';
import { providerState } from './verdict.js';

export interface RefundInput {
  store_id: string;
  order_id: string;
  refund_request_no: string;
  refund_amount: number;
  operator: string;
}

export type RefundResult =
  | { kind: 'done'; found: OrderWithRefunds; refund: Refund }
  | { kind: 'not_found' }
  | { kind: 'refused'; code: 'ORDER_NOT_REFUNDABLE' | 'REFUND_EXCEEDS_NET' | 'CONFLICT'; message: string };

export async function refund(deps: PaymentDeps, input: RefundInput): Promise<RefundResult> {
  const found = await findOrder(deps, { order_id: input.order_id }, input.store_id);
  if (!found) return { kind: 'not_found' };
  const replay = found.refunds.find((r) => r.refund_request_no === input.refund_request_no);
  if (replay) return sameRefund(found, replay, input);
  const refused = localRefusal(found.order, input.refund_amount);
  if (refused) return refused;

  checkRequest.refund(found.order.terminal_sn, refundRequest(found.order, input));
  const now = deps.now();
  const fresh: Refund = {
    order_id: found.order.order_id,
    refund_request_no: input.refund_request_no,
    refund_amount: input.refund_amount,
    operator: input.operator,
    status: 'REFUND_IN_PROGRESS',
    created_at: new Date(now).toISOString(),
    work: { step: 'query', due_at: now + deps.timing.providerTimeoutMs + deps.timing.pollIntervalMs, deadline_at: now, attempts: 0 },
    version: 1,
  };
  const reservation = await deps.ledger.reserveRefund(found.order, fresh);
  if (reservation.kind === 'exists') return sameRefund(found, reservation.refund, input);
  if (reservation.kind === 'refused') {
    const now = await findOrder(deps, { order_id: input.order_id }, input.store_id);
    return (now && localRefusal(now.order, input.refund_amount)) || { kind: 'refused', code: 'ORDER_NOT_REFUNDABLE', message: 'the order changed meanwhile; try again' };
  }

  const outcome = await sendRefund(deps, found.order, fresh);
  if (!(await settleRefundOutcome(deps, found.order, fresh, outcome))) await resolveRefund(deps, found.order, fresh);
  return reread(deps, input);
}

function sameRefund(found: OrderWithRefunds, existing: Refund, input: RefundInput): RefundResult {
  if (existing.refund_amount !== input.refund_amount) {
    return { kind: 'refused', code: 'CONFLICT', message: `refund_request_no ${input.refund_request_no} was used for another amount` };
  }
  return { kind: 'done', found, refund: existing };
}

function localRefusal(order: Order, amount: number): RefundResult | undefined {
  if (!isRefundable(order)) return { kind: 'refused', code: 'ORDER_NOT_REFUNDABLE', message: `an order in ${order.order_status} cannot be refunded` };
  const room = order.total_amount - order.refund_committed;
  if (amount > room) return { kind: 'refused', code: 'REFUND_EXCEEDS_NET', message: `at most ${room} cents can still be refunded` };
  return undefined;
}

async function reread(deps: PaymentDeps, input: RefundInput): Promise<RefundResult> {
  const found = await findOrder(deps, { order_id: input.order_id }, input.store_id);
  const refund = found?.refunds.find((r) => r.refund_request_no === input.refund_request_no);
  if (!found || !refund) throw new Error(`refund ${input.refund_request_no} vanished`);
  return { kind: 'done', found, refund };
}

const refundRequest = (order: Order, refund: Pick<Refund, 'refund_request_no' | 'refund_amount' | 'operator'>) => ({
  client_sn: order.client_sn,
  refund_request_no: refund.refund_request_no,
  refund_amount: refund.refund_amount,
  operator: refund.operator,
});

function sendRefund(deps: PaymentDeps, order: Order, refund: Refund) {
  return callProvider(deps, order.terminal_sn, (terminal) => deps.upay.refund(terminal, refundRequest(order, refund), { timeoutMs: deps.timing.providerTimeoutMs }));
}

/** Settles a refund from a refund reply; false when the outcome is still unknown. */
async function settleRefundOutcome(deps: PaymentDeps, order: Order, refund: Refund, outcome: RefundOutcome): Promise<boolean> {
  const now = new Date(deps.now()).toISOString();
  const provider = providerState(rawOf(outcome), 'order' in outcome ? outcome.order : undefined);
  switch (outcome.kind) {
    case 'refunded':
      await succeed(deps, order, refund, provider);
      return true;
    case 'failed':
    case 'rejected':
      // Nothing moved: release the reserved amount.
      await deps.ledger.settleRefund(refund, { status: 'REFUND_FAIL', finished_at: now, provider, work: null }, { refunded: false });
      deps.telemetry.count('RefundFailed');
      return true;
    case 'unknown':
      await escalate(deps, refund, outcome.reason, provider);
      return true;
    case 'in_progress':
    case 'transport':
      return false;
  }
}

async function succeed(deps: PaymentDeps, order: Order, refund: Refund, provider: ReturnType<typeof providerState>): Promise<void> {
  const settled = await deps.ledger.settleRefund(
    refund,
    { status: 'REFUND_SUCCESS', finished_at: new Date(deps.now()).toISOString(), provider, work: null, attention: null },
    { refunded: true },
    { order_status: 'PARTIAL_REFUNDED' },
  );
  if (!settled) return;
  deps.telemetry.count('RefundSucceeded');
  const after = await deps.ledger.getOrder(order.order_id);
  if (after && after.order.net_amount === 0 && after.order.order_status !== 'REFUNDED') {
    await applyChanges(deps, after.order, (current) => (current.net_amount === 0 && current.order_status !== 'REFUNDED' ? { order_status: 'REFUNDED' } : undefined));
  }
}

/** The reserved amount stays reserved: the money may have moved, so it cannot be refunded twice. */
async function escalate(deps: PaymentDeps, refund: Refund, reason: string, provider?: ReturnType<typeof providerState>): Promise<void> {
  const current = (await deps.ledger.getRefund(refund.order_id, refund.refund_request_no)) ?? refund;
  if (current.status !== 'REFUND_IN_PROGRESS') return;
  await deps.ledger.updateRefund(current, {
    status: 'REFUND_ERROR',
    attention: { reason, at: new Date(deps.now()).toISOString() },
    work: null,
    ...(provider ? { provider } : {}),
  });
  deps.telemetry.count('NeedsAttention');
  deps.telemetry.warn('refund needs attention', { order_id: refund.order_id, refund_request_no: refund.refund_request_no, reason });
}

/**
 * The provider's refund exception flow, one round: query; done if the order's latest
 * transaction is this refund; else send it again with the same refund_request_no. A round
 * that learns nothing counts an attempt; too many call a person. Returns true when settled.
 */
export async function resolveRefund(deps: PaymentDeps, order: Order, refund: Refund): Promise<boolean> {
  const query = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay.query(terminal, { client_sn: order.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  if (query.kind === 'found' && query.order.client_tsn === `${order.client_sn}-${refund.refund_request_no}`) {
    const provider = providerState(query.raw, query.order);
    if (query.order.status === 'SUCCESS') {
      await succeed(deps, order, refund, provider);
      return true;
    }
    if (query.order.status?.startsWith('FAIL') || query.order.status === 'REFUND_ERROR') {
      await escalate(deps, refund, `refund transaction status ${query.order.status}`, provider);
      return true;
    }
  } else if (await settleRefundOutcome(deps, order, refund, await sendRefund(deps, order, refund))) {
    return true;
  }
  const current = await deps.ledger.getRefund(refund.order_id, refund.refund_request_no);
  if (!current?.work || current.status !== 'REFUND_IN_PROGRESS') return true;
  const attempts = current.work.attempts + 1;
  if (attempts >= deps.timing.maxAttempts) {
    await escalate(deps, current, `refund outcome unknown after ${attempts} attempts`);
    return true;
  }
  await deps.ledger.updateRefund(current, { work: { ...current.work, attempts, due_at: deps.now() + deps.timing.pollIntervalMs } });
  return false;
}
