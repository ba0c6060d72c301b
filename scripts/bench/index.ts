// `npm run bench`: the performance figures of the backend, measured on this machine, written
// to docs/performance.json and docs/performance.md, with a PASS/FAIL line per budget.
// Everything listens on loopback; every child process (DynamoDB Local, the workers, the
// spawned `node`s) is stopped at the end. One DynamoDB Local serves every measurement.
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal, warmUp, type DynamoDbLocal } from '../../local/dynamodb.js';
import { killAll, runWorker } from './children.js';
import { machineInfo } from './machine.js';
import { measureColdStart } from './cold-start.js';
import { costPerMillion, timerCost } from './cost.js';
import { judge, LIMITS } from './budgets.js';
import { findings } from './findings.js';
import { writeReport, type BenchReport } from './report.js';
import { DURATION_MODEL, PRICES } from './prices.js';
import type { RemoteCallsInput, RemoteCallsResult } from './remote-calls.js';
import { measureOverheadByMemory } from './overhead-workers.js';
import type { EndToEndInput, EndToEndResult } from './end-to-end.js';
import type { FleetInput, FleetResult } from './fleet.js';
import type { RecordsInput, RecordsResult } from './records.js';
import type { PartitionsInput, PartitionsResult } from './partitions.js';
import type { TimerInput, TimerResult } from './timer.js';

const FULL = {
  remote_call_samples: 5,
  overhead_warmup: 1_000,
  overhead_settle: 200,
  overhead_iterations: 1_000,
  overhead_profile_requests: 300,
  e2e_requests: 400,
  e2e_warmup: 30,
  cold_start_runs: 21,
  cold_start_profile_runs: 1,
  fleet_terminals: 5_000,
  // The paced run's rate is the pacer's from its first seconds: a window of it, not the
  // whole fleet (which at 40/s alone took 250 s of the bench).
  fleet_paced_window_seconds: 30,
  fleet_delay_ms: 50,
  fleet_secrets_latency_ms: 20,
  fleet_activation_concurrency: 32,
  records_orders: 5_000,
  records_samples: 5,
  // 10,000 orders open at once, opened over a polling interval; the interval stretched from 3 s so
  // that their steps (about 1.4 ms of this process's CPU each) leave a shared core room (scripts/bench/timer.ts).
  timer_orders: 10_000,
  timer_open_over_ms: 60_000,
  timer_poll_interval_ms: 60_000,
  timer_pay_deadline_ms: 90_000,
};

// `--quick`: the same measurements, small, to try the bench out; the report goes to a
// temporary directory, not to docs/. `--only=<phase>` (e.g. records) runs one phase, also
// reported to a temporary directory.
const QUICK = process.argv.includes('--quick');
const ONLY = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const runs = (name: string) => ONLY === undefined || ONLY === name;
const SETTINGS: typeof FULL = QUICK
  ? { ...FULL, remote_call_samples: 3, overhead_warmup: 200, overhead_settle: 50, overhead_iterations: 200, overhead_profile_requests: 50, e2e_requests: 50, e2e_warmup: 5, cold_start_runs: 3, fleet_terminals: 500, fleet_paced_window_seconds: 5, timer_orders: 1_000, timer_open_over_ms: 10_000, timer_poll_interval_ms: 10_000, timer_pay_deadline_ms: 15_000 }
  : FULL;

// Powertools as deployed (no level set: INFO; metrics on), not the bench's quiet settings.
const AS_DEPLOYED = { POWERTOOLS_LOG_LEVEL: undefined, POWERTOOLS_METRICS_DISABLED: undefined };

