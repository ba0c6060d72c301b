// The sweep (EventBridge Scheduler, every minute): wakes what a lost timer message left
// overdue (lib/payments/sweep.ts), and emits the due backlog's age and the OpenAttention
// gauge, so both alarms see a figure every minute, busy or idle.
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { appContext } from '../lib/api/context.js';
import { metrics, observed } from '../lib/api/observability.js';
import { sweep, type SweepReport } from '../lib/payments/sweep.js';
import { emitOpenAttention } from '../lib/worklist/gauge.js';

/** Items read from each shard of the due index per run: 64 shards × 100 wake up to 6,400 a minute. */
const LIMIT_PER_SHARD = 100;

async function run(): Promise<SweepReport> {
  const { config, paymentDeps: deps, records } = appContext();
  const report = await sweep(deps, { graceMs: config.SWEEP_GRACE_MS, limitPerShard: LIMIT_PER_SHARD });
  metrics.addMetric('DueBacklogAgeSeconds', MetricUnit.Seconds, Math.max(0, Math.round(report.backlogAgeMs / 1000)));
  metrics.addMetric('SweepWokenItems', MetricUnit.Count, report.woken);
  await emitOpenAttention(records, deps.telemetry);
  // Unlike a request's, the sweep's own schedule must not fail quietly: after its figures, its errors alarm.
  if (report.unsent > 0) throw new Error(`sweep: ${report.unsent} wake-up(s) not sent`);
  return report;
}

export const handler = observed(run);
