// The terminal fleet as an admin manages it: a store's terminals, and retiring one. Written
// in the registry's item format (lib/store/terminal-registry.ts), conditional like every
// registry write.
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './errors.js';
import { INDEX } from './schema.js';
import { terminalKey, toTerminal, type Terminal, type TerminalStatus } from './terminal-registry.js';

export type RetireResult = { kind: 'retired'; terminal: Terminal } | { kind: 'busy' } | { kind: 'not_found' };

export interface StoreTerminalsQuery {
  storeId: string;
  status?: TerminalStatus;
  limit: number;
  /** The last terminal_sn of the previous page. */
  after?: string;
}

export class FleetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * A page of the store's terminals in terminal_sn order, from its own partition of the
   * store-terminals index: one query for an unfiltered page. `last` is set when there may be more.
   */
  async listStore(query: StoreTerminalsQuery): Promise<{ terminals: Terminal[]; last?: string }> {
    const index = INDEX.storeTerminals;
    const terminals: Terminal[] = [];
    let after = query.after;
    for (;;) {
      // One more than the page, so a full page tells whether another follows.
      const { Items = [], LastEvaluatedKey } = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index.name,
          KeyConditionExpression: `#store = :store${after !== undefined ? ' AND terminal_sn > :after' : ''}`,
          ...(query.status !== undefined ? { FilterExpression: '#status = :status' } : {}),
          ExpressionAttributeNames: { '#store': index.partition, ...(query.status !== undefined ? { '#status': 'status' } : {}) },
          ExpressionAttributeValues: { ':store': query.storeId, ...(after !== undefined ? { ':after': after } : {}), ...(query.status !== undefined ? { ':status': query.status } : {}) },
          Limit: query.limit + 1,
        }),
      );
      terminals.push(...Items.map(toTerminal));
      if (terminals.length > query.limit) {
        const page = terminals.slice(0, query.limit);
        return { terminals: page, last: (page.at(-1) as Terminal).terminal_sn };
      }
      const evaluated = LastEvaluatedKey?.terminal_sn;
      if (typeof evaluated !== 'string') return { terminals };
      after = evaluated;
    }
  }

  /**
   * Marks the store's terminal retired. Refused while a check-in holds its lease, whose end
   * would write the status back; a terminal already retired keeps its first retirement time.
   */
  async retire(terminalSn: string, storeId: string, nowMs: number): Promise<RetireResult> {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: terminalKey(terminalSn),
          UpdateExpression: 'SET #status = :retired, retired_at = if_not_exists(retired_at, :at)',
          ConditionExpression: 'attribute_exists(pk) AND store_id = :store AND (attribute_not_exists(lease_until) OR lease_until < :now)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':retired': 'retired', ':at': new Date(nowMs).toISOString(), ':store': storeId, ':now': nowMs },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'retired', terminal: toTerminal(Attributes ?? {}) };
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      const old = error.Item as Record<string, { S?: string }> | undefined;
      return old && old.store_id?.S === storeId ? { kind: 'busy' } : { kind: 'not_found' };
    }
  }
}
