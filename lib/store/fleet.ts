// The terminal fleet as an admin manages it: retiring a terminal. Written in the registry's
// item format (lib/store/terminal-registry.ts), conditional like every registry write.
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isConditionFailure } from './errors.js';
import { terminalKey, toTerminal, type Terminal } from './terminal-registry.js';

export type RetireResult = { kind: 'retired'; terminal: Terminal } | { kind: 'busy' } | { kind: 'not_found' };

export class FleetStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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
