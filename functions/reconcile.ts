// The reconcile job (every minute in AWS; its timeout outlasts the minute, so invocations
// overlap and no due step waits for the next tick): works through due orders and refunds
// for as long as a whole step still fits in the invocation (lib/payments/reconcile-loop.ts).
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { countOutcome, metrics, observed } from '../lib/api/observability.js';
import type { ReconcileReport } from '../lib/payments/reconcile.js';
import { reconcileWhileTimeLeft } from '../lib/payments/reconcile-loop.js';
import { emitOpenAttention } from '../lib/worklist/gauge.js';

async function run(_event: unknown, context: Context): Promise<ReconcileReport> {
  const { config, paymentDeps: deps, records } = appContext();
  const total = await reconcileWhileTimeLeft(deps, { remainingMs: () => context.getRemainingTimeInMillis(), reserveMs: config.RECONCILE_RESERVE_MS, limit: 50, concurrency: 8 });
  const oldest = await deps.ledger.oldestDue();
  metrics.addMetric('ReconcileBacklogAgeSeconds', MetricUnit.Seconds, oldest === undefined ? 0 : Math.max(0, Math.round((deps.now() - oldest) / 1000)));
  countOutcome('ReconcileItems', 'processed', total.processed);
  countOutcome('ReconcileItems', 'error', total.errors);
  await emitOpenAttention(records, deps.telemetry);
  return total;
}

export const handler = observed(run);
