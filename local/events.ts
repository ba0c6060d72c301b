// The local stand-in for the order-events pipe: reads DynamoDB Local's stream of the ledger
// table, maps its records with the very code the pipe's enrichment runs (lib/events), and
// appends each event as one JSON line, as the bus would receive it ({source, detail-type,
// detail}), to a file (`.local/events.jsonl`).
import { appendFile, writeFile } from 'node:fs/promises';
import { DescribeTableCommand, DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-dynamodb-streams';
import { EVENT_SOURCE } from '../lib/events/order-events.js';
import { eventsOfRecords, type StreamRecord } from '../lib/events/stream.js';
import { Ledger } from '../lib/store/ledger.js';
import { LOCAL_AWS, localDocumentClient } from './dynamodb.js';

export interface LocalEventWriter {
  file: string;
  /** Resolves once every change written before the call is in the file. */
  drain(): Promise<void>;
  close(): Promise<void>;
}

const POLL_MS = 250;
/** Rounds of empty reads that mean the stream is caught up (DynamoDB Local shows a write at once). */
const EMPTY_ROUNDS = 2;

export async function startEventWriter(options: { endpoint: string; tableName: string; file: string }): Promise<LocalEventWriter> {
  const { endpoint, tableName, file } = options;
  const dynamo = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const streams = new DynamoDBStreamsClient({ ...LOCAL_AWS, endpoint });
  const ledger = new Ledger(localDocumentClient(endpoint), tableName);
  await writeFile(file, '', { mode: 0o600 });

  // The CDK table streams old and new images; the local one is made to match.
  let { Table: table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
  if (!table?.LatestStreamArn) {
    await dynamo.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
    ({ Table: table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName })));
  }
  const streamArn = table?.LatestStreamArn;
  if (!streamArn) throw new Error(`DynamoDB Local gave table ${tableName} no stream`);

  const iterators = new Map<string, string | undefined>();
  /** The last record written per shard, to resume after. */
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
      const events = await eventsOfRecords(Records as StreamRecord[], (orderId) => ledger.getOrder(orderId));
      if (events.length > 0) {
        // As the pipe puts them on the bus: the enrichment's element is the detail.
        const lines = events.map((event) => JSON.stringify({ source: EVENT_SOURCE, 'detail-type': event.detail_type, detail: event }));
        await appendFile(file, `${lines.join('\n')}\n`);
      }
      // Moved on only once the records are written: a failed mapping reads them again.
      iterators.set(id, NextShardIterator);
      const last = Records.at(-1)?.dynamodb?.SequenceNumber;
      if (last) lastSequence.set(id, last);
    }
    return seen;
  }

  // DynamoDB Local sometimes refuses an iterator it handed out (trimmed or expired, more often on
  // a busy machine): a fresh one resumes after the last record written, as the pipe does.
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

  // One poll at a time: the timer and drain() share the chain, so records are written in order.
  let chain: Promise<unknown> = Promise.resolve();
  const poll = () => {
    const next = chain.then(pollOnce);
    chain = next.catch(() => 0);
    return next;
  };
  const timer = setInterval(() => void poll().catch(() => undefined), POLL_MS);

  return {
    file,
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
