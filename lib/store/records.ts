// The merchant's records in the ledger table: the attributes that put an order on its
// store's business day (the `store-day` index) and an open case on the worklist (the sparse
// `attention` index), and the reads of both. The ledger writes the attributes with every
// order and refund it stores, so the indexes can never disagree with the items.
import { createHash } from 'node:crypto';
import { QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { Attention, Order, Refund } from '../payments/model.js';
import { INDEX } from './schema.js';

/** Index attributes that are ours, not the order's: stripped when an item is read. */
export const RECORD_ATTRIBUTES = ['store_day', 'attention_shard', 'attention_since'] as const;

/** Open cases are spread over this many partitions, so no single one takes every write. */
export const ATTENTION_SHARDS = 8;

/** The item a case is on: an order, or one of its refunds. */
export interface CaseRef {
  order_id: string;
  refund_request_no?: string;
}

// Building a formatter costs about a third of a millisecond, more than the rest of a pay's own
// work: one per time zone, kept.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYY-MM-DD) of an instant in a time zone. */
export function businessDay(ms: number, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  return format.format(ms);
}

/** The store-day index's partition: a history page may only start from a position in it. */
export const storeDay = (storeId: string, day: string) => `${storeId}#${day}`;

export const storeDayOf = (order: Pick<Order, 'store_id' | 'created_at'>, timeZone: string) => storeDay(order.store_id, businessDay(Date.parse(order.created_at), timeZone));

const shardOf = (orderId: string) => `attention#${createHash('sha256').update(orderId).digest()[0]! % ATTENTION_SHARDS}`;

/**
 * The worklist attributes for a change of `attention`: set (with a sort key that is unique,
 * oldest first) or removed. Without the item's identity only a removal can be mirrored.
 */
export function attentionMirror(attention: Attention | null, item: CaseRef | undefined): Record<string, string | null> {
  if (attention === null || item === undefined) return { attention_shard: null, attention_since: null };
  const since = [attention.at, item.order_id, ...(item.refund_request_no !== undefined ? [item.refund_request_no] : [])].join('#');
  return { attention_shard: shardOf(item.order_id), attention_since: since };
}

const SUMMARY_FIELDS = ['order_id', 'order_status', 'total_amount', 'net_amount', 'refunded_amount', 'refund_committed', 'payway', 'terminal_sn', 'attention', 'reversal'] as const;

/** The fields of an order the daily totals are computed from. */
export type OrderSummary = Pick<Order, (typeof SUMMARY_FIELDS)[number]>;

export interface Page<T> {
  items: T[];
  /** The last key read, when there may be more. */
  last?: Record<string, unknown>;
}

/** An open case as the index holds it. */
export interface CaseEntry {
  ref: CaseRef;
  store_id?: string;
  reason: string;
  since: string;
  /** The index sort key: unique, the worklist's order. */
  position: string;
}

const ORDER_PREFIX = 'ORDER#';
const REFUND_PREFIX = 'REFUND#';
const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _pk, sk: _sk, due_shard: _d, due_at: _a, store_day: _s, attention_shard: _h, attention_since: _t, ...rest } = item;
  return rest as T;
};

