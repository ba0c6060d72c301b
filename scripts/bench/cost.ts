// Measurement 6: what a million operations cost in AWS, from the counted remote calls and
// consumed request units, the handlers' measured CPU, the memory each function is deployed
// with (infra/functions.ts, arm64), and the prices in prices.ts.
import { FUNCTIONS, type FunctionId } from '../../infra/functions.js';
import { DURATION_MODEL, PRICES } from './prices.js';
import { round } from './stats.js';
import type { OperationCalls } from './remote-calls.js';
import type { OperationOverhead } from './overhead.js';

export interface OperationCost {
  operation: string;
  function: FunctionId;
  memory_mb: number;
  /** Modelled billed duration of one warm invocation. */
  duration_ms: number;
  /** USD per million operations, by line. */
  per_million: {
    lambda_requests: number;
    lambda_duration: number;
    http_api: number;
    dynamodb_reads: number;
    dynamodb_writes: number;
    secrets_manager: number;
    sqs: number;
    total: number;
  };
}

const FUNCTION_OF: Record<string, FunctionId> = {
  pay: 'pay',
  precreate: 'precreate',
  query: 'query',
  'query by sn': 'query',
  refund: 'refund',
  revoke: 'revoke',
  cancel: 'cancel',
  notify: 'notify',
  'timer step': 'timer',
};

/** Not behind the HTTP API: the timer's worker, invoked by its SQS event source. */
const SCHEDULED = new Set(['timer step']);
/** SQS requests per timer step: the worker's send of the next wake-up, the event source's receive and delete (batched, so at most). */
const SQS_REQUESTS_PER_STEP = 3;

export function costPerMillion(calls: OperationCalls[], overhead: OperationOverhead[]): OperationCost[] {
  return calls.flatMap((entry) => {
    const fn = FUNCTION_OF[entry.operation];
    if (!fn) return [];
    const memoryMb = FUNCTIONS[fn].memoryMb;
    const counts = entry.median;
    const cpuMs = overhead.find((o) => o.operation === entry.operation)?.cpu_ms.p50 ?? overhead.find((o) => o.operation === fn)?.cpu_ms.p50 ?? 0;
    const transactions = counts.dynamodb_by_operation.TransactWriteItems ?? 0;
    const durationMs = Math.ceil(
      cpuMs * (DURATION_MODEL.full_vcpu_mb / memoryMb) +
        (counts.dynamodb_reads + counts.dynamodb_writes - transactions) * DURATION_MODEL.dynamodb_call_ms +
        transactions * DURATION_MODEL.dynamodb_transaction_ms +
        counts.provider_calls * DURATION_MODEL.provider_call_ms +
        counts.secrets_manager_calls * DURATION_MODEL.secrets_manager_call_ms,
    );
    const million = 1e6;
    const scheduled = SCHEDULED.has(entry.operation);
    const lines = {
      lambda_requests: scheduled ? 0 : million * PRICES.lambda_request,
      lambda_duration: million * (durationMs / 1000) * (memoryMb / 1024) * PRICES.lambda_arm64_gb_second,
      http_api: scheduled ? 0 : million * PRICES.http_api_request,
      dynamodb_reads: million * counts.dynamodb_read_units * PRICES.dynamodb_read_request_unit,
      dynamodb_writes: million * counts.dynamodb_write_units * PRICES.dynamodb_write_request_unit,
      secrets_manager: million * counts.secrets_manager_calls * PRICES.secrets_manager_api_call,
      sqs: scheduled ? million * SQS_REQUESTS_PER_STEP * PRICES.sqs_request : 0,
    };
    const total = Object.values(lines).reduce((sum, value) => sum + value, 0);
    const per_million = Object.fromEntries(Object.entries({ ...lines, total }).map(([key, value]) => [key, round(value, 3)])) as OperationCost['per_million'];
    return [{ operation: entry.operation, function: fn, memory_mb: memoryMb, duration_ms: durationMs, per_million }];
  });
}

/** The payment mix the timer's cost is stated for (issue 14's partition model uses the same). */
export const TIMER_MIX = {
  /** Paid at once: no timer step. */
  immediate: 0.7,
  /** Pay in progress: polled until the customer confirms, about two polls (6 s). */
  in_progress: 0.1,
  in_progress_steps: 2,
  /** QR: polled every 2 s for the first 30 s, then every 5 s; the customer pays after ~20 s: about 10 polls. */
  qr: 0.15,
  qr_steps: 10,
  /** Refunds answered at once: no step. */
  refund: 0.05,
} as const;