const started = performance.now();
const log = (line: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`);
const errors: { phase: string; message: string }[] = [];

async function phase<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  log(`${name} …`);
  const at = performance.now();
  try {
    const result = await run();
    log(`${name} done in ${((performance.now() - at) / 1000).toFixed(1)} s`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    errors.push({ phase: name, message });
    log(`${name} FAILED: ${message.split('\n')[0]}`);
    return undefined;
  }
}

let db: DynamoDbLocal | undefined;
const shutdown = async () => {
  await killAll();
  await db?.stop();
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void shutdown().finally(() => process.exit(130));
  });
}

const machine = machineInfo();
const measured: Partial<BenchReport> = {};
try {
  db = await startDynamoDbLocal(undefined, 'long');
  const dynamoEndpoint = db.endpoint;
  await warmUp(dynamoEndpoint);
  log(`DynamoDB Local at ${dynamoEndpoint}`);

  if (runs('records')) {
    measured.records = await phase('records: history page and daily report', () =>
      runWorker<RecordsResult>('records', { dynamoEndpoint, orders: SETTINGS.records_orders, samples: SETTINGS.records_samples } satisfies RecordsInput, { timeoutMs: 300_000 }),
    );
  }
  if (runs('partitions')) measured.partitions = await phase('partition model', () =>
    runWorker<PartitionsResult>('partitions', { dynamoEndpoint, targetPaymentsPerSecond: LIMITS.partitionPaymentsPerSecond } satisfies PartitionsInput, { timeoutMs: 60_000 }),
  );
  if (runs('remote-calls')) measured.remote_calls = await phase('remote calls per operation', () =>
    runWorker<RemoteCallsResult>('remote-calls', { dynamoEndpoint, samples: SETTINGS.remote_call_samples } satisfies RemoteCallsInput, { timeoutMs: 120_000 }),
  );
  if (runs('overhead')) measured.overhead = await phase('handler overhead (Powertools as deployed)', () =>
    measureOverheadByMemory(
      { warmup: SETTINGS.overhead_warmup, settle: SETTINGS.overhead_settle, iterations: SETTINGS.overhead_iterations, profileRequests: SETTINGS.overhead_profile_requests },
      { timeoutMs: 240_000, env: AS_DEPLOYED },
    ),
  );
  if (runs('overhead')) measured.overhead_quiet = await phase('handler overhead (quiet Powertools)', () =>
    measureOverheadByMemory(
      { warmup: Math.round(SETTINGS.overhead_warmup / 2), settle: SETTINGS.overhead_settle, iterations: Math.round(SETTINGS.overhead_iterations / 2), profileRequests: 0 },
      { timeoutMs: 180_000 },
    ),
  );
  if (runs('end-to-end')) measured.end_to_end = await phase('end to end vs direct', () =>
    runWorker<EndToEndResult>('end-to-end', { dynamoEndpoint, requests: SETTINGS.e2e_requests, warmup: SETTINGS.e2e_warmup } satisfies EndToEndInput, { timeoutMs: 180_000, env: AS_DEPLOYED }),
  );
  if (runs('cold-start')) measured.cold_start = await phase('cold start', () =>
    measureColdStart({ runs: SETTINGS.cold_start_runs, profileRuns: SETTINGS.cold_start_profile_runs, initBudgetFactor: LIMITS.initFactor }, log),
  );
  if (runs('fleet')) measured.fleet = await phase('fleet check-in', () =>
    runWorker<FleetResult>(
      'fleet',
      {
        dynamoEndpoint,
        terminals: SETTINGS.fleet_terminals,
        delayMs: SETTINGS.fleet_delay_ms,
        secretsLatencyMs: SETTINGS.fleet_secrets_latency_ms,
        activationConcurrency: SETTINGS.fleet_activation_concurrency,
        pacedWindowSeconds: SETTINGS.fleet_paced_window_seconds,
      } satisfies FleetInput,
      // A safety net, not a speed budget: on a busy machine DynamoDB Local slows the runs severalfold.
      { timeoutMs: 480_000 },
    ),
  );
  if (runs('timer')) measured.timer = await phase('timer precision (10,000 open orders)', () =>
    runWorker<TimerResult>(
      'timer',
      { orders: SETTINGS.timer_orders, providerDelayMs: 200, openOverMs: SETTINGS.timer_open_over_ms, pollIntervalMs: SETTINGS.timer_poll_interval_ms, payDeadlineMs: SETTINGS.timer_pay_deadline_ms } satisfies TimerInput,
      { timeoutMs: 360_000 },
    ),
  );
} catch (error) {
  errors.push({ phase: 'setup', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  log(`setup FAILED: ${String(error)}`);
} finally {
  await shutdown();
}

const operationCosts = measured.remote_calls && measured.overhead ? costPerMillion(measured.remote_calls.operations, measured.overhead.operations) : undefined;
// The timer's cost hardly depends on CPU: without the overhead phase its step is modelled from the remote calls alone.
const timer = measured.remote_calls && timerCost(operationCosts ?? costPerMillion(measured.remote_calls.operations, []), measured.remote_calls.sweep_idle);
if (timer) measured.timer_cost = timer;
// `--only` judges its own phase: the others' budgets were never measured, not failed.
const budgets = judge(measured).filter((budget) => ONLY === undefined || !budget.unmeasured);
const report: BenchReport = {
  generated_at: new Date().toISOString(),
  command: `npm run bench (tsx scripts/bench/index.ts${QUICK ? ' --quick' : ''}${ONLY !== undefined ? ` --only=${ONLY}` : ''})`,
  machine: { ...machine, load_average_at_end: loadavg().map((value) => Math.round(value * 100) / 100) },
  total_seconds: Math.round((performance.now() - started) / 100) / 10,
  settings: SETTINGS,
  budgets,
  ...measured,
  ...(operationCosts ? { cost: { prices: PRICES, duration_model: DURATION_MODEL, operations: operationCosts } } : {}),
  findings: findings(measured, budgets),
  errors,
};
const written = writeReport(report, QUICK || ONLY !== undefined ? mkdtempSync(join(tmpdir(), 'upay-bench-report-')) : undefined);

console.log(`\nMachine: ${machine.cpu_model}, ${machine.cores} cores, Node ${machine.node}; total ${report.total_seconds} s`);
for (const budget of budgets) console.log(`${budget.pass ? 'PASS' : 'FAIL'}  ${budget.name}: ${budget.measured}  (budget: ${budget.limit})`);
for (const error of errors) console.log(`ERROR ${error.phase}: ${error.message.split('\n')[0]}`);
console.log(`\nWrote ${written.json} and ${written.markdown}`);
if (budgets.some((budget) => !budget.pass) || errors.length > 0) process.exitCode = 1;
