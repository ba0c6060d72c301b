// Store-day totals in the ledger table: one item per store-day, whose numeric attributes are
// the counters of lib/totals/tally.ts, changed only by ADD; and one marker item per applied
// change, written in the same transaction on condition that it does not exist yet, so a
// change is added once however often its record is delivered. Markers expire once no stream
// could deliver the record again (records are kept 24 h). No key here starts with `ORDER#`:
// the stream consumers' filters leave these items out.
import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { StoreDayTotals, TotalsChange, TotalsPort } from '../totals/port.js';
import { isCounter, isEmpty, sum, type Counters } from '../totals/tally.js';
import { cancellationCodes, isConditionFailure } from './errors.js';
import { orderKey } from './ledger.js';
import { TOTALS_KEY_PREFIX, TTL_ATTRIBUTE } from './schema.js';

const totalsKey = (storeDay: string) => ({ pk: `${TOTALS_KEY_PREFIX}${storeDay}`, sk: 'TOTALS' });
const markerKey = (changeId: string) => ({ pk: `${TOTALS_KEY_PREFIX}APPLIED#${changeId}`, sk: 'APPLIED' });
const STARTED_KEY = { pk: `${TOTALS_KEY_PREFIX}STARTED`, sk: 'STARTED' };
const COMPLETE = 'complete';

/** Longer than a stream keeps a record (24 h), with room for a batch retried at its end. */
export const MARKER_TTL_SECONDS = 3 * 24 * 3600;
/** Two shards' batches may update one store-day at once: a transaction that collides is tried again. */
const CONFLICT_ATTEMPTS = 8;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `ADD` of every counter, and the day's completeness set by its first write only. */
function totalsUpdate(counters: Counters, complete: boolean) {
  const names: Record<string, string> = { '#complete': COMPLETE };
  const values: Record<string, unknown> = { ':complete': complete };
  const adds = Object.entries(counters).map(([name, value], index) => {
    names[`#c${index}`] = name;
    values[`:c${index}`] = value;
    return `#c${index} :c${index}`;
  });
  // A person may set `complete` to false on a day whose totals went wrong: it stays so.
  return { UpdateExpression: `SET #complete = if_not_exists(#complete, :complete) ADD ${adds.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
}

export class TotalsStore implements TotalsPort {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  async apply(storeDay: string, changes: TotalsChange[], complete: boolean): Promise<void> {
    let pending = changes;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const counters = pending.reduce<Counters>((total, change) => sum(total, change.delta), {});
      const expiresAt = Math.floor(this.now() / 1000) + MARKER_TTL_SECONDS;
      const update = isEmpty(counters) ? [] : [{ Update: { TableName: this.tableName, Key: totalsKey(storeDay), ...totalsUpdate(counters, complete) } }];
      const markers = pending.map((change) => ({
        Put: { TableName: this.tableName, Item: { ...markerKey(change.id), [TTL_ATTRIBUTE]: expiresAt }, ConditionExpression: 'attribute_not_exists(pk)' },
      }));
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: [...update, ...markers] }));
        return;
      } catch (error) {
        const codes = cancellationCodes(error);
        if (codes.includes('ConditionalCheckFailed')) {
          // Those changes were applied before (a replayed record): the others go on without them.
          const replayed = new Set(codes.slice(update.length).flatMap((code, index) => (code === 'ConditionalCheckFailed' ? [index] : [])));
          pending = pending.filter((_, index) => !replayed.has(index));
          continue;
        }
        if (!codes.includes('TransactionConflict') || attempt >= CONFLICT_ATTEMPTS) throw error;
        await sleep(Math.random() * 20 * attempt);
      }
    }
  }

  async read(storeDay: string): Promise<StoreDayTotals | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: totalsKey(storeDay), ConsistentRead: true }));
    if (!Item) return undefined;
    const counters = Object.fromEntries(Object.entries(Item).filter(([name]) => isCounter(name))) as Counters;
    return { counters, complete: Item[COMPLETE] === true };
  }

  async startedAt(at: number): Promise<number> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...STARTED_KEY, started_at: at }, ConditionExpression: 'attribute_not_exists(pk)' }));
      return at;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: STARTED_KEY, ConsistentRead: true }));
      if (typeof Item?.started_at !== 'number') throw new Error('the totals start item has no started_at', { cause: error });
      return Item.started_at;
    }
  }

  async storeDayOfOrder(orderId: string): Promise<string | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.tableName, Key: orderKey(orderId), ProjectionExpression: 'store_day', ConsistentRead: true }),
    );
    return typeof Item?.store_day === 'string' ? Item.store_day : undefined;
  }
}
