// Pay (B scans C), as the provider's sequence diagrams run it (protocol §6): pay; on
// in-progress or an unknown outcome, answer at once (or, if configured, poll `query` inside
// the request first) and leave the order to the step timer, which polls until the deadline
// and then cancels. The order and its next step are stored before the provider is called,
// so no order is left in limbo if this Lambda dies anywhere (invariant 1); a pay that
// settles at once makes no timer call.
import { checkRequest, type PayRequest, type TransportOutcome } from '../upay/index.js';
import type { PaymentDeps } from './deps.js';
import type { Order } from './model.js';
import { callProvider, newOrder, rawOf, recordOrder, type OpenResult, type OrderInput } from './open-order.js';
import { payVerdict, queryVerdict } from './outcomes.js';
import { payMayStillArrive } from './reversal.js';
import { orderWakeUp, scheduleWork } from './schedule.js';
import { applyChanges, settle } from './settle.js';
import { changesFor } from './verdict.js';

const TOO_LATE: TransportOutcome = { kind: 'transport', failure: { kind: 'not_sent', cause: 'the request outlived its lifetime before sending' } };

export const isOpen = (order: Order) => order.order_status === 'CREATED' && order.attention === undefined && order.reversal === undefined;

export async function pay(deps: PaymentDeps, input: OrderInput<PayRequest>): Promise<OpenResult> {
  const started = deps.now();
  const { timing } = deps;
  const request = { ...input.request, ...(deps.notifyUrl ? { notify_url: deps.notifyUrl } : {}) };
  checkRequest.pay(input.terminal_sn, request);
  // While the request may still poll, the timer keeps off; otherwise its first look is a poll
  // after the provider's answer, should this Lambda die before it schedules one.
  const dueInMs = timing.inRequestMs > 0 ? timing.requestLifetimeMs : timing.providerTimeoutMs + timing.pollIntervalMs;
  const order = newOrder('pay', input, started, { dueInMs, deadlineInMs: timing.payDeadlineMs });
  const recorded = await recordOrder(deps, order);
  if (recorded.kind !== 'created') return recorded;

  // The timer takes "no such order" as final once the request's lifetime is over. A request
  // answered early (503 before the Lambda timeout) is frozen, not killed, and may resume on a
  // later invocation: past its lifetime it must not send at all.
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) =>
    payMayStillArrive(deps, order) ? deps.upay.pay(terminal, request, { timeoutMs: timing.providerTimeoutMs }) : Promise.resolve(TOO_LATE),
  );
  const verdict = payVerdict(outcome);
  // Left open: in the same write as the provider's answer, its first poll an interval from now.
  const settled = await applyChanges(deps, order, (current) => {
    const changes = changesFor(current, verdict, rawOf(outcome), deps.now());
    if (verdict.kind !== 'open' || timing.inRequestMs > 0 || !current.work || !isOpen(current)) return changes;
    return { ...changes, work: { ...current.work, due_at: deps.now() + timing.pollIntervalMs } };
  });
  deps.telemetry.count(`Pay_${outcome.kind}`);
  const answered = timing.inRequestMs > 0 ? await pollWhileOpen(deps, settled, started) : settled;
  await scheduleWork(deps, orderWakeUp(answered));
  return { kind: 'created', found: { order: answered, refunds: [] } };
}

/**
 * Polls `query` by client_sn while the order is open and a whole poll (interval plus a
 * provider call at its timeout) still fits in the request's time.
 */
export async function pollWhileOpen(deps: PaymentDeps, order: Order, started: number): Promise<Order> {
  const { timing } = deps;
  let current = order;
  while (isOpen(current) && deps.now() - started + timing.pollIntervalMs + timing.providerTimeoutMs <= timing.inRequestMs) {
    await deps.sleep(timing.pollIntervalMs);
    const outcome = await callProvider(deps, current.terminal_sn, (terminal) =>
      deps.upay.query(terminal, { client_sn: current.client_sn }, { timeoutMs: timing.providerTimeoutMs }),
    );
    current = await settle(deps, current, queryVerdict(outcome), rawOf(outcome));
  }
  // Still open here: a notify or the timer may have settled it meanwhile; answer the ledger's word.
  return isOpen(current) ? ((await deps.ledger.getOrder(current.order_id))?.order ?? current) : current;
}
