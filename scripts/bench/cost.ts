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
