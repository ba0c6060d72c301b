// An in-memory Ledger with the semantics of lib/store/ledger.ts, for unit tests of the
// payment flows. Every write is conditional exactly as the DynamoDB adapter's is:
//  - createOrder: only if the order id is free; else the existing order with its refunds —
//    unless it holds the same attempt_id (our own write, committed on a retried attempt);
//  - updateOrder: only if the stored version is the one read; undefined on a lost race;
//  - reserveRefund: one transaction — refund item must be new AND the order must satisfy
//    refund_committed <= total - amount, total unchanged, PAID/PARTIAL_REFUNDED, no reversal;
//    on failure the stored refund (`reserved` if it carries our attempt_id) or `refused`;
//  - settleRefund: only while the refund is REFUND_IN_PROGRESS; a success also only while the
//    order's refunded_amount is the one it was computed from and the order is refundable;
//    a release moves refund_committed unconditionally, in the same transaction;
//  - updateRefund: only if the refund's version is the one read;
//  - claimRefresh: only if the order exists and was not refreshed within the interval;
//  - due(): items with work due at or before `now`, oldest first, at most `limit`.
// Values are copied in and out, as a database would: callers can never alias stored state.
// Hooks run before the Nth call of a method, to inject a concurrent writer or a failure.
import type { Order, OrderWithRefunds, Refund } from '../../../lib/payments/model.js';
import type { Changes, DueItem, Ledger, RefundReservation } from '../../../lib/store/ledger.js';

export type LedgerPort = Pick<
  Ledger,
  'createOrder' | 'getOrder' | 'getRefund' | 'orderIdBySn' | 'updateOrder' | 'claimRefresh' | 'reserveRefund' | 'settleRefund' | 'updateRefund' | 'due'
>;
export type LedgerMethod = keyof LedgerPort;

type Hook = (ledger: FakeLedger) => void | Promise<void>;

const copy = <T>(value: T): T => structuredClone(value);

function applyChanges<T extends object>(target: T, changes: Changes<T>): void {
  const record = target as Record<string, unknown>;
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete record[name];
    else if (value !== undefined) record[name] = copy(value);
  }
}

const IN_FLIGHT = 'REFUND_IN_PROGRESS';

export class FakeLedger implements LedgerPort {
  private readonly orders = new Map<string, Order>();
  private readonly refunds = new Map<string, Map<string, Refund>>();
  private readonly hooks = new Map<LedgerMethod, Map<number, Hook[]>>();
  private readonly counts = new Map<LedgerMethod, number>();
  private readonly conflicts = new Set<string>();
  private readonly refreshedAt = new Map<string, number>();
  /** Every call, in order, with its arguments as passed. */
  readonly calls: { method: LedgerMethod; args: unknown[] }[] = [];

  // ---- test controls ----

  /** Stores an order (and refunds) as they are, bypassing every condition: test setup only. */
  seed(order: Order, refunds: Refund[] = []): this {
    this.orders.set(order.order_id, copy(order));
    const children = this.refundsOf(order.order_id);
    for (const refund of refunds) children.set(refund.refund_request_no, copy(refund));
    return this;
  }

  /** The stored order (a copy), or undefined. */
  order(orderId: string): Order | undefined {
    const order = this.orders.get(orderId);
    return order && copy(order);
  }

  /** The stored order (a copy); throws if there is none. */
  mustOrder(orderId: string): Order {
    const order = this.order(orderId);
    if (!order) throw new Error(`no order ${orderId} in the fake ledger`);
    return order;
  }

  refund(orderId: string, refundNo: string): Refund | undefined {
    const refund = this.refunds.get(orderId)?.get(refundNo);
    return refund && copy(refund);
  }

  mustRefund(orderId: string, refundNo: string): Refund {
    const refund = this.refund(orderId, refundNo);
    if (!refund) throw new Error(`no refund ${refundNo} of ${orderId} in the fake ledger`);
    return refund;
  }

  orderCount(): number {
    return this.orders.size;
  }

  callCount(method: LedgerMethod): number {
    return this.counts.get(method) ?? 0;
  }

