// The merchant's ledger in DynamoDB: an order item and its refunds under one partition, so
// one Query returns an order with all its refunds. Every state change is conditional
// (invariants 2, 3); amounts are numbers in integer cents.
import { createHash } from 'node:crypto';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Order, OrderWithRefunds, Refund, Work } from '../payments/model.js';
import { DUE_SHARDS, INDEX } from './schema.js';
import { isConditionFailure, isTransactionConditionFailure, isTransactionConflict } from './errors.js';
import { attentionMirror, RECORD_ATTRIBUTES, storeDayOf, type CaseRef } from './records.js';

/** An order's shard of the `due` index; its refunds go with it. Stable: a hash of the order id. */
export const dueShardOf = (orderId: string) => `due#${createHash('sha256').update(orderId).digest().readUInt16BE(0) % DUE_SHARDS}`;
/** The one shard every item used before the index was sharded: read until no item written then is left open. */
const LEGACY_DUE_SHARD = 'due';
const DUE_SHARD_VALUES = [LEGACY_DUE_SHARD, ...Array.from({ length: DUE_SHARDS }, (_, shard) => `due#${shard}`)];
/** Shards read at once by a sweep. */
const DUE_READ_CONCURRENCY = 16;
/** When the provider was last asked about an order on a reader's behalf (epoch ms); bookkeeping, not order state. */
const REFRESHED_AT = 'refreshed_at';
const ORDER_SK = 'ORDER';
const REFUND_PREFIX = 'REFUND#';
const orderPk = (orderId: string) => `ORDER#${orderId}`;
export const orderKey = (orderId: string) => ({ pk: orderPk(orderId), sk: ORDER_SK });
export const refundKey = (orderId: string, refundNo: string) => ({ pk: orderPk(orderId), sk: `${REFUND_PREFIX}${refundNo}` });

/** A change to an item: `null` removes an attribute. */
export type Changes<T> = { [K in keyof T]?: T[K] | null };

export type DueItem = { type: 'order'; order_id: string; due_at: number } | { type: 'refund'; order_id: string; refund_request_no: string; due_at: number };

export type RefundReservation =
  | { kind: 'reserved' }
  | { kind: 'exists'; refund: Refund }
  | { kind: 'refused' }
  /** Another write to the same order was in flight: nothing happened, try again. */
  | { kind: 'busy' };

// The sparse "needs work" index is keyed by top-level attributes that mirror `work`.
function dueAttributes(work: Work | null | undefined, orderId: string): Record<string, unknown> {
  return work ? { due_shard: dueShardOf(orderId), due_at: work.due_at } : {};
}

const INTERNAL = new Set(['pk', 'sk', 'due_shard', 'due_at', 'sn_index', REFRESHED_AT, ...RECORD_ATTRIBUTES]);
function strip<T>(item: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!INTERNAL.has(name)) out[name] = value;
  return out as T;
}

// Object.assign rather than an object literal of spreads: V8 (Node 20) builds that literal a
// property at a time, ~40 µs and ~11 KB of garbage for an order, on every pay and precreate.
function orderItem(order: Order, timeZone: string): Record<string, unknown> {
  return Object.assign(orderKey(order.order_id), order, dueAttributes(order.work, order.order_id), { store_day: storeDayOf(order, timeZone) });
}

/** SET/REMOVE clauses for `changes`, keeping the index mirrors of `work` and `attention` in step (setting them needs the item's identity). */
export function updateClauses(changes: Record<string, unknown>, item?: CaseRef) {
  const sets: string[] = [];
  const removes: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const put = (name: string, value: unknown) => {
    if (value === undefined) return; // DynamoDB refuses expression names that are not used
    names[`#${name}`] = name;
    if (value === null) removes.push(`#${name}`);
    else {
      values[`:${name}`] = value;
      sets.push(`#${name} = :${name}`);
    }
  };
  for (const [name, value] of Object.entries(changes)) put(name, value);
  if ('work' in changes) {
    const work = changes.work as Work | null | undefined;
    if (work && !item) throw new Error('scheduling work needs the item it is on');
    put('due_shard', work && item ? dueShardOf(item.order_id) : null);
    put('due_at', work ? work.due_at : null);
  }
  if (changes.attention !== undefined) for (const [name, value] of Object.entries(attentionMirror(changes.attention as NonNullable<Order['attention']> | null, item))) put(name, value);
  sets.push('#version = #version + :one');
  names['#version'] = 'version';
  values[':one'] = 1;
  const expression = `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`;
  return { expression, names, values };
}

