// The step timer's worker (SQS event source): each message wakes one order or refund whose
// next step should be due; the items of a batch run at once. A step that fails is reported
// back, so SQS delivers that message again after its visibility timeout (and to the
// dead-letter queue after a few tries); the claimed step is due again by then.
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { countOutcome, observed } from '../lib/api/observability.js';
import { advance } from '../lib/payments/reconcile.js';
import { parseTimerItem } from '../lib/timer/index.js';

async function run(event: SQSEvent): Promise<SQSBatchResponse> {
  const { paymentDeps: deps } = appContext();
  const failures = await Promise.all(
    event.Records.map(async (record) => {
      const item = parseTimerItem(record.body);
      if (!item) {
        // Not ours to retry: a malformed message would fail the same way each time.
        deps.telemetry.error('timer message ignored', { message_id: record.messageId });
        countOutcome('TimerWakeUps', 'malformed');
        return undefined;
      }
      try {
        countOutcome('TimerWakeUps', await advance(deps, item));
        return undefined;
      } catch (error) {
        deps.telemetry.error('timer step failed', { order_id: item.order_id, error: (error as Error).name, detail: (error as Error).message });
        countOutcome('TimerWakeUps', 'error');
        return record.messageId;
      }
    }),
  );
  return { batchItemFailures: failures.filter((id) => id !== undefined).map((itemIdentifier) => ({ itemIdentifier })) };
}

export const handler = observed(run);
