// Order events for the merchant's other systems, derived from changes of ledger items (the
// table's stream in AWS, DynamoDB Local's stream locally): one event per change of an
// order's order_status, of a refund's status, and per attention case opened or resolved.
// The same record always yields the same events with the same event_id, so a consumer of
// an at-least-once delivery drops what it has seen.
import { orderView } from '../api/order-view.js';
import type { OrderView } from '../api/schemas/payments.js';
import type { Order, OrderWithRefunds, Refund } from '../payments/model.js';

/** The `source` of every event on the bus. */
export const EVENT_SOURCE = 'upay.orders';

/** A ledger item before and after one change; `id` is the change's own id (the stream record's eventID). */
export interface ItemChange {
  id: string;
  old?: Record<string, unknown>;
  new?: Record<string, unknown>;
}

/** What changed, before the order view is attached. */
export interface EventHead {
  event_id: string;
  detail_type: string;
  order_id: string;
  refund_request_no?: string;
}

/** An event as it goes to the bus: `detail_type` becomes its detail-type, the rest its detail. */
export type OrderEvent = EventHead & OrderView;

// The ledger's item keys (lib/store/ledger.ts): an order and its refunds share a partition.
const ORDER_PK = /^ORDER#(.+)$/;
const ORDER_SK = 'ORDER';
const REFUND_SK = /^REFUND#(.+)$/;

export type Item = { kind: 'order'; order_id: string } | { kind: 'refund'; order_id: string; refund_request_no: string };

/** The ledger item an image is of (an order or a refund); undefined for any other item. */
export function itemOf(image: Record<string, unknown> | undefined): Item | undefined {
  const orderId = ORDER_PK.exec(String(image?.pk ?? ''))?.[1];
  if (!orderId) return undefined;
  const sk = String(image?.sk ?? '');
  if (sk === ORDER_SK) return { kind: 'order', order_id: orderId };
  const refundNo = REFUND_SK.exec(sk)?.[1];
  return refundNo ? { kind: 'refund', order_id: orderId, refund_request_no: refundNo } : undefined;
}

const token = (status: string) => status.toLowerCase();

/** `order.paid`, `order.refunded`, `order.canceled`, … (one per provider order_status). */
export const orderStatusType = (status: string) => `order.${token(status)}`;
/** `order.refund.in_progress`, `order.refund.success`, `order.refund.fail`, `order.refund.error`. */
export const refundStatusType = (status: string) => `order.refund.${token(status.replace(/^REFUND_/, ''))}`;
export const ATTENTION_OPENED = 'order.attention';
export const ATTENTION_RESOLVED = 'order.attention_resolved';

const attentionOf = (image: Record<string, unknown> | undefined) => (image?.attention as { reason?: string } | undefined)?.reason;

/** The events one change stands for, in the order they happened (status first, then attention). */
export function eventHeads(change: ItemChange): EventHead[] {
  const item = itemOf(change.new ?? change.old);
  if (!item || !change.new) return []; // only TTL removes ledger items, and no order item has a TTL
  const statusField = item.kind === 'order' ? 'order_status' : 'status';
  const before = change.old?.[statusField];
  const after = change.new[statusField];
  const types: string[] = [];
  if (typeof after === 'string' && after !== before) types.push(item.kind === 'order' ? orderStatusType(after) : refundStatusType(after));
  const attentionBefore = attentionOf(change.old);
  const attentionAfter = attentionOf(change.new);
  if (attentionAfter !== undefined && attentionBefore === undefined) types.push(ATTENTION_OPENED);
  if (attentionAfter === undefined && attentionBefore !== undefined) types.push(ATTENTION_RESOLVED);
  const refund = item.kind === 'refund' ? { refund_request_no: item.refund_request_no } : {};
  return types.map((detail_type) => ({ event_id: `${change.id}:${detail_type}`, detail_type, order_id: item.order_id, ...refund }));
}

const INTERNAL = ['pk', 'sk', 'due_shard', 'due_at', 'sn_index'];
function strip<T>(image: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(image).filter(([name]) => !INTERNAL.includes(name))) as T;
}

/**
 * The order as the change left it: the changed item from the change itself, its siblings
 * from `current` (read after the change). Undefined when the order is not (yet) readable.
 */
export function stateAfter(change: ItemChange, current: OrderWithRefunds | undefined): OrderWithRefunds | undefined {
  const item = itemOf(change.new);
  if (!item || !change.new) return undefined;
  if (item.kind === 'order') return { order: strip<Order>(change.new), refunds: current?.refunds ?? [] };
  if (!current) return undefined;
  const refund = strip<Refund>(change.new);
  return { order: current.order, refunds: [...current.refunds.filter((other) => other.refund_request_no !== refund.refund_request_no), refund] };
}

/** The events with the order view as detail: never a key, never an internal attribute. */
export function orderEvents(change: ItemChange, current: OrderWithRefunds | undefined): OrderEvent[] {
  const heads = eventHeads(change);
  if (heads.length === 0) return [];
  const state = stateAfter(change, current);
  if (!state) throw new Error(`order ${heads[0]?.order_id} of change ${change.id} is not readable`);
  const view = orderView(state);
  return heads.map((head) => ({ ...view, ...head }));
}

/** The order a change belongs to, to read its siblings; undefined for items that are not the ledger's. */
export const orderIdOf = (change: ItemChange) => itemOf(change.new ?? change.old)?.order_id;
