// The daily fleet check-in (EventBridge Scheduler). Resumes from `cursor` when a previous
// invocation ran short of time.
import type { Context } from 'aws-lambda';
import { appContext } from '../lib/api/context.js';
import { continueAsync } from '../lib/api/continuation.js';
import { countOutcome, observed } from '../lib/api/observability.js';
import { checkInFleet, type FleetReport } from '../lib/terminals/fleet.js';
import { pacer } from '../lib/terminals/pacer.js';
import { CHECKIN_WORST_MS } from '../lib/terminals/budget.js';

export interface FleetEvent {
  cursor?: string;
}

// A check-in is started only if its worst case (one key-write attempt) fits in what is left.
const RESERVE_MS = CHECKIN_WORST_MS;
const DAY_MS = 24 * 3_600_000;

async function run(event: FleetEvent, context: Context): Promise<FleetReport> {
  const { config, terminalDeps } = appContext();
  const report = await checkInFleet(terminalDeps, {
    ...(event?.cursor !== undefined ? { cursor: event.cursor } : {}),
    concurrency: config.CHECKIN_CONCURRENCY,
    pacer: pacer(config.CHECKIN_WRITES_PER_SECOND),
    remainingMs: () => context.getRemainingTimeInMillis(),
    reserveMs: RESERVE_MS,
    // Once a day, with slack so a run that starts a little earlier than yesterday's still checks in.
    minIntervalMs: DAY_MS - 2 * 3_600_000,
    pageSize: 100,
  });
  if (report.cursor !== undefined && config.FLEET_CONTINUATION === 'invoke') {
    await continueAsync(context.invokedFunctionArn, { cursor: report.cursor });
  }
  // The daily run's heartbeat: its alarm fires when no run completed by check-in time + 2 h.
  countOutcome('FleetRuns', report.cursor === undefined ? 'completed' : 'continued');
  return report;
}

export const handler = observed(run);