  /** Runs `hook` just before the `nth` (1-based) call of `method` does anything. */
  before(method: LedgerMethod, nth: number, hook: Hook): this {
    const byCall = this.hooks.get(method) ?? new Map<number, Hook[]>();
    byCall.set(nth, [...(byCall.get(nth) ?? []), hook]);
    this.hooks.set(method, byCall);
    return this;
  }

  /**
   * The `nth` call of `method` collides with another transaction on the same item
   * (TransactionConflict): nothing is written; reserveRefund answers `busy`, settleRefund false.
   */
  conflictOn(method: 'reserveRefund' | 'settleRefund', nth: number): this {
    return this.before(method, nth, (ledger) => void ledger.conflicts.add(`${method}#${nth}`));
  }

  private conflicted(method: LedgerMethod): boolean {
    return this.conflicts.delete(`${method}#${this.callCount(method)}`);
  }

  /** The `nth` call of `method` throws `error` (as a database or network failure would). */
  failOn(method: LedgerMethod, nth: number, error: Error = new Error(`injected ${method} failure`)): this {
    return this.before(method, nth, () => {
      throw error;
    });
  }

  /**
   * Just before the `nth` call of `method`, another writer changes the order (its version
   * moves), so a version-conditional write holding the old version loses the race.
   */
  raceOn(method: LedgerMethod, nth: number, orderId: string, changes: Changes<Order> = {}): this {
    return this.before(method, nth, (ledger) => ledger.writeAsAnother(orderId, changes));
  }

  /** Another writer's unconditional change to an order: applies `changes` and moves the version. */
  writeAsAnother(orderId: string, changes: Changes<Order>): void {
    const stored = this.orders.get(orderId);
    if (!stored) throw new Error(`no order ${orderId} to change`);
    applyChanges(stored, changes);
    stored.version += 1;
  }

  // ---- the port ----

  async createOrder(order: Order): Promise<{ created: true } | { created: false; existing: OrderWithRefunds }> {
    await this.enter('createOrder', [order]);
    const holder = this.orders.get(order.order_id);
    if (holder) {
      if (holder.attempt_id === order.attempt_id) return { created: true };
      return { created: false, existing: this.read(order.order_id) as OrderWithRefunds };
    }
    this.orders.set(order.order_id, copy(order));
    return { created: true };
  }

  async getOrder(orderId: string): Promise<OrderWithRefunds | undefined> {
    await this.enter('getOrder', [orderId]);
    return this.read(orderId);
  }

  async claimRefresh(orderId: string, nowMs: number, intervalMs: number): Promise<boolean> {
    await this.enter('claimRefresh', [orderId, nowMs, intervalMs]);
    const last = this.refreshedAt.get(orderId);
    if (!this.orders.has(orderId) || (last !== undefined && last > nowMs - intervalMs)) return false;
    this.refreshedAt.set(orderId, nowMs);
    return true;
  }

  async getRefund(orderId: string, refundNo: string): Promise<Refund | undefined> {
    await this.enter('getRefund', [orderId, refundNo]);
    return this.refund(orderId, refundNo);
  }

  async orderIdBySn(sn: string): Promise<string | undefined> {
    await this.enter('orderIdBySn', [sn]);
    for (const order of this.orders.values()) if (order.sn === sn) return order.order_id;
    return undefined;
  }

  async updateOrder(order: Order, changes: Changes<Order>): Promise<Order | undefined> {
    await this.enter('updateOrder', [order, changes]);
    const stored = this.orders.get(order.order_id);
    if (!stored || stored.version !== order.version) return undefined;
    applyChanges(stored, changes);
    stored.version += 1;
    return copy(stored);
  }

