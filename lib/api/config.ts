// Everything a function needs from its environment, checked once at cold start. The CDK
// stack and the local stack set the same variables, so code never asks where it runs.
import * as z from 'zod';

const positiveInt = z.coerce.number().int().positive();

// Built on first read (the first request), not at import: see lib/api/schemas/payments.ts.
const configSchema = z.lazy(() => z.object({
  TABLE_NAME: z.string().min(1),
  UPAY_BASE_URL: z.url(),
  /** Secrets are `<prefix>/terminals/<terminal_sn>` in Secrets Manager. */
  SECRET_PREFIX: z.string().min(1).default('upay'),
  VENDOR_SECRET_ID: z.string().min(1).default('upay/vendor'),
  /** The customer-managed KMS key id new terminal secrets are created with. */
  SECRETS_KMS_KEY_ID: z.string().min(1).optional(),
  /** A second region every new terminal secret is replicated to. */
  SECRET_REPLICA_REGION: z.string().min(1).optional(),
  /** Local stack only: keys in this file instead of Secrets Manager. */
  KEY_STORE_FILE: z.string().min(1).optional(),
  /** Local stack only: DynamoDB Local. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  /** DynamoDB client timeouts; the local stack lengthens them for a JVM on a busy machine. */
  DYNAMODB_CONNECT_TIMEOUT_MS: positiveInt.default(1_000),
  DYNAMODB_REQUEST_TIMEOUT_MS: positiveInt.default(3_000),
  KEY_CACHE_TTL_MS: positiveInt.default(5 * 60_000),
  PROVIDER_TIMEOUT_MS: positiveInt.default(8_000),
  CHECKIN_WRITES_PER_SECOND: positiveInt.default(40),
  // I/O-bound: the pacer, not the concurrency, holds Secrets Manager to its write rate.
  CHECKIN_CONCURRENCY: positiveInt.default(32),
  /** A fleet run that runs out of time re-invokes its own function (AWS) or hands back its cursor (local loop). */
  FLEET_CONTINUATION: z.enum(['invoke', 'return']).default('invoke'),
  /** Our notify route, given to the provider with every pay and precreate. */
  NOTIFY_URL: z.url().optional(),
  /** The provider's RSA public key (SPKI PEM) that signs callbacks. */
  UPAY_PUBLIC_KEY_PEM: z.string().min(1).optional(),
  /** The provider's timings (protocol §6); shortened only in tests. */
  POLL_INTERVAL_MS: positiveInt.default(3_000),
  /**
   * How long pay polls an in-progress payment inside its request before answering 202. 0 (the
   * default): at once — the timer polls, the app polls GET — so a payment in progress holds no
   * Lambda while it waits (issue 14: 20 s of in-request polling at 5,000 payments/s with 10 %
   * in progress would alone keep 10,000 Lambdas busy).
   */
  PAY_IN_REQUEST_MS: z.coerce.number().int().nonnegative().default(0),
  PAY_DEADLINE_MS: positiveInt.default(45_000),
  PRECREATE_FAST_POLL_MS: positiveInt.default(2_000),
  PRECREATE_FAST_MS: positiveInt.default(30_000),
  PRECREATE_POLL_MS: positiveInt.default(5_000),
  PRECREATE_DEADLINE_MS: positiveInt.default(120_000),
  MAX_ATTEMPTS: positiveInt.default(5),
  /** The request functions' Lambda timeout plus margin (API Gateway cuts the answer at 30 s). */
  REQUEST_LIFETIME_MS: positiveInt.default(35_000),
  /** The step timer's SQS queue (lib/timer/sqs.ts); unset on the local stack, which runs the in-process stand-in. */
  TIMER_QUEUE_URL: z.url().optional(),
  /** How long past its due time an item waits for its own wake-up before the sweep sends another. */
  SWEEP_GRACE_MS: positiveInt.default(60_000),
  /**
   * Set where a consumer of the table's stream keeps the store-day totals (functions/totals.ts).
   * Without it a table may still hold totals items (one restored or adopted without its stream)
   * that nothing adds later changes to: daily reports are computed from the orders.
   */
  DAILY_TOTALS: z.literal('kept').optional(),
  /** The merchant's time zone: the calendar day of the records and the daily report. */
  BUSINESS_TIME_ZONE: z
    .string()
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    })
    .default('Asia/Shanghai'),
}));

export type Config = z.infer<typeof configSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => issue.path.join('.')).join(', ');
    throw new Error(`invalid function configuration: ${names}`);
  }
  return parsed.data;
}
