// The step timer's worker (SQS event source): each message wakes one order or refund whose
// next step should be due; the items of a batch run at once (lib/payments/reconcile.ts). A
// step that fails is reported back, so SQS delivers that message again after its visibility
// timeout (and to the dead-letter queue after a few tries); the claimed step is due by then.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { observed } from '../lib/api/observability.js';
import { advanceBatch } from '../lib/payments/reconcile.js';

async function run(event: SQSEvent): Promise<SQSBatchResponse> {
  const { failed } = await advanceBatch(appContext().paymentDeps)(event.Records.map((record) => ({ id: record.messageId, body: record.body })));
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = observed(run);
