// A store's transactions of a day, newest first, a page at a time: what the cashier app
// shows as "today's transactions".
import type { Order, OrderWithRefunds, Refund } from '../payments/model.js';
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

export async function historyPage(records: RecordsReader, request: DayPageRequest): Promise<{ orders: OrderWithRefunds[]; last?: Record<string, unknown> }> {
  const page = await records.dayPage(request.store_id, request.day, {
    limit: request.limit,
    ...(request.after ? { after: request.after } : {}),
    ...(request.terminal_sn !== undefined ? { terminal_sn: request.terminal_sn } : {}),
    ...(request.order_status !== undefined ? { order_status: request.order_status } : {}),
  });
  const orders = await Promise.all(page.items.map(async (order) => ({ order, refunds: hasRefunds(order) ? await records.refundsOf(order.order_id) : [] })));
  return { orders, ...(page.last ? { last: page.last } : {}) };
}