  async reserveRefund(order: Order, refund: Refund): Promise<RefundReservation> {
    await this.enter('reserveRefund', [order, refund]);
    if (this.conflicted('reserveRefund')) return { kind: 'busy' };
    const stored = this.orders.get(order.order_id);
    const refundIsNew = !this.refunds.get(refund.order_id)?.has(refund.refund_request_no);
    const orderAllows =
      stored !== undefined &&
      stored.refund_committed <= order.total_amount - refund.refund_amount &&
      stored.total_amount === order.total_amount &&
      (stored.order_status === 'PAID' || stored.order_status === 'PARTIAL_REFUNDED') &&
      stored.reversal === undefined;
    if (!refundIsNew || !orderAllows) {
      const existing = this.refund(refund.order_id, refund.refund_request_no);
      if (existing?.attempt_id === refund.attempt_id) return { kind: 'reserved' };
      return existing ? { kind: 'exists', refund: existing } : { kind: 'refused' };
    }
    this.refundsOf(refund.order_id).set(refund.refund_request_no, copy(refund));
    stored.refund_committed += refund.refund_amount;
    stored.version += 1;
    return { kind: 'reserved' };
  }

  async settleRefund(
    refund: Refund,
    changes: Changes<Refund>,
    money: { refunded: false } | { refunded: true; refundedBefore: number },
    orderChanges: Changes<Order> = {},
  ): Promise<boolean> {
    await this.enter('settleRefund', [refund, changes, money, orderChanges]);
    if (this.conflicted('settleRefund')) return false;
    const storedRefund = this.refunds.get(refund.order_id)?.get(refund.refund_request_no);
    if (!storedRefund || storedRefund.status !== IN_FLIGHT) return false;
    const order = this.orders.get(refund.order_id);
    if (money.refunded && (!order || order.refunded_amount !== money.refundedBefore || (order.order_status !== 'PAID' && order.order_status !== 'PARTIAL_REFUNDED'))) {
      return false;
    }
    // DynamoDB refuses `x = x + :n` on an item without x: the transaction fails as a whole.
    if (!order) throw new Error(`ValidationException: order ${refund.order_id} does not exist`);
    applyChanges(storedRefund, changes);
    storedRefund.version += 1;
    const amount = refund.refund_amount;
    if (money.refunded) {
      order.refunded_amount += amount;
      order.net_amount -= amount;
    } else {
      order.refund_committed -= amount;
    }
    applyChanges(order, orderChanges);
    order.version += 1;
    return true;
  }

  async updateRefund(refund: Refund, changes: Changes<Refund>): Promise<boolean> {
    await this.enter('updateRefund', [refund, changes]);
    const stored = this.refunds.get(refund.order_id)?.get(refund.refund_request_no);
    if (!stored || stored.version !== refund.version) return false;
    applyChanges(stored, changes);
    stored.version += 1;
    return true;
  }

  async due(nowMs: number, limit: number): Promise<DueItem[]> {
    await this.enter('due', [nowMs, limit]);
    return this.backlog()
      .filter((item) => item.due_at <= nowMs)
      .slice(0, limit);
  }

  // ---- internals ----

  private refundsOf(orderId: string): Map<string, Refund> {
    const existing = this.refunds.get(orderId);
    if (existing) return existing;
    const created = new Map<string, Refund>();
    this.refunds.set(orderId, created);
    return created;
  }

  private read(orderId: string): OrderWithRefunds | undefined {
    const order = this.orders.get(orderId);
    if (!order) return undefined;
    // One Query over the partition: refunds come back in sort-key order.
    const refunds = [...(this.refunds.get(orderId)?.values() ?? [])].sort((a, b) => (a.refund_request_no < b.refund_request_no ? -1 : 1));
    return { order: copy(order), refunds: refunds.map(copy) };
  }

  /** The sparse due index: every order and refund with work, oldest due first (stable on ties). */
  private backlog(): DueItem[] {
    const items: DueItem[] = [];
    for (const order of this.orders.values()) {
      if (order.work) items.push({ type: 'order', order_id: order.order_id, due_at: order.work.due_at });
    }
    for (const [orderId, children] of this.refunds) {
      for (const refund of children.values()) {
        if (refund.work) items.push({ type: 'refund', order_id: orderId, refund_request_no: refund.refund_request_no, due_at: refund.work.due_at });
      }
    }
    return items.sort((a, b) => a.due_at - b.due_at);
  }

  private async enter(method: LedgerMethod, args: unknown[]): Promise<void> {
    const nth = (this.counts.get(method) ?? 0) + 1;
    this.counts.set(method, nth);
    this.calls.push({ method, args });
    for (const hook of this.hooks.get(method)?.get(nth) ?? []) await hook(this);
  }
}
