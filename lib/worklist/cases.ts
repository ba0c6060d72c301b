// The worklist: every order and refund a person must look at, oldest first, for one store
// or (ops) for all. A case leaves it when it is resolved, by a person or by the flows.
import type { OrderWithRefunds } from '../payments/model.js';
import type { CaseEntry, CaseRef } from '../store/records.js';

export interface CaseReader {
  openCases(options: { limit: number; after?: string; storeId?: string }): Promise<{ cases: CaseEntry[]; more: boolean }>;
}

export interface OpenCase {
  ref: CaseRef;
  reason: string;
  since: string;
  found: OrderWithRefunds;
}

export async function listCases(
  deps: { cases: CaseReader; getOrder(orderId: string): Promise<OrderWithRefunds | undefined> },
  request: { storeId?: string; limit: number; after?: string },
): Promise<{ cases: OpenCase[]; last?: string }> {
  const page = await deps.cases.openCases({ limit: request.limit, ...(request.after !== undefined ? { after: request.after } : {}), ...(request.storeId !== undefined ? { storeId: request.storeId } : {}) });
  const found = await Promise.all(page.cases.map((entry) => deps.getOrder(entry.ref.order_id)));
  const cases = page.cases.flatMap((entry, index) => {
    const order = found[index];
    return order ? [{ ref: entry.ref, reason: entry.reason, since: entry.since, found: order }] : [];
  });
  const last = page.cases.at(-1);
  return { cases, ...(page.more && last ? { last: last.position } : {}) };
}
