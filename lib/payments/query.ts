// Query answers from the ledger (invariant 6) and asks the provider only while the order
// is not final, or when the caller asks for a refresh.
import type { PaymentDeps } from './deps.js';
import { isFinal, orderIdFor, type OrderWithRefunds } from './model.js';
import { callProvider, rawOf } from './open-order.js';
import { queryVerdict } from './outcomes.js';
import { settle } from './settle.js';

export type OrderRef = { order_id: string } | { client_sn: string } | { sn: string };

/** The order as the caller's store may see it: another store's order does not exist for it. */
export async function findOrder(deps: PaymentDeps, ref: OrderRef, storeId: string): Promise<OrderWithRefunds | undefined> {
  const orderId = 'order_id' in ref ? ref.order_id : 'client_sn' in ref ? orderIdFor(ref.client_sn) : await deps.ledger.orderIdBySn(ref.sn);
  if (orderId === undefined) return undefined;
  const found = await deps.ledger.getOrder(orderId);
  return found && found.order.store_id === storeId ? found : undefined;
}

export async function queryOrder(deps: PaymentDeps, ref: OrderRef, storeId: string, refresh = false): Promise<OrderWithRefunds | undefined> {
  const found = await findOrder(deps, ref, storeId);
  if (!found || (!refresh && isFinal(found.order) && found.order.attention === undefined)) return found;
  // The provider asks to be polled every few seconds at most: of all the reads of one order,
  // one per polling interval asks it; the others answer from the ledger.
  if (!(await deps.ledger.claimRefresh(found.order.order_id, deps.now(), deps.timing.pollIntervalMs))) return found;
  return { ...found, order: await refreshOrder(deps, found) };
}

export async function refreshOrder(deps: PaymentDeps, { order }: OrderWithRefunds) {
  const ref = order.sn ? { sn: order.sn } : { client_sn: order.client_sn };
  const outcome = await callProvider(deps, order.terminal_sn, (terminal) => deps.upay.query(terminal, ref, { timeoutMs: deps.timing.providerTimeoutMs }));
  return settle(deps, order, queryVerdict(outcome), rawOf(outcome));
}
