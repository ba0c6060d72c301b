// The reconcile job (every minute in AWS): works through due orders and refunds, and keeps
// going within its minute while items fall due, so the provider's second-scale polling
// intervals hold although the schedule ticks once a minute.
import type { Context } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { countOutcome, metrics, observed } from '../lib/api/observability.js';
import { reconcileDue, type ReconcileReport } from '../lib/payments/reconcile.js';

async function run(_event: unknown, context: Context): Promise<ReconcileReport> {
  const { config, paymentDeps: deps } = appContext();
  const reserveMs = config.RECONCILE_RESERVE_MS;
  const total: ReconcileReport = { processed: 0, errors: 0 };
  while (context.getRemainingTimeInMillis() > reserveMs) {
    const pass = await reconcileDue(deps, { limit: 50, concurrency: 8 });
    total.processed += pass.processed;
    total.errors += pass.errors;
    if (pass.processed + pass.errors > 0) continue;
    const oldest = await deps.ledger.oldestDue();
    const wait = oldest === undefined ? Infinity : oldest - deps.now();
    if (wait > context.getRemainingTimeInMillis() - reserveMs) break;
    await deps.sleep(Math.max(wait, 100));
  }
  const oldest = await deps.ledger.oldestDue();
  metrics.addMetric('ReconcileBacklogAgeSeconds', MetricUnit.Seconds, oldest === undefined ? 0 : Math.max(0, Math.round((deps.now() - oldest) / 1000)));
  countOutcome('ReconcileItems', 'processed', total.processed);
  countOutcome('ReconcileItems', 'error', total.errors);
  return total;
}

export const handler = observed(run);
