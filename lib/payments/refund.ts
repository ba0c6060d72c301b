// Refunds: many partial refunds per order. The app's refund_request_no is the idempotency
// key here and at the provider. The amount is reserved on the order before the provider is
// called, so concurrent refunds can never pass the paid amount (invariant 3). An unknown
// outcome runs the provider's exception flow: query, and if the order does not show this
// refund, send it again with the same refund_request_no; REFUND_ERROR calls a person.
import { randomUUID } from 'node:crypto';
import { checkRequest, type RefundOutcome } from '../upay/index.js';
import type { PaymentDeps } from './deps.js';
import { isRefundable, type Order, type OrderWithRefunds, type ProviderState, type Refund } from './model.js';
import { callProvider, rawOf } from './open-order.js';
import { findOrder } from './query.js';
import { nextTry } from './retry-policy.js';
import { refundWakeUp, scheduleWork } from './schedule.js';
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
  | { kind: 'refused'; code: 'ORDER_NOT_REFUNDABLE' | 'REFUND_EXCEEDS_NET' | 'CONFLICT' | 'BUSY'; message: string };

/** A provider that keeps saying "in progress" is polled ever more slowly for this long. */
const IN_PROGRESS_PATIENCE_MS = 24 * 3_600_000;
const SLOWEST_POLL_MS = 10 * 60_000;
/** Settlements of one order's refunds are serialised by a condition: each race lets one through. */
const SETTLE_RACES = 25;

