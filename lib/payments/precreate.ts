// Precreate (C scans B): the provider returns a QR code value (or, for WAP and mini-program,
// a wallet request for the app); the order stays open until the customer pays, the provider
// expires it (PAY_CANCELED) or we cancel it. The step timer polls it on the provider's schedule;
// a notify callback only makes us look sooner.
import { checkRequest, type PrecreateRequest } from '../upay/index.js';
import type { PaymentDeps } from './deps.js';
import type { Order } from './model.js';
import { callProvider, newOrder, rawOf, recordOrder, type OpenResult, type OrderInput } from './open-order.js';
import { precreateVerdict } from './outcomes.js';
import { orderWakeUp, scheduleWork } from './schedule.js';
import { applyChanges, settle } from './settle.js';

export async function precreate(deps: PaymentDeps, input: OrderInput<PrecreateRequest>): Promise<OpenResult> {
  const started = deps.now();
  const { timing } = deps;
  const request = { ...input.request, ...(deps.notifyUrl ? { notify_url: deps.notifyUrl } : {}) };
  checkRequest.precreate(input.terminal_sn, request);
  const order = newOrder('precreate', input, started, { dueInMs: timing.providerTimeoutMs + timing.precreateFastPollMs, deadlineInMs: timing.precreateDeadlineMs });
  const recorded = await recordOrder(deps, order);
  if (recorded.kind !== 'created') return recorded;

  const outcome = await callProvider(deps, order.terminal_sn, (terminal) => deps.upay.precreate(terminal, request, { timeoutMs: timing.providerTimeoutMs }));
  deps.telemetry.count(`Precreate_${outcome.kind}`);
  if (outcome.kind !== 'created') return opened(deps, await settle(deps, order, precreateVerdict(outcome), rawOf(outcome)));

  const { order: created } = outcome;
  const updated = await applyChanges(deps, order, (current) =>
    current.order_status !== 'CREATED' || current.qr_code || current.wap_pay_request
      ? undefined
      : {
          sn: created.sn,
          ...(created.qr_code ? { qr_code: created.qr_code } : {}),
          ...(created.wap_pay_request ? { wap_pay_request: created.wap_pay_request } : {}),
          ...(created.sub_payway ? { sub_payway: created.sub_payway } : {}),
          provider: { ...outcome.raw, order_status: created.order_status },
          work: { step: 'query', due_at: deps.now() + timing.precreateFastPollMs, deadline_at: started + timing.precreateDeadlineMs, attempts: 0 },
        },
  );
  return opened(deps, updated);
}

async function opened(deps: PaymentDeps, order: Order): Promise<OpenResult> {
  await scheduleWork(deps, orderWakeUp(order));
  return { kind: 'created', found: { order, refunds: [] } };
}
