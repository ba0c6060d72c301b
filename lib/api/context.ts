// The composition root: builds each adapter once per Lambda instance, from the environment
// only, so the same handlers run in AWS and on the local stack.
import { UpayClient } from '../upay/index.js';
import { LocalFileKeyStore, SecretsManagerKeyStore, createSecretsManagerClient, type KeyStore } from '../keys/index.js';
import { createDocumentClient } from '../store/client.js';
import { TerminalRegistry } from '../store/terminal-registry.js';
import { Ledger } from '../store/ledger.js';
import { RecordsStore } from '../store/records.js';
import { TotalsStore } from '../store/totals.js';
import { FleetStore } from '../store/fleet.js';
import { WorklistStore } from '../store/worklist.js';
import { localKeyRetirement, secretsManagerKeyRetirement } from '../keys/retirement.js';
import { terminalSigner } from '../terminals/signer.js';
import { terminalDirectory, type TerminalDirectory } from '../terminals/directory.js';
import type { TerminalDeps } from '../terminals/deps.js';
import type { PaymentDeps } from '../payments/deps.js';
import { loadConfig, type Config } from './config.js';
import { telemetry, tracer } from './observability.js';
import { localStepTimer, type StepTimer } from '../timer/index.js';

export interface AppContext {
  config: Config;
  keys: KeyStore;
  registry: TerminalRegistry;
  terminals: TerminalDirectory;
  terminalDeps: TerminalDeps;
  paymentDeps: PaymentDeps;
  records: RecordsStore;
  totals: TotalsStore;
  fleet: FleetStore;
  worklist: WorklistStore;
}

let context: AppContext | undefined;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function keyStore(config: Config): KeyStore {
  if (config.KEY_STORE_FILE) return new LocalFileKeyStore({ file: config.KEY_STORE_FILE, cacheTtlMs: config.KEY_CACHE_TTL_MS });
  return new SecretsManagerKeyStore({
    client: tracer.captureAWSv3Client(createSecretsManagerClient()),
    prefix: config.SECRET_PREFIX,
    vendorSecretId: config.VENDOR_SECRET_ID,
    ...(config.SECRETS_KMS_KEY_ID ? { kmsKeyId: config.SECRETS_KMS_KEY_ID } : {}),
    ...(config.SECRET_REPLICA_REGION ? { replicaRegions: [config.SECRET_REPLICA_REGION] } : {}),
    cacheTtlMs: config.KEY_CACHE_TTL_MS,
  });
}

/** SQS in AWS, loaded on the first wake-up (pay's immediate success never loads it); the in-process stand-in locally. */
function stepTimer(config: Config): StepTimer {
  const queueUrl = config.TIMER_QUEUE_URL;
  if (!queueUrl) return localStepTimer;
  let sqs: Promise<StepTimer> | undefined;
  return {
    async schedule(items) {
      sqs ??= import('../timer/sqs.js').then((adapter) => new adapter.SqsStepTimer(tracer.captureAWSv3Client(adapter.createSqsClient()), queueUrl));
      return (await sqs).schedule(items);
    },
  };
}

function build(config: Config): AppContext {
  const db = tracer.captureAWSv3Client(createDocumentClient({
    ...(config.DYNAMODB_ENDPOINT ? { endpoint: config.DYNAMODB_ENDPOINT } : {}),
    connectionTimeoutMs: config.DYNAMODB_CONNECT_TIMEOUT_MS,
    requestTimeoutMs: config.DYNAMODB_REQUEST_TIMEOUT_MS,
  }));
  const registry = new TerminalRegistry(db, config.TABLE_NAME);
  const keys = keyStore(config);
  const upay = new UpayClient({ baseUrl: config.UPAY_BASE_URL, timeoutMs: config.PROVIDER_TIMEOUT_MS });
  const now = () => Date.now();
  const signer = terminalSigner({
    keys,
    telemetry,
    onKeyRefused: (terminalSn) => registry.recordError(terminalSn, { code: 'ILLEGAL_SIGN', message: 'the provider refused the stored key', at: new Date().toISOString() }),
  });
  return {
    config,
    records: new RecordsStore(db, config.TABLE_NAME),
    totals: new TotalsStore(db, config.TABLE_NAME),
    fleet: new FleetStore(db, config.TABLE_NAME),
    worklist: new WorklistStore(db, config.TABLE_NAME),
    keys,
    registry,
    terminals: terminalDirectory(registry, config.KEY_CACHE_TTL_MS),
    terminalDeps: { upay, keys, registry, telemetry, now, providerTimeoutMs: config.PROVIDER_TIMEOUT_MS, keyRetirement: config.KEY_STORE_FILE ? localKeyRetirement : secretsManagerKeyRetirement(() => tracer.captureAWSv3Client(createSecretsManagerClient()), config.SECRET_PREFIX) },
    paymentDeps: {
      ledger: new Ledger(db, config.TABLE_NAME, config.BUSINESS_TIME_ZONE),
      upay,
      signer,
      telemetry,
      timer: stepTimer(config),
      now,
      sleep,
      ...(config.NOTIFY_URL ? { notifyUrl: config.NOTIFY_URL } : {}),
      timing: {
        providerTimeoutMs: config.PROVIDER_TIMEOUT_MS,
        pollIntervalMs: config.POLL_INTERVAL_MS,
        inRequestMs: config.PAY_IN_REQUEST_MS,
        payDeadlineMs: config.PAY_DEADLINE_MS,
        precreateFastPollMs: config.PRECREATE_FAST_POLL_MS,
        precreateFastMs: config.PRECREATE_FAST_MS,
        precreatePollMs: config.PRECREATE_POLL_MS,
        precreateDeadlineMs: config.PRECREATE_DEADLINE_MS,
        maxAttempts: config.MAX_ATTEMPTS,
        requestLifetimeMs: config.REQUEST_LIFETIME_MS,
      },
    },
  };
}

export function appContext(): AppContext {
  context ??= build(loadConfig());
  return context;
}
