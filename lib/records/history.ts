// A store's transactions of a day, newest first, a page at a time: what the cashier app
// shows as "today's transactions".
import type { Order, Refund } from '../payments/model.js';
import type { OrderSummary } from '../store/records.js';

export interface DayPageRequest {
  store_id: string;
  day: string;
  limit: number;
  after?: Record<string, unknown>;
  terminal_sn?: string;
  order_status?: string;
}

export interface RecordsReader {
  dayPage(storeId: string, day: string, options: { limit: number; after?: Record<string, unknown>; terminal_sn?: string; order_status?: string }): Promise<{ items: Order[]; last?: Record<string, unknown> }>;
  dayOrders(storeId: string, day: string): Promise<Order[]>;
  daySummaries(storeId: string, day: string): Promise<OrderSummary[]>;
  refundsOf(orderId: string): Promise<Refund[]>;
}

/** An order has refund items only once a refund was reserved on it. */
export const hasRefunds = (order: Pick<Order, 'refund_committed' | 'refunded_amount'>) => order.refund_committed > 0 || order.refunded_amount > 0;

/** One read: the orders come without their refunds (the order's own GET lists those). */
export async function historyPage(records: Pick<RecordsReader, 'dayPage'>, request: DayPageRequest): Promise<{ orders: Order[]; last?: Record<string, unknown> }> {
  const page = await records.dayPage(request.store_id, request.day, {
    limit: request.limit,
    ...(request.after ? { after: request.after } : {}),
    ...(request.terminal_sn !== undefined ? { terminal_sn: request.terminal_sn } : {}),
    ...(request.order_status !== undefined ? { order_status: request.order_status } : {}),
  });
  return { orders: page.items, ...(page.last ? { last: page.last } : {}) };
}