export class Ledger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** The merchant's time zone: the store's business day an order is listed under. */
    private readonly timeZone = 'Asia/Shanghai',
  ) {}

  /** Records a new order; if its client_sn is taken, returns the order that holds it. */
  async createOrder(order: Order): Promise<{ created: true } | { created: false; existing: OrderWithRefunds }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: orderItem(order, this.timeZone),
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { created: true };
    } catch (error) {
      if (!isConditionFailure(error) || !error.Item) throw error;
      const existing = await this.getOrder(order.order_id);
      if (!existing) throw error;
      // Our own write, committed on an attempt whose reply the SDK did not see.
      if (existing.order.attempt_id === order.attempt_id) return { created: true };
      return { created: false, existing };
    }
  }

  /** The order and all its refunds, in one strongly consistent read. */
  async getOrder(orderId: string): Promise<OrderWithRefunds | undefined> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': orderPk(orderId) },
        ConsistentRead: true,
      }),
    );
    const orderRow = Items.find((item) => item.sk === ORDER_SK);
    if (!orderRow) return undefined;
    const refunds = Items.filter((item) => String(item.sk).startsWith(REFUND_PREFIX)).map((item) => strip<Refund>(item));
    return { order: strip<Order>(orderRow), refunds };
  }

  async getRefund(orderId: string, refundNo: string): Promise<Refund | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: refundKey(orderId, refundNo), ConsistentRead: true }));
    return Item ? strip<Refund>(Item) : undefined;
  }

  async orderIdBySn(sn: string): Promise<string | undefined> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.bySn.name,
        KeyConditionExpression: 'sn = :sn',
        ExpressionAttributeValues: { ':sn': sn },
        Limit: 1,
      }),
    );
    const pk = Items[0]?.pk;
    return typeof pk === 'string' ? pk.slice('ORDER#'.length) : undefined;
  }

  /**
   * Claims the one provider query an order's readers may make per `intervalMs`: true for the
   * single caller whose conditional write moved the order's last-refreshed time. The write
   * leaves the version alone, so it never makes a settlement lose its race.
   */
  async claimRefresh(orderId: string, nowMs: number, intervalMs: number): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(orderId),
          UpdateExpression: 'SET #refreshed = :now',
          ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(#refreshed) OR #refreshed <= :before)',
          ExpressionAttributeNames: { '#refreshed': REFRESHED_AT },
          ExpressionAttributeValues: { ':now': nowMs, ':before': nowMs - intervalMs },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Applies `changes` if nobody changed the order since `order.version` was read; returns
   * the updated order, or undefined when it lost that race (the caller re-reads and decides again).
   */
  async updateOrder(order: Order, changes: Changes<Order>): Promise<Order | undefined> {
    const { expression, names, values } = updateClauses(changes, { order_id: order.order_id });
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: orderKey(order.order_id),
          UpdateExpression: expression,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.assign(values, { ':expected': order.version }),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<Order>(Attributes ?? {});
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }

  /**
   * Records a refund and reserves its amount on the order in one transaction, so the sum
   * of successful and in-flight refunds can never pass the order's total, whatever runs
   * concurrently (invariant 3). Reservation does not need the order's version: concurrent
   * refunds each add to `refund_committed` under the same ceiling.
   */
  async reserveRefund(order: Order, refund: Refund): Promise<RefundReservation> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: Object.assign(refundKey(refund.order_id, refund.refund_request_no), refund, dueAttributes(refund.work, refund.order_id), { store_id: order.store_id }),
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: orderKey(order.order_id),
                UpdateExpression: 'SET refund_committed = refund_committed + :amount, #version = #version + :one',
                ConditionExpression:
                  'refund_committed <= :ceiling AND total_amount = :total AND order_status IN (:paid, :partial) AND attribute_not_exists(reversal)',
                ExpressionAttributeNames: { '#version': 'version' },
                ExpressionAttributeValues: {
                  ':amount': refund.refund_amount,
                  ':ceiling': order.total_amount - refund.refund_amount,
                  ':total': order.total_amount,
                  ':paid': 'PAID',
                  ':partial': 'PARTIAL_REFUNDED',
                  ':one': 1,
                },
              },
            },
          ],
        }),
      );
      return { kind: 'reserved' };
    } catch (error) {
      if (isTransactionConflict(error)) return { kind: 'busy' };
      if (!isTransactionConditionFailure(error)) throw error;
      const existing = await this.getRefund(refund.order_id, refund.refund_request_no);
      if (existing?.attempt_id === refund.attempt_id) return { kind: 'reserved' };
      return existing ? { kind: 'exists', refund: existing } : { kind: 'refused' };
    }
  }

  /**
   * Settles an in-flight refund: its own state, and the order's amounts. Conditional on the
   * refund still being in flight, so a settlement applies once however many paths race to it;
   * a refund booked as done is also conditional on the order's refunded amount it was computed
   * from and on the order still being refundable, so its status and amounts cannot go stale.
   */
  async settleRefund(
    refund: Refund,
    changes: Changes<Refund>,
    money: { refunded: false } | { refunded: true; refundedBefore: number },
    orderChanges: Changes<Order> = {},
  ): Promise<boolean> {
    const { expression: refundUpdate, names: refundNames, values: refundValues } = updateClauses(changes);
    const orderSets = money.refunded
      ? 'refunded_amount = refunded_amount + :amount, net_amount = net_amount - :amount'
      : 'refund_committed = refund_committed - :amount';
    const extra = updateClauses(orderChanges);
    const orderExpression = extra.expression.replace(/^SET /, `SET ${orderSets}, `);
    const orderCondition = money.refunded
      ? {
          ConditionExpression: 'refunded_amount = :before AND order_status IN (:paid, :partial)',
          ExpressionAttributeValues: { ...extra.values, ':amount': refund.refund_amount, ':before': money.refundedBefore, ':paid': 'PAID', ':partial': 'PARTIAL_REFUNDED' },
        }
      : { ExpressionAttributeValues: { ...extra.values, ':amount': refund.refund_amount } };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: refundKey(refund.order_id, refund.refund_request_no),
                UpdateExpression: refundUpdate,
                ConditionExpression: '#status = :inflight',
                ExpressionAttributeNames: { ...refundNames, '#status': 'status' },
                ExpressionAttributeValues: { ...refundValues, ':inflight': 'REFUND_IN_PROGRESS' },
              },
            },
            {
              Update: {
                TableName: this.tableName,
                Key: orderKey(refund.order_id),
                UpdateExpression: orderExpression,
                ExpressionAttributeNames: extra.names,
                ...orderCondition,
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (isTransactionConditionFailure(error) || isTransactionConflict(error)) return false;
      throw error;
    }
  }

  /** Updates an in-flight refund's bookkeeping (next step, attention) without settling it. */
  async updateRefund(refund: Refund, changes: Changes<Refund>): Promise<boolean> {
    const { expression, names, values } = updateClauses(changes, { order_id: refund.order_id, refund_request_no: refund.refund_request_no });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: refundKey(refund.order_id, refund.refund_request_no),
          UpdateExpression: expression,
          ConditionExpression: '#version = :expected',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: Object.assign(values, { ':expected': refund.version }),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  /**
   * Orders and refunds whose next step is due at or before `beforeMs`, oldest first: at most
   * `limit` from each shard, every shard read (a bounded number at once).
   */
  async due(beforeMs: number, limit: number): Promise<DueItem[]> {
    const found: DueItem[] = [];
    let next = 0;
    const reader = async () => {
      while (next < DUE_SHARD_VALUES.length) found.push(...(await this.dueInShard(DUE_SHARD_VALUES[next++] as string, beforeMs, limit)));
    };
    await Promise.all(Array.from({ length: DUE_READ_CONCURRENCY }, reader));
    return found.sort((a, b) => a.due_at - b.due_at);
  }

  private async dueInShard(shard: string, beforeMs: number, limit: number): Promise<DueItem[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.due.name,
        KeyConditionExpression: 'due_shard = :shard AND due_at <= :before',
        ExpressionAttributeValues: { ':shard': shard, ':before': beforeMs },
        Limit: limit,
      }),
    );
    return Items.map((item) => {
      const orderId = String(item.pk).slice('ORDER#'.length);
      const dueAt = Number(item.due_at);
      return item.sk === ORDER_SK
        ? { type: 'order' as const, order_id: orderId, due_at: dueAt }
        : { type: 'refund' as const, order_id: orderId, refund_request_no: String(item.sk).slice(REFUND_PREFIX.length), due_at: dueAt };
    });
  }
}