export class RecordsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * One page of a store's orders of a day, newest first: one Query. Filters apply after the
   * page is read, so a filtered page may hold fewer than `limit` orders and still go on.
   */
  async dayPage(storeId: string, day: string, options: { limit: number; after?: Record<string, unknown>; terminal_sn?: string; order_status?: string }): Promise<Page<Order>> {
    const filters: string[] = [];
    const values: Record<string, unknown> = { ':day': storeDay(storeId, day) };
    if (options.terminal_sn !== undefined) {
      filters.push('terminal_sn = :terminal');
      values[':terminal'] = options.terminal_sn;
    }
    if (options.order_status !== undefined) {
      filters.push('order_status = :status');
      values[':status'] = options.order_status;
    }
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: INDEX.storeDay.name,
        KeyConditionExpression: 'store_day = :day',
        ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        Limit: options.limit,
        ...(options.after ? { ExclusiveStartKey: options.after } : {}),
      }),
    );
    return { items: Items.map((item) => strip<Order>(item)), ...(LastEvaluatedKey ? { last: LastEvaluatedKey } : {}) };
  }

  /** Every order of a store's day, oldest first (the daily report's CSV). */
  dayOrders(storeId: string, day: string): Promise<Order[]> {
    return this.wholeDay<Order>(storeId, day);
  }

  /** What the daily totals need of every order of a store's day: the same read units, a fraction of the bytes. */
  daySummaries(storeId: string, day: string): Promise<OrderSummary[]> {
    return this.wholeDay<OrderSummary>(storeId, day, SUMMARY_FIELDS);
  }

  private async wholeDay<T>(storeId: string, day: string, fields?: readonly string[]): Promise<T[]> {
    const orders: T[] = [];
    const input = {
      TableName: this.tableName,
      IndexName: INDEX.storeDay.name,
      KeyConditionExpression: 'store_day = :day',
      ExpressionAttributeValues: { ':day': storeDay(storeId, day) },
      ...(fields ? { ProjectionExpression: fields.map((_, index) => `#f${index}`).join(', '), ExpressionAttributeNames: Object.fromEntries(fields.map((field, index) => [`#f${index}`, field])) } : {}),
    };
    for await (const page of this.pages(input)) orders.push(...(page.Items ?? []).map((item) => strip<T>(item)));
    return orders;
  }

  /** A query's pages in order, until the caller stops asking or the last one. */
  private async *pages(input: QueryCommandInput): AsyncGenerator<QueryCommandOutput> {
    let after: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ ...input, ...(after ? { ExclusiveStartKey: after } : {}) }));
      yield page;
      after = page.LastEvaluatedKey;
    } while (after);
  }

  /** An order's refunds (eventually consistent: for listings, not for decisions). */
  async refundsOf(orderId: string): Promise<Refund[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :refund)',
        ExpressionAttributeValues: { ':pk': `${ORDER_PREFIX}${orderId}`, ':refund': REFUND_PREFIX },
      }),
    );
    return Items.map((item) => strip<Refund>(item));
  }

  /**
   * Up to `limit` open cases after `after` (a position), oldest first, of one store or of all:
   * every shard is read from `after` on and the answers merged, so a page neither repeats
   * nor skips a case.
   */
  async openCases(options: { limit: number; after?: string; storeId?: string }): Promise<{ cases: CaseEntry[]; more: boolean }> {
    const perShard = await Promise.all(Array.from({ length: ATTENTION_SHARDS }, (_, shard) => this.shardCases(`attention#${shard}`, options)));
    const merged = perShard.flatMap((one) => one.cases).sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    return { cases: merged.slice(0, options.limit), more: merged.length > options.limit || perShard.some((one) => one.more) };
  }

  /** How many cases are open now, in every store (the OpenAttention gauge). */
  async countOpenCases(): Promise<number> {
    const counts = await Promise.all(
      Array.from({ length: ATTENTION_SHARDS }, async (_, shard) => {
        let count = 0;
        const input = { TableName: this.tableName, IndexName: INDEX.attention.name, KeyConditionExpression: 'attention_shard = :shard', ExpressionAttributeValues: { ':shard': `attention#${shard}` }, Select: 'COUNT' as const };
        for await (const page of this.pages(input)) count += page.Count ?? 0;
        return count;
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  private async shardCases(shard: string, options: { limit: number; after?: string; storeId?: string }): Promise<{ cases: CaseEntry[]; more: boolean }> {
    const cases: CaseEntry[] = [];
    const input = {
      TableName: this.tableName,
      IndexName: INDEX.attention.name,
      KeyConditionExpression: options.after !== undefined ? 'attention_shard = :shard AND attention_since > :after' : 'attention_shard = :shard',
      ...(options.storeId !== undefined ? { FilterExpression: 'store_id = :store' } : {}),
      ExpressionAttributeValues: { ':shard': shard, ...(options.after !== undefined ? { ':after': options.after } : {}), ...(options.storeId !== undefined ? { ':store': options.storeId } : {}) },
      Limit: options.limit + 1,
    };
    for await (const page of this.pages(input)) {
      cases.push(...(page.Items ?? []).map(caseEntry));
      // One more than a page shows whether the shard goes on.
      if (cases.length > options.limit) return { cases: cases.slice(0, options.limit + 1), more: true };
    }
    return { cases, more: false };
  }
}

function caseEntry(item: Record<string, unknown>): CaseEntry {
  const orderId = String(item.pk).slice(ORDER_PREFIX.length);
  const sk = String(item.sk);
  const attention = item.attention as Attention | undefined;
  return {
    ref: sk.startsWith(REFUND_PREFIX) ? { order_id: orderId, refund_request_no: sk.slice(REFUND_PREFIX.length) } : { order_id: orderId },
    ...(typeof item.store_id === 'string' ? { store_id: item.store_id } : {}),
    reason: attention?.reason ?? '',
    since: attention?.at ?? '',
    position: String(item.attention_since),
  };
}