export async function refund(deps: PaymentDeps, input: RefundInput): Promise<RefundResult> {
  const started = deps.now();
  const found = await findOrder(deps, { order_id: input.order_id }, input.store_id);
  if (!found) return { kind: 'not_found' };
  const replay = found.refunds.find((r) => r.refund_request_no === input.refund_request_no);
  if (replay) return sameRefund(found, replay, input);
  const refused = localRefusal(found.order, input.refund_amount);
  if (refused) return refused;
  checkRequest.refund(found.order.terminal_sn, refundRequest(found.order, input));

  const fresh: Refund = {
    order_id: found.order.order_id,
    refund_request_no: input.refund_request_no,
    refund_amount: input.refund_amount,
    operator: input.operator,
    status: 'REFUND_IN_PROGRESS',
    created_at: new Date(started).toISOString(),
    attempt_id: randomUUID(),
    // The timer takes over only once this request can no longer be sending it too.
    work: { step: 'query', due_at: started + deps.timing.requestLifetimeMs, deadline_at: started, attempts: 0 },
    version: 1,
  };
  const reservation = await deps.ledger.reserveRefund(found.order, fresh);
  if (reservation.kind === 'exists') return sameRefund(found, reservation.refund, input);
  if (reservation.kind === 'busy') return { kind: 'refused', code: 'BUSY', message: 'another change to this order is under way; retry' };
  if (reservation.kind === 'refused') {
    const now = await findOrder(deps, { order_id: input.order_id }, input.store_id);
    return (now && localRefusal(now.order, input.refund_amount)) || { kind: 'refused', code: 'ORDER_NOT_REFUNDABLE', message: 'the order changed meanwhile; try again' };
  }

  const outcome = await sendRefund(deps, found.order, fresh);
  const settled = await settleFirstReply(deps, found.order, fresh, outcome);
  // One round of the exception flow, if this request still has time for two provider calls.
  if (!settled && deps.now() - started + 2 * deps.timing.providerTimeoutMs <= deps.timing.inRequestMs) {
    const current = await deps.ledger.getRefund(fresh.order_id, fresh.refund_request_no);
    if (current?.status === 'REFUND_IN_PROGRESS') await resolveRefund(deps, found.order, current);
  }
  const answered = await reread(deps, input);
  if (answered.kind === 'done') await scheduleWork(deps, refundWakeUp(answered.refund));
  return answered;
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

/**
 * A refund reply. Only a clean refusal releases the reserved amount: FAIL (nothing done) or
 * REFUND_FAIL whose transaction was cancelled. Any other FAIL_* status is, per the provider,
 * for a person. False when the outcome is still unknown.
 */
async function settleFirstReply(deps: PaymentDeps, order: Order, refund: Refund, outcome: RefundOutcome): Promise<boolean> {
  const provider = providerState(rawOf(outcome), 'order' in outcome ? outcome.order : undefined);
  switch (outcome.kind) {
    case 'refunded':
      await succeed(deps, order, refund, provider);
      return true;
    case 'rejected':
      await release(deps, refund, provider);
      return true;
    case 'failed':
      if (outcome.order?.status === undefined || outcome.order.status === 'FAIL_CANCELED') await release(deps, refund, provider);
      else await escalate(deps, refund, `REFUND_FAIL with transaction status ${outcome.order.status}`, provider);
      return true;
    case 'unknown':
      await escalate(deps, refund, outcome.reason, provider);
      return true;
    case 'in_progress':
    case 'transport':
      return false;
  }
}

async function release(deps: PaymentDeps, refund: Refund, provider: ProviderState): Promise<void> {
  const released = await settleTakingTurns(deps, refund, () =>
    deps.ledger.settleRefund(refund, { status: 'REFUND_FAIL', finished_at: new Date(deps.now()).toISOString(), provider, work: null }, { refunded: false }),
  );
  if (released) deps.telemetry.count('RefundFailed');
}

/**
 * Runs one settlement of an in-flight refund until it applies or another path settled the
 * refund: a write that collided with another write to the order changed nothing, so it is
 * tried again. False when it never applied (the refund stays in flight and due for the step timer).
 */
async function settleTakingTurns(deps: PaymentDeps, refund: Refund, attempt: (race: number) => Promise<boolean>): Promise<boolean> {
  for (let race = 0; race < SETTLE_RACES; race += 1) {
    if (await attempt(race)) return true;
    const latest = await deps.ledger.getRefund(refund.order_id, refund.refund_request_no);
    if (latest?.status !== 'REFUND_IN_PROGRESS') return false; // someone else settled it
    await deps.sleep(Math.random() * 20); // concurrent settlements of one order take turns
  }
  deps.telemetry.warn('refund settlement deferred to the timer', { order_id: refund.order_id, refund_request_no: refund.refund_request_no });
  return false;
}

/**
 * Books a refund the provider confirmed: the refund, the order's amounts and its status
 * (PARTIAL_REFUNDED, or REFUNDED when nothing is left) in one transaction, conditional on the
 * refunded amount it was computed from, so concurrent settlements cannot leave a stale status.
 */
async function succeed(deps: PaymentDeps, order: Order, refund: Refund, provider: ProviderState): Promise<void> {
  const settled = await settleTakingTurns(deps, refund, async (race) => {
    const current = race === 0 ? order : (await deps.ledger.getOrder(order.order_id))?.order;
    if (!current) return false;
    return deps.ledger.settleRefund(
      refund,
      { status: 'REFUND_SUCCESS', finished_at: new Date(deps.now()).toISOString(), provider, work: null, attention: null },
      { refunded: true, refundedBefore: current.refunded_amount },
      { order_status: current.refunded_amount + refund.refund_amount === current.total_amount ? 'REFUNDED' : 'PARTIAL_REFUNDED' },
    );
  });
  // Not settled here: still in flight and due, the timer's step books it (a resend of the same number replays the success).
  if (settled) deps.telemetry.count('RefundSucceeded');
}

/** The reserved amount stays reserved: the money may have moved, so it cannot be refunded twice. */
async function escalate(deps: PaymentDeps, refund: Refund, reason: string, provider?: ProviderState): Promise<void> {
  const current = (await deps.ledger.getRefund(refund.order_id, refund.refund_request_no)) ?? refund;
  if (current.status !== 'REFUND_IN_PROGRESS') return;
  const escalated = await deps.ledger.updateRefund(current, {
    status: 'REFUND_ERROR',
    attention: { reason, at: new Date(deps.now()).toISOString() },
    work: null,
    ...(provider ? { provider } : {}),
  });
  if (!escalated) return; // another path moved it first; it decides
  deps.telemetry.count('NeedsAttention');
  deps.telemetry.warn('refund needs attention', { order_id: refund.order_id, refund_request_no: refund.refund_request_no, reason });
}

/**
 * The provider's refund exception flow, one round: query; if the order's latest transaction
 * is this refund, its status decides; else send it again with the same refund_request_no.
 * The provider answers a resend with the original's outcome. A round that learns nothing
 * counts an attempt; a provider that says "in progress" is polled ever more slowly.
 * Returns true when settled or escalated.
 */
export async function resolveRefund(deps: PaymentDeps, order: Order, refund: Refund): Promise<boolean> {
  const query = await callProvider(deps, order.terminal_sn, (terminal) =>
    deps.upay.query(terminal, { client_sn: order.client_sn }, { timeoutMs: deps.timing.providerTimeoutMs }),
  );
  if (query.kind === 'found' && query.order.client_tsn === `${order.client_sn}-${refund.refund_request_no}`) {
    const provider = providerState(query.raw, query.order);
    const status = query.order.status;
    if (status === 'SUCCESS') {
      await succeed(deps, order, refund, provider);
      return true;
    }
    if (status?.startsWith('FAIL') || status === 'REFUND_ERROR') {
      await escalate(deps, refund, `refund transaction status ${status}`, provider);
      return true;
    }
    return reschedule(deps, refund, true);
  }
  const resent = await sendRefund(deps, order, refund);
  if (resent.kind === 'rejected') {
    // The provider answers a resent refund_request_no with the original's outcome; a refusal
    // instead may hide a refund the first send made, so a person decides.
    await escalate(deps, refund, `resent refund refused: ${resent.error_code ?? 'FAIL'}`, providerState(resent.raw));
    return true;
  }
  if (await settleFirstReply(deps, order, refund, resent)) return true;
  return reschedule(deps, refund, resent.kind === 'in_progress');
}

async function reschedule(deps: PaymentDeps, refund: Refund, inProgress: boolean): Promise<boolean> {
  const current = await deps.ledger.getRefund(refund.order_id, refund.refund_request_no);
  if (!current?.work || current.status !== 'REFUND_IN_PROGRESS') return true;
  const now = deps.now();
  if (inProgress) {
    if (now - Date.parse(current.created_at) > IN_PROGRESS_PATIENCE_MS) {
      await escalate(deps, current, 'refund still in progress at the provider after a day');
      return true;
    }
    const backoff = Math.min(SLOWEST_POLL_MS, deps.timing.pollIntervalMs * 2 ** Math.min(current.work.attempts, 16));
    await deps.ledger.updateRefund(current, { work: { ...current.work, attempts: current.work.attempts + 1, due_at: now + backoff } });
    return false;
  }
  // Nothing learnt (the provider away or in maintenance): resending the same number is safe,
  // so it is tried again with backoff for hours before a person is called (retry-policy.ts).
  const due = nextTry(deps.timing, Date.parse(current.created_at), now);
  if (due === undefined) {
    await escalate(deps, current, 'refund outcome unknown for hours');
    return true;
  }
  await deps.ledger.updateRefund(current, { work: { ...current.work, attempts: current.work.attempts + 1, due_at: due } });
  return false;
}
