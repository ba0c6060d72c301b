// The local stand-in for a consumer of the ledger table's stream (an event source mapping or
// a pipe in AWS): reads DynamoDB Local's stream from its start, filtered as the CDK filters it
// (order and refund items, writes only), and hands each batch to `consume` in order. A batch
// counts as read only once `consume` returned: a throw reads it again, as AWS retries it.
// Each consumer has its own reader and position, as each AWS consumer does.
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-dynamodb-streams';
import type { StreamRecord } from '../lib/events/stream.js';
import { LOCAL_AWS } from './dynamodb.js';

export interface StreamReader {
  /** Resolves once every change written before the call was consumed. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const POLL_MS = 250;
/** Rounds of empty reads that mean the stream is caught up (DynamoDB Local shows a write at once). */
const EMPTY_ROUNDS = 2;

/** What the CDK's filter criteria let through (infra/order-events.ts STREAM_FILTER). */
const isLedgerWrite = (record: _Record) => (record.eventName === 'INSERT' || record.eventName === 'MODIFY') && (record.dynamodb?.Keys?.pk?.S ?? '').startsWith('ORDER#');

export async function startStreamReader(options: { endpoint: string; tableName: string; consume: (records: StreamRecord[]) => Promise<unknown> }): Promise<StreamReader> {
  const { endpoint, tableName, consume } = options;
  const dynamo = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint });

  // The CDK table streams old and new images; the local one is made to match.
  let { Table: table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  if (!table?.LatestStreamArn) {
    await dynamo.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
    ({ Table: table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName })));
  }
  const streamArn = table?.LatestStreamArn;
  if (!streamArn) throw new Error(`DynamoDB Local gave table ${tableName} no stream`);

  const iterators = new Map<string, string | undefined>();
  /** The last record consumed per shard, to resume after. */
  const lastSequence = new Map<string, string>();
  const finished = new Set<string>();

  async function discoverShards(): Promise<void> {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const id = shard.ShardId;
      if (!id || iterators.has(id) || finished.has(id)) continue;
      const { ShardIterator } = await streams.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: 'TRIM_HORIZON' }));
      iterators.set(id, ShardIterator);
    }
  }

  /** One read of every shard; the number of records seen. */
  async function pollOnce(): Promise<number> {
    await discoverShards();
    let seen = 0;
    for (const [id, iterator] of iterators) {
      if (!iterator) {
        iterators.delete(id);
        finished.add(id);
        continue;
      }
      const { Records = [], NextShardIterator } = await readShard(id, iterator);
      seen += Records.length;
      const wanted = Records.filter(isLedgerWrite);
      if (wanted.length > 0) await consume(wanted as StreamRecord[]);
      // Moved on only once the records are consumed: a failed batch is read again.
      iterators.set(id, NextShardIterator);
      const last = Records.at(-1)?.dynamodb?.SequenceNumber;
      if (last) lastSequence.set(id, last);
    }
    return seen;
  }

  // DynamoDB Local sometimes refuses an iterator it handed out (trimmed or expired, more often on
  // a busy machine): a fresh one resumes after the last record consumed, as AWS does.
  async function readShard(id: string, iterator: string) {
    try {
      return await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    } catch (error) {
      if (!['TrimmedDataAccessException', 'ExpiredIteratorException'].includes((error as Error).name)) throw error;
      const after = lastSequence.get(id);
      const { ShardIterator } = await streams.send(
        new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }) }),
      );
      return streams.send(new GetRecordsCommand({ ShardIterator: ShardIterator, Limit: 100 }));
    }
  }

  // One poll at a time: the timer and drain() share the chain, so batches are consumed in order.
  let chain: Promise<unknown> = Promise.resolve();
  const poll = () => {
    const next = chain.then(pollOnce);
    chain = next.catch(() => 0);
    return next;
  };
  const timer = setInterval(() => void poll().catch(() => undefined), POLL_MS);

  return {
    async drain() {
      let empty = 0;
      while (empty < EMPTY_ROUNDS) empty = (await poll()) === 0 ? empty + 1 : 0;
    },
    async close() {
      clearInterval(timer);
      await chain;
      dynamo.destroy();
      streams.destroy();
    },
  };
}
