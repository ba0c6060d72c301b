// The performance budgets (issues 7 and 14), judged on the measured figures. Timings are
// judged only as ratios to a floor measured in the same run (this machine's speed changes
// from run to run); counts are judged as counts.
import type { RemoteCallsResult } from './remote-calls.js';
import type { ColdStartResult } from './cold-start.js';
import type { OverheadResult } from './overhead.js';
import type { EndToEndResult } from './end-to-end.js';
import type { FleetResult } from './fleet.js';
import type { RecordsResult } from './records.js';
import type { PartitionsResult } from './partitions.js';
import type { TimerResult } from './timer.js';
import type { TimerCost } from './cost.js';
import { timerBudgets } from './timer-judge.js';
import { BUNDLE_BUDGET_BYTES } from '../../infra/bundling.js';

export interface Budget {
  name: string;
  limit: string;
  measured: string;
  pass: boolean;
  /** Its phase produced no figures: failed, or (`--only`) not run. */
  unmeasured?: true;
}

export interface Measured {
  remote_calls?: RemoteCallsResult;
  cold_start?: ColdStartResult;
  overhead?: OverheadResult;
  end_to_end?: EndToEndResult;
  fleet?: FleetResult;
  records?: RecordsResult;
  partitions?: PartitionsResult;
  timer?: TimerResult;
  /** The timer's and the sweep's cost (from the remote calls and the overhead). */
  timer_cost?: TimerCost;
}

export const LIMITS = {
  bundleBytes: BUNDLE_BUDGET_BYTES,
  /** Every function's init ≤ this × the empty-handler floor. */
  initFactor: 2,
  /** Our CPU on the request's own thread. */
  overheadP99Ms: 2,
  /** pay p50 ≤ this × (direct provider call p50 + 2 × DynamoDB write p50). */
  payToFloorFactor: 1.5,
  /** The paced fleet run reaches at least this share of its configured pace. */
  fleetPacedShare: 0.9,
  /** The unpaced fleet run reaches at least this share of a bare check-in loop's rate. */
  fleetUnpacedShare: 0.5,
  reportReadUnits: 60,
  reportMs: 1_000,
  partitionPaymentsPerSecond: 5_000,
  concurrentAtTarget: 3_000,
} as const;

/** The budget of a phase that produced no figures. A function: timer-judge.ts, which this module imports, uses it too. */
export function missing(name: string, limit: string): Budget {
  return { name, limit, measured: 'not measured', pass: false, unmeasured: true };
}

