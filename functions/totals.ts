// The store-day totals consumer (DynamoDB stream of the ledger → this function, filtered to
// order and refund items): adds each change to its store-day's totals, once
// (lib/totals/apply.ts). A throw fails the batch; Lambda retries it, halving it on error,
// and the markers make every retry add only what was not added yet.
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { observed } from '../lib/api/observability.js';
import type { StreamRecord } from '../lib/events/stream.js';
import { applyRecords } from '../lib/totals/apply.js';

let startedAt: Promise<number> | undefined;

async function run(event: DynamoDBStreamEvent): Promise<{ applied: number }> {
  const { totals, config } = appContext();
  // Written by the first batch ever: the days after it are complete (DEPLOY.md, "Daily totals").
  startedAt ??= totals.startedAt(Date.now()).catch((error: unknown) => {
    startedAt = undefined;
    throw error;
  });
  return applyRecords(event.Records as StreamRecord[], { totals, timeZone: config.BUSINESS_TIME_ZONE, startedAt: await startedAt });
}

export const handler = observed(run);
