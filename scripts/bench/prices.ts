// Published AWS prices (us-east-1, on-demand, no free tier) and the modelling assumptions the
// cost table uses. Looked up on 2026-11-26 with the project's search tool; where only a
// secondary source was found, it is named. Check the live pricing pages before quoting.

export const PRICES = {
  region: 'us-east-1',
  looked_up: '2026-11-26',
  lambda_arm64_gb_second: 0.0000133334,
  lambda_request: 0.2 / 1e6,
  http_api_request: 1.0 / 1e6,
  /** SQS standard queue, per request (64 KB chunk), after the free million a month. */
  sqs_request: 0.4 / 1e6,
  dynamodb_write_request_unit: 0.625 / 1e6,
  dynamodb_read_request_unit: 0.125 / 1e6,
  secrets_manager_api_call: 0.05 / 10_000,
  secrets_manager_secret_month: 0.4,
  sources: [
    'Lambda: https://aws.amazon.com/lambda/pricing/ (archived copy of 2026-06-18): Arm $0.0000133334 per GB-s (first 7.5 billion GB-s a month), $0.20 per 1M requests',
    'DynamoDB on-demand, Standard table class: https://aws.amazon.com/dynamodb/pricing/on-demand/ ; figures ($0.625 per 1M WRU, $0.125 per 1M RRU, since the 50% cut of 2024-11-01) from secondary summaries (airbyte.com 2025-07-21, jusdb.com 2025-08-19)',
    'API Gateway HTTP APIs: https://aws.amazon.com/api-gateway/pricing/ : $1.00 per 1M requests (first 300M a month), per secondary summaries of 2025-05 to 2026',
    'SQS: https://aws.amazon.com/sqs/pricing/ : standard queue $0.40 per 1M requests (first 1M a month free; a batch of up to 10 messages is one request)',
    'Secrets Manager: $0.05 per 10,000 API calls, $0.40 per secret-month (the brief; matches https://aws.amazon.com/secrets-manager/pricing/ summaries)',
  ],
} as const;

/** How a warm invocation's billed duration is modelled from what the bench measured. */
export const DURATION_MODEL = {
  /** Lambda gives a full vCPU at 1,769 MB and a proportional share below. */
  full_vcpu_mb: 1769,
  /** In-region DynamoDB answer time per call (assumption), transactions twice that. */
  dynamodb_call_ms: 5,
  dynamodb_transaction_ms: 10,
  /** The provider's answer time as seen from the function's region (assumption: Upay is in mainland China). */
  provider_call_ms: 150,
  secrets_manager_call_ms: 20,
  notes: [
    'billed duration = our CPU per request (overhead p50, this machine) × 1769 MB / memory, + calls × answer time, rounded up to 1 ms',
    'assumes a Graviton vCPU as fast as one core of the bench machine',
    'each 100 ms more provider latency adds $0.67 per million calls of a 512 MB function',
  ],
} as const;
