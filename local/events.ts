// The local stand-in for the order-events pipe: reads DynamoDB Local's stream of the ledger
// table (local/stream-reader.ts), maps its records with the very code the pipe's enrichment
// runs (lib/events), and appends each event as one JSON line, as the bus would receive it
// ({source, detail-type, detail}), to a file (`.local/events.jsonl`).
import { appendFile, writeFile } from 'node:fs/promises';
import { EVENT_SOURCE } from '../lib/events/order-events.js';
import { eventsOfRecords } from '../lib/events/stream.js';
import { Ledger } from '../lib/store/ledger.js';
import { localDocumentClient } from './dynamodb.js';
import { startStreamReader, type StreamReader } from './stream-reader.js';

export interface LocalEventWriter extends StreamReader {
  file: string;
}

export async function startEventWriter(options: { endpoint: string; tableName: string; file: string }): Promise<LocalEventWriter> {
  const { endpoint, tableName, file } = options;
  const ledger = new Ledger(localDocumentClient(endpoint), tableName);
  await writeFile(file, '', { mode: 0o600 });
  const reader = await startStreamReader({
    endpoint,
    tableName,
    consume: async (records) => {
      const events = await eventsOfRecords(records, (orderId) => ledger.getOrder(orderId));
      if (events.length === 0) return;
      // As the pipe puts them on the bus: the enrichment's element is the detail.
      const lines = events.map((event) => JSON.stringify({ source: EVENT_SOURCE, 'detail-type': event.detail_type, detail: event }));
      await appendFile(file, `${lines.join('\n')}\n`);
    },
  });
  return { file, ...reader };
}