export function judge(measured: Measured): Budget[] {
  const budgets: Budget[] = [];
  const calls = measured.remote_calls?.operations;

  const pay = calls?.find((entry) => entry.operation === 'pay')?.median;
  const payLimit = '≤ 2 DynamoDB writes, 0 reads, 0 Secrets Manager calls, 1 provider call';
  budgets.push(
    pay
      ? {
          name: 'pay (immediate success), warm: remote calls',
          limit: payLimit,
          measured: `${pay.dynamodb_writes} writes, ${pay.dynamodb_reads} reads, ${pay.secrets_manager_calls} Secrets Manager, ${pay.provider_calls} provider`,
          pass: pay.dynamodb_writes <= 2 && pay.dynamodb_reads === 0 && pay.secrets_manager_calls === 0 && pay.provider_calls === 1,
        }
      : missing('pay (immediate success), warm: remote calls', payLimit),
  );
  const query = calls?.find((entry) => entry.operation === 'query')?.median;
  const queryLimit = '1 DynamoDB read and nothing else';
  budgets.push(
    query
      ? {
          name: 'query of a final order, warm: remote calls',
          limit: queryLimit,
          measured: `${query.dynamodb_reads} reads, ${query.dynamodb_writes} writes, ${query.secrets_manager_calls} Secrets Manager, ${query.provider_calls} provider`,
          pass: query.dynamodb_reads === 1 && query.dynamodb_writes === 0 && query.secrets_manager_calls === 0 && query.provider_calls === 0,
        }
      : missing('query of a final order, warm: remote calls', queryLimit),
  );

  const cold = measured.cold_start;
  const sizeLimit = `every bundle ≤ ${LIMITS.bundleBytes / 1024 / 1024} MB minified`;
  const initLimit = `init ≤ ${LIMITS.initFactor}× the empty-handler floor of the same run`;
  if (cold) {
    const largest = [...cold.functions].sort((a, b) => b.bytes - a.bytes)[0];
    const over = cold.functions.filter((one) => one.bytes > LIMITS.bundleBytes);
    budgets.push({
      name: 'bundle size',
      limit: sizeLimit,
      measured: `largest ${largest?.name} ${((largest?.bytes ?? 0) / 1024).toFixed(1)} KB; ${over.length} of ${cold.functions.length} over`,
      pass: over.length === 0,
    });
    const slowest = [...cold.functions].sort((a, b) => b.ratio_to_floor - a.ratio_to_floor)[0];
    const slow = cold.functions.filter((one) => one.ratio_to_floor > LIMITS.initFactor);
    budgets.push({
      name: 'module initialisation',
      limit: initLimit,
      measured: `floor ${cold.floor.init.median_ms} ms; worst ${slowest?.name} ${slowest?.init.median_ms} ms, ${slowest?.ratio_to_floor}× the floor runs beside it; ${slow.length} of ${cold.functions.length} over`,
      pass: slow.length === 0,
    });
  } else budgets.push(missing('bundle size', sizeLimit), missing('module initialisation', initLimit));

  // process.cpuUsage() counts every thread (V8's concurrent GC and compiler too): reported,
  // not judged. The budget is our CPU on the request's own thread.
  const overhead = measured.overhead;
  const overheadLimit = `p99 ≤ ${LIMITS.overheadP99Ms} ms CPU per request on the request's thread, every operation`;
  if (overhead) {
    const pathWorst = [...overhead.operations].sort((a, b) => b.request_path_ms.p99 - a.request_path_ms.p99)[0];
    const pathOver = overhead.operations.filter((one) => one.request_path_ms.p99 > LIMITS.overheadP99Ms);
    budgets.push({
      name: 'handler overhead, request thread (min(CPU, wall) − fakes)',
      limit: overheadLimit,
      measured: `worst ${pathWorst?.operation} p99 ${pathWorst?.request_path_ms.p99} ms (p50 ${pathWorst?.request_path_ms.p50}); over: ${pathOver.map((one) => `${one.operation} ${one.request_path_ms.p99}`).join(', ') || 'none'}`,
      pass: pathOver.length === 0,
    });
  } else budgets.push(missing('handler overhead, request thread', overheadLimit));

  const e2eLimit = `p50 ≤ ${LIMITS.payToFloorFactor} × (direct provider call p50 + 2 × DynamoDB write p50), both measured in the same run`;
  const payPair = measured.end_to_end?.operations.find((one) => one.operation === 'pay');
  const write = payPair?.dynamodb_write_ms;
  budgets.push(
    payPair && write && payPair.ratio_to_floor_p50 !== undefined
      ? {
          name: 'end-to-end pay vs its physical floor',
          limit: e2eLimit,
          measured: `${payPair.end_to_end_ms.p50} ms vs ${payPair.direct_ms.p50} + 2 × ${write.p50} ms = ${payPair.ratio_to_floor_p50}×`,
          pass: payPair.ratio_to_floor_p50 <= LIMITS.payToFloorFactor,
        }
      : missing('end-to-end pay vs its physical floor', e2eLimit),
  );

  const fleet = measured.fleet;
  const paced = fleet?.runs.find((run) => run.name === 'paced');
  const unpaced = fleet?.runs.find((run) => run.name === 'unpaced');
  // The pacer's rate: key writes from the first to the last (the window's start and drain are not its doing).
  const pacedLimit = `key writes ≥ ${LIMITS.fleetPacedShare * 100} % of the configured pace, nothing failed`;
  const pacedRate = paced?.secrets_writes?.first_to_last_per_second;
  const unpacedLimit = `≥ ${LIMITS.fleetUnpacedShare * 100} % of a bare loop of provider check-ins and key writes at the same concurrency, nothing failed`;
  const nothingFailed = (run: FleetResult['runs'][number]) => run.report.failed + run.report.unconfirmed + run.report.parked === 0 && run.report.checked_in > 0;
  budgets.push(
    paced && paced.paced_writes_per_second !== null && pacedRate !== undefined
      ? {
          name: `fleet check-in, paced (${paced.paced_writes_per_second} writes/s)`,
          limit: pacedLimit,
          measured: `${pacedRate} key writes/s first to last = ${round2((pacedRate / paced.paced_writes_per_second) * 100)} % (${paced.report.checked_in} checked in in ${paced.seconds} s, ${paced.terminals_per_second} terminals/s)`,
          pass: pacedRate >= LIMITS.fleetPacedShare * paced.paced_writes_per_second && nothingFailed(paced),
        }
      : missing('fleet check-in, paced', pacedLimit),
  );
  budgets.push(
    unpaced && fleet
      ? {
          name: `fleet check-in, unpaced (concurrency ${unpaced.concurrency})`,
          limit: unpacedLimit,
          measured: `${unpaced.terminals_per_second} terminals/s (${unpaced.report.checked_in} in ${unpaced.seconds} s) vs bare loop ${fleet.bare_loop.terminals_per_second}/s = ${round2((unpaced.terminals_per_second / fleet.bare_loop.terminals_per_second) * 100)} %`,
          pass: unpaced.terminals_per_second >= LIMITS.fleetUnpacedShare * fleet.bare_loop.terminals_per_second && nothingFailed(unpaced) && fleet.bare_loop.failed === 0,
        }
      : missing('fleet check-in, unpaced', unpacedLimit),
  );
  const records = measured.records;
  const historyLimit = '≤ 1 DynamoDB Query per page of 50';
  const reportLimit = `≤ ${LIMITS.reportReadUnits} read units and ≤ ${LIMITS.reportMs} ms`;
  if (records) {
    const page = records.history_page;
    budgets.push({
      name: 'history page of 50 (GET /v1/orders?date=)',
      limit: historyLimit,
      measured: `${page.queries} queries (${page.with_refunds} orders with refunds), ${page.other_calls} other calls, ${page.read_units} read units, ${page.median_ms} ms`,
      pass: page.queries <= 1 && page.other_calls === 0,
    });
    const report = records.daily_report;
    budgets.push({
      name: `daily report of a store-day with ${records.orders} orders`,
      limit: reportLimit,
      measured: `${report.read_units} read units in ${report.queries} queries and ${report.other_calls} other calls, ${report.median_ms} ms (totals caught up ${records.totals_catch_up_ms} ms after the last write)`,
      pass: report.read_units <= LIMITS.reportReadUnits && report.median_ms <= LIMITS.reportMs,
    });
  } else budgets.push(missing('history page of 50', historyLimit), missing('daily report', reportLimit));

  const partitions = measured.partitions;
  const rateLimit = `≥ ${LIMITS.partitionPaymentsPerSecond} payments/s before one partition key value passes 1,000 WCU/s or 3,000 RCU/s`;
  const concurrencyLimit = `≤ ${LIMITS.concurrentAtTarget} concurrent executions at ${LIMITS.partitionPaymentsPerSecond} payments/s`;
  if (partitions) {
    const { model, baseline } = partitions;
    const rate = (figure: number | null) => (figure === null ? 'unbounded' : `${figure} payments/s`);
    budgets.push({
      name: 'partition model: payments/s of the mix',
      limit: rateLimit,
      measured: `${rate(model.sustained_payments_per_second)}, first to saturate: ${model.first_to_saturate ?? 'none'} (baseline aaf0ad9: ${rate(baseline.sustained_payments_per_second)}, ${baseline.first_to_saturate ?? 'none'})`,
      pass: model.sustained_payments_per_second === null || model.sustained_payments_per_second >= LIMITS.partitionPaymentsPerSecond,
    });
    const { at, per_1000_payments_per_second } = partitions.concurrency;
    budgets.push({
      name: 'Lambda concurrency of the mix',
      limit: concurrencyLimit,
      measured: `${at.concurrent} at ${at.payments_per_second} payments/s (${per_1000_payments_per_second} per 1,000 payments/s)`,
      pass: at.concurrent <= LIMITS.concurrentAtTarget,
    });
  } else budgets.push(missing('partition model: payments/s of the mix', rateLimit), missing('Lambda concurrency of the mix', concurrencyLimit));
  budgets.push(...timerBudgets(measured.timer, measured.timer_cost));
  return budgets;
}

const round2 = (value: number) => Math.round(value * 10) / 10;
