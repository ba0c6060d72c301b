// The reconcile job (every minute in AWS): works through due orders and refunds, and keeps
// going within its minute while items fall due, so the provider's second-scale polling
// intervals hold although the schedule ticks once a minute.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { logger, metrics } from '../lib/api/observability.js';
import { reconcileDue, type ReconcileReport } from '../lib/payments/reconcile.js';
import { emitOpenAttention } from '../lib/worklist/gauge.js';

async function run(_event: unknown, context: Context): Promise<ReconcileReport> {
  const { config, paymentDeps: deps, records } = appContext();
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
  metrics.addMetric('ReconcileProcessed', MetricUnit.Count, total.processed);
  metrics.addMetric('ReconcileErrors', MetricUnit.Count, total.errors);
  await emitOpenAttention(records, deps.telemetry);
  return total;
}

export const handler = middy(run).use(injectLambdaContext(logger, { resetKeys: true })).use(logMetrics(metrics));
