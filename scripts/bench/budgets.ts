// The performance budgets of issue 7, judged on the measured figures.
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

export interface Budget {
  name: string;
  limit: string;
  measured: string;
  pass: boolean;
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
  bundleBytes: 400 * 1024,
  initFactor: 2,
  overheadP99Ms: 2,
  endToEndAddedMs: 15,
  fleetPacedPerSecond: 36,
  fleetUnpacedPerSecond: 300,
  reportReadUnits: 60,
  reportMs: 1_000,
  partitionPaymentsPerSecond: 5_000,
  concurrentAtTarget: 3_000,
} as const;

const missing = (name: string, limit: string): Budget => ({ name, limit, measured: 'not measured (the measurement failed)', pass: false });

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
  const sizeLimit = `every bundle ≤ ${LIMITS.bundleBytes / 1024} KB minified`;
  const initLimit = `init ≤ ${LIMITS.initFactor}× the empty-handler floor`;
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
      measured: `floor ${cold.floor.init.median_ms} ms; worst ${slowest?.name} ${slowest?.init.median_ms} ms = ${slowest?.ratio_to_floor}×; ${slow.length} of ${cold.functions.length} over`,
      pass: slow.length === 0,
    });
  } else budgets.push(missing('bundle size', sizeLimit), missing('module initialisation', initLimit));

  const overhead = measured.overhead;
  const overheadLimit = `p99 ≤ ${LIMITS.overheadP99Ms} ms CPU per request, every operation`;
  if (overhead) {
    const worst = [...overhead.operations].sort((a, b) => b.cpu_ms.p99 - a.cpu_ms.p99)[0];
    const over = overhead.operations.filter((one) => one.cpu_ms.p99 > LIMITS.overheadP99Ms);
    budgets.push({
      name: 'handler overhead (process.cpuUsage, fakes subtracted)',
      limit: overheadLimit,
      measured: `worst ${worst?.operation} p99 ${worst?.cpu_ms.p99} ms (p50 ${worst?.cpu_ms.p50}); over: ${over.map((one) => `${one.operation} ${one.cpu_ms.p99}`).join(', ') || 'none'}`,
      pass: over.length === 0,
    });
    const pathWorst = [...overhead.operations].sort((a, b) => b.request_path_ms.p99 - a.request_path_ms.p99)[0];
    const pathOver = overhead.operations.filter((one) => one.request_path_ms.p99 > LIMITS.overheadP99Ms);
    budgets.push({
      name: 'handler overhead, request thread only (min(CPU, wall) − fakes)',
      limit: overheadLimit,
      measured: `worst ${pathWorst?.operation} p99 ${pathWorst?.request_path_ms.p99} ms (p50 ${pathWorst?.request_path_ms.p50}); over: ${pathOver.map((one) => `${one.operation} ${one.request_path_ms.p99}`).join(', ') || 'none'}`,
      pass: pathOver.length === 0,
    });
  } else budgets.push(missing('handler overhead', overheadLimit));

  const e2eLimit = `p50 ≤ direct call p50 + ${LIMITS.endToEndAddedMs} ms`;
  for (const operation of ['pay', 'query']) {
    const pair = measured.end_to_end?.operations.find((one) => one.operation === operation);
    budgets.push(
      pair
        ? {
            name: `end-to-end ${operation} vs direct call`,
            limit: e2eLimit,
            measured: `${pair.end_to_end_ms.p50} ms vs ${pair.direct_ms.p50} ms (+${pair.added_p50_ms} ms)`,
            pass: pair.added_p50_ms <= LIMITS.endToEndAddedMs,
          }
        : missing(`end-to-end ${operation} vs direct call`, e2eLimit),
    );
  }

  const runs = measured.fleet?.runs;
  const paced = runs?.find((run) => run.name === 'paced');
  const unpaced = runs?.find((run) => run.name === 'unpaced');
  const pacedLimit = `≥ ${LIMITS.fleetPacedPerSecond} terminals/s`;
  const unpacedLimit = `≥ ${LIMITS.fleetUnpacedPerSecond} terminals/s`;
  budgets.push(
    paced
      ? { name: `fleet check-in, paced (${paced.paced_writes_per_second} writes/s)`, limit: pacedLimit, measured: `${paced.terminals_per_second} terminals/s (${paced.terminals} in ${paced.seconds} s)`, pass: paced.terminals_per_second >= LIMITS.fleetPacedPerSecond && paced.report.checked_in === paced.terminals }
      : missing('fleet check-in, paced', pacedLimit),
  );
  budgets.push(
    unpaced
      ? { name: `fleet check-in, unpaced (concurrency ${unpaced.concurrency})`, limit: unpacedLimit, measured: `${unpaced.terminals_per_second} terminals/s (${unpaced.terminals} in ${unpaced.seconds} s)`, pass: unpaced.terminals_per_second >= LIMITS.fleetUnpacedPerSecond && unpaced.report.checked_in === unpaced.terminals }
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