/** Lambda's SQS event source long-polls an empty queue with five pollers, each a 20 s ReceiveMessage. */
const IDLE_RECEIVES_PER_MONTH = 5 * 3 * 60 * 24 * 30;
const SWEEPS_PER_MONTH = 60 * 24 * 30;
/** The sweep's queries run 16 at once; plus the invocation's own overhead (assumption). */
const SWEEP_PARALLEL_QUERIES = 16;
const SWEEP_OVERHEAD_MS = 20;
/** What DynamoDB bills an eventually consistent query at the least. */
const MIN_QUERY_READ_UNITS = 0.5;
/** EventBridge Scheduler, per invocation after its free 14 million a month. */
const SCHEDULER_INVOCATION = 1.0 / 1e6;

export interface TimerCost {
  mix: typeof TIMER_MIX;
  steps_per_payment: number;
  /** USD per timer step: the worker's Lambda time and request, its DynamoDB units, three SQS requests. */
  step_usd: number;
  /** USD per million payments of the mix: the timer's steps only (the requests are in the table above). */
  timer_per_million_payments: number;
  /** USD a month for the sweep (every minute) whatever the traffic. */
  sweep_per_month: number;
  /** USD a month with nothing open: the sweep and the event source's polling of the empty queue. */
  idle_per_month: number;
  notes: string[];
}

export function timerCost(operations: OperationCost[], sweepIdle: { dynamodb_reads: number; dynamodb_read_units: number } | undefined): TimerCost | undefined {
  const step = operations.find((one) => one.operation === 'timer step');
  if (!step || !sweepIdle) return undefined;
  const stepsPerPayment = TIMER_MIX.in_progress * TIMER_MIX.in_progress_steps + TIMER_MIX.qr * TIMER_MIX.qr_steps;
  // The per-million figures of the step include no Lambda request (one per batch): count one per step, the worst case.
  const stepUsd = (step.per_million.total + 1e6 * PRICES.lambda_request) / 1e6;
  const sweepMs = Math.ceil(sweepIdle.dynamodb_reads / SWEEP_PARALLEL_QUERIES) * DURATION_MODEL.dynamodb_call_ms + SWEEP_OVERHEAD_MS;
  // DynamoDB Local reports no units for a query that finds nothing; DynamoDB bills each at least half a read unit.
  const sweepReadUnits = Math.max(sweepIdle.dynamodb_read_units, MIN_QUERY_READ_UNITS * sweepIdle.dynamodb_reads);
  const sweepRun =
    PRICES.lambda_request +
    (sweepMs / 1000) * (FUNCTIONS.sweep.memoryMb / 1024) * PRICES.lambda_arm64_gb_second +
    sweepReadUnits * PRICES.dynamodb_read_request_unit +
    SCHEDULER_INVOCATION;
  const sweepPerMonth = SWEEPS_PER_MONTH * sweepRun;
  return {
    mix: TIMER_MIX,
    steps_per_payment: round(stepsPerPayment, 2),
    step_usd: round(stepUsd, 8),
    timer_per_million_payments: round(1e6 * stepsPerPayment * stepUsd, 2),
    sweep_per_month: round(sweepPerMonth, 3),
    idle_per_month: round(sweepPerMonth + IDLE_RECEIVES_PER_MONTH * PRICES.sqs_request, 3),
    notes: [
      `a sweep: ${sweepIdle.dynamodb_reads} index queries (the due index's shards and the open-cases count; ${sweepReadUnits} read units, at least ${MIN_QUERY_READ_UNITS} a query), ${SWEEP_PARALLEL_QUERIES} at once, modelled ${sweepMs} ms at ${FUNCTIONS.sweep.memoryMb} MB, plus an EventBridge Scheduler invocation ($1 per million beyond the free 14 million)`,
      `an idle queue: the event source's five long-polling pollers, ${IDLE_RECEIVES_PER_MONTH.toLocaleString('en')} ReceiveMessage a month (within SQS's free million, priced here without it)`,
      'no free tiers counted; alarms and custom metrics are fixed monitoring costs, listed in DEPLOY.md §9',
    ],
  };
}
