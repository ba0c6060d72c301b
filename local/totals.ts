// The local stand-in for the store-day totals consumer (functions/totals.ts in AWS): the same
// lib/totals code, fed by the local stream reader.
import { applyRecords } from '../lib/totals/apply.js';
import { TotalsStore } from '../lib/store/totals.js';
import { localDocumentClient } from './dynamodb.js';
import { startStreamReader, type StreamReader } from './stream-reader.js';

export async function startTotalsWriter(options: { endpoint: string; tableName: string; timeZone: string }): Promise<StreamReader> {
  const totals = new TotalsStore(localDocumentClient(options.endpoint), options.tableName);
  // The local stack's table is new and its stream is read from its first record: every day is complete.
  const startedAt = await totals.startedAt(0);
  return startStreamReader({ endpoint: options.endpoint, tableName: options.tableName, consume: (records) => applyRecords(records, { totals, timeZone: options.timeZone, startedAt }) });
}
