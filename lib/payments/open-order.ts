// Opening an order: record it first (unique client_sn by the table key), then talk to the
// provider. A retry of the same request finds the same order; the same client_sn with a
// different request is a conflict (invariant 2).
import { randomUUID } from 'node:crypto';
import type { Credentials, PayRequest, PrecreateRequest, RawCodes, TransportOutcome } from '../upay/index.js';
import { fingerprint, orderIdFor, type Order, type OrderKind, type OrderWithRefunds } from './model.js';
import type { PaymentDeps } from './deps.js';

export type OpenResult = { kind: 'created' | 'replayed'; found: OrderWithRefunds } | { kind: 'conflict'; message: string };

export interface OrderInput<R> {
  store_id: string;
  terminal_sn: string;
  request: R;
}

export function newOrder(kind: OrderKind, input: OrderInput<PayRequest | PrecreateRequest>, nowMs: number, work: { dueInMs: number; deadlineInMs: number }): Order {
  const { request } = input;
  return {
    order_id: orderIdFor(request.client_sn),
    kind,
    client_sn: request.client_sn,
    store_id: input.store_id,
    terminal_sn: input.terminal_sn,
    order_status: 'CREATED',
    total_amount: request.total_amount,
    net_amount: 0,
    refunded_amount: 0,
    refund_committed: 0,
    ...(request.payway ? { payway: request.payway } : {}),
    ...('sub_payway' in request && request.sub_payway ? { sub_payway: request.sub_payway } : {}),
    subject: request.subject,
    ...(request.description ? { description: request.description } : {}),
    operator: request.operator,
    created_at: new Date(nowMs).toISOString(),
    request_hash: fingerprint({ kind, terminal_sn: input.terminal_sn, ...request }),
    attempt_id: randomUUID(),
    work: { step: 'query', due_at: nowMs + work.dueInMs, deadline_at: nowMs + work.deadlineInMs, attempts: 0 },
    version: 1,
  };
}

export async function recordOrder(deps: PaymentDeps, order: Order): Promise<OpenResult> {
  const recorded = await deps.ledger.createOrder(order);
  if (recorded.created) return { kind: 'created', found: { order, refunds: [] } };
  const { existing } = recorded;
  if (existing.order.request_hash === order.request_hash && existing.order.store_id === order.store_id) return { kind: 'replayed', found: existing };
  return { kind: 'conflict', message: `client_sn ${order.client_sn} is already used by another order` };
}

/**
 * Calls the provider for a terminal. A throw from here can only come before anything was
 * sent (no key, a request the client refused), so it becomes "not sent", never unknown.
 */
export async function callProvider<T extends { kind: string }>(
  deps: PaymentDeps,
  terminalSn: string,
  send: (credentials: Credentials) => Promise<T>,
): Promise<T | TransportOutcome> {
  try {
    return await deps.signer.call(terminalSn, send);
  } catch (error) {
    deps.telemetry.error('provider call not sent', { terminal_sn: terminalSn, error: (error as Error).name });
    return { kind: 'transport', failure: { kind: 'not_sent', cause: (error as Error).name } };
  }
}

export const rawOf = (outcome: { raw?: RawCodes }): RawCodes | undefined => outcome.raw;
