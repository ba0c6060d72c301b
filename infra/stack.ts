// The whole backend in one stack, environment-agnostic: synth needs no account, and the
// merchant's `cdk deploy` picks the account and region from its credentials.
import { Annotations, ArnFormat, CfnOutput, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { Config } from '../lib/api/config.js';
import { HTTP_FUNCTIONS } from '../lib/api/routes.js';
import { PaymentApi } from './api.js';
import { Auth } from './auth.js';
import { FUNCTIONS, FUNCTION_IDS, type FunctionId } from './functions.js';
import { Keys } from './keys.js';
import { Ledger } from './ledger.js';
import { Monitoring } from './monitoring.js';
import { OrderEvents } from './order-events.js';
import { PaymentFunction } from './payment-function.js';
import { Schedules } from './schedules.js';
import { SCHEDULING_FUNCTIONS, StepTimerQueue } from './timer.js';
import { StoreDayTotals } from './totals.js';
import { readSettings } from './settings.js';

/** Variables lib/api/config.ts reads; the type keeps their names honest. */
type Environment = Partial<Record<keyof Config, string>>;

export class UpayStack extends Stack {
  /** Every function the settings call for: no notify without the provider's key, no order-events without a stream. */
  readonly functions: Partial<Record<FunctionId, PaymentFunction>>;
  readonly orderEvents: OrderEvents | undefined;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = readSettings(this.node);

    const ledger = new Ledger(this, 'Ledger', settings.adoptTable ? { adopt: settings.adoptTable } : {});
    const keys = new Keys(this, 'Keys', {
      secretPrefix: settings.secretPrefix,
      ...(settings.vendorSecretName ? { vendorSecretName: settings.vendorSecretName } : {}),
      ...(settings.secretReplicaRegion ? { replicaRegion: settings.secretReplicaRegion } : {}),
    });
    const auth = new Auth(this, 'Auth', {
      ...(settings.jwt ? { jwt: settings.jwt } : {}),
      ...(settings.userPoolId ? { userPoolId: settings.userPoolId } : {}),
      allowPasswordAuth: settings.allowPasswordAuth,
    });
    const api = new PaymentApi(this, 'Api', {
      throttle: settings.throttle,
      callbackThrottle: settings.callbackThrottle,
      logRetention: settings.logRetention,
      ...(settings.domain ? { domain: settings.domain } : {}),
    });

    const timer = new StepTimerQueue(this, 'StepTimer');
    // The one place every function's environment is set.
    const environment = {
      TABLE_NAME: ledger.table.tableName,
      TIMER_QUEUE_URL: timer.queue.queueUrl,
      UPAY_BASE_URL: settings.upayBaseUrl,
      SECRET_PREFIX: settings.secretPrefix,
      VENDOR_SECRET_ID: keys.vendorSecretName,
      BUSINESS_TIME_ZONE: settings.businessTimeZone,
      SECRETS_KMS_KEY_ID: keys.key.keyId,
      // The totals consumer reads the stream: without one, reports are computed from the orders.
      ...(ledger.streamArn ? { DAILY_TOTALS: 'kept' } : {}),
      ...(settings.secretReplicaRegion ? { SECRET_REPLICA_REGION: settings.secretReplicaRegion } : {}),
      // Without the provider's key no callback could be verified, so none is asked for:
      // the step timer's polling finishes every order on its own (DEPLOY.md).
      ...(settings.upayPublicKeyPem ? { UPAY_PUBLIC_KEY_PEM: settings.upayPublicKeyPem, NOTIFY_URL: api.notifyUrl } : {}),
    } satisfies Environment;
    if (!settings.upayPublicKeyPem) {
      Annotations.of(this).addWarningV2(
        '@upay/no-callback-key',
        'No upayPublicKey given: Upay is asked for no callbacks, there is no callback route or function, and the step timer alone finishes every order (a few seconds slower to see a QR payment). See DEPLOY.md, "Callbacks".',
      );
    }
    if (!ledger.streamArn) {
      Annotations.of(this).addWarningV2('@upay/no-table-stream', 'The adopted table has no tableStreamArn: no order events are published, and daily reports are computed from the orders. See DEPLOY.md, "Recovery".');
    }
    const streamConsumer = (name: FunctionId) => name === 'order-events' || name === 'totals';
    const wanted = FUNCTION_IDS.filter((name) => (name === 'notify' ? settings.upayPublicKeyPem !== undefined : streamConsumer(name) ? ledger.streamArn !== undefined : true));

    // The fleet check-in re-invokes itself by ARN; a fixed name lets its policy name that
    // ARN without referring to the function (which would be a circular dependency).
    const fleetFunctionName = `${this.stackName}-checkin-fleet`;
    const functions: Partial<Record<FunctionId, PaymentFunction>> = {};
    for (const name of wanted) {
      const fn = new PaymentFunction(this, pascal(name), {
        name,
        spec: FUNCTIONS[name],
        environment,
        logRetention: settings.logRetention,
        ...(name === 'checkin-fleet' ? { functionName: fleetFunctionName } : {}),
        ...(name === 'notify' && settings.callbackReservedConcurrency ? { reservedConcurrency: settings.callbackReservedConcurrency } : {}),
      });
      ledger.grant(fn.role, FUNCTIONS[name].ledger);
      keys.grant(fn.role, FUNCTIONS[name].keys);
      if ((SCHEDULING_FUNCTIONS as readonly FunctionId[]).includes(name)) timer.grantSchedule(fn.role);
      Validations.of(fn.function).acknowledge({ id: 'Serverless-LambdaDLQ', reason: whyNoDeadLetterQueue(name) });
      functions[name] = fn;
    }
    this.functions = functions;
    const fleet = required(functions, 'checkin-fleet');
    fleet.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.formatArn({ service: 'lambda', resource: 'function', resourceName: fleetFunctionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );

    const lambdas: Partial<Record<FunctionId, IFunction>> = Object.fromEntries(Object.entries(functions).map(([name, fn]) => [name, fn.function]));
    api.addRoutes(pick(lambdas, HTTP_FUNCTIONS), auth.authorizer);

    timer.attachWorker(required(functions, 'timer').function);
    const schedules = new Schedules(this, 'Schedules', { sweep: required(functions, 'sweep').function, checkinFleet: fleet.function, checkin: settings.checkin });

    const enrichment = functions['order-events'];
    this.orderEvents = ledger.streamArn && enrichment ? new OrderEvents(this, 'Events', { streamArn: ledger.streamArn, tableKey: ledger.key, enrichment: enrichment.function }) : undefined;

    const consumer = functions.totals;
    const totals = ledger.streamArn && consumer ? new StoreDayTotals(this, 'StoreDayTotals', { table: ledger.table, consumer: consumer.function }) : undefined;

    const monitoring = new Monitoring(this, 'Monitoring', {
      functions: lambdas,
      api: api.httpApi,
      accessLogs: api.accessLogs,
      table: ledger.table,
      timerQueue: timer.queue,
      deadLetterQueues: {
        Timer: timer.deadLetterQueue,
        Sweep: schedules.sweepDlq,
        Checkin: schedules.checkinDlq,
        ...(this.orderEvents ? { OrderEvents: this.orderEvents.deadLetterQueue } : {}),
        ...(totals ? { Totals: totals.deadLetterQueue } : {}),
      },
      ...(settings.alarmEmail ? { alarmEmail: settings.alarmEmail } : {}),
    });

    for (const [name, alarm] of Object.entries(totals?.alarms ?? {})) monitoring.alarm(name, alarm);

    new CfnOutput(this, 'ApiUrl', { value: api.url, description: 'Base URL of the HTTP API: the one the apps bake in (the custom domain when one is set)' });
    if (settings.upayPublicKeyPem) new CfnOutput(this, 'NotifyUrl', { value: api.notifyUrl, description: 'The callback route given to Upay with every payment' });
    new CfnOutput(this, 'TableName', { value: ledger.table.tableName });
    new CfnOutput(this, 'SecretsKeyArn', { value: keys.key.keyArn, description: 'The KMS key of every secret (replicate it before setting secretReplicaRegion)' });
    if (this.orderEvents) new CfnOutput(this, 'OrderEventBusName', { value: this.orderEvents.bus.eventBusName, description: 'Subscribe to order events with rules on this bus' });
    new CfnOutput(this, 'VendorSecretName', { value: keys.vendorSecretName, description: 'Put {"vendor_sn","vendor_key","app_id"} here' });
    new CfnOutput(this, 'TerminalSecretPrefix', { value: `${settings.secretPrefix}/terminals/` });
    new CfnOutput(this, 'AlarmTopicArn', { value: monitoring.topic.topicArn, description: 'Subscribe ops to this topic' });
    new CfnOutput(this, 'DashboardName', { value: monitoring.dashboard.dashboardName });
    if (auth.userPool && auth.client) {
      new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
      new CfnOutput(this, 'UserPoolClientId', { value: auth.client.userPoolClientId });
    }
  }
}

// A Lambda DLQ only ever receives failed asynchronous invocations.
function whyNoDeadLetterQueue(name: FunctionId): string {
  switch (name) {
    case 'sweep':
      return 'Invoked asynchronously by its schedule, with no retry: the next run, a minute later, is the retry. A schedule delivery that fails lands in the sweep schedule\'s own dead-letter queue.';
    case 'timer':
      return 'Invoked synchronously by its SQS event source mapping: a message whose step keeps failing goes to the step timer queue\'s own dead-letter queue (redrive policy).';
    case 'checkin-fleet':
      return 'A failed asynchronous run goes to its on-failure destination, the check-in dead-letter queue, which records the request (with its cursor) and the error; a Lambda DLQ would record less.';
    case 'totals':
      return 'Invoked synchronously by its DynamoDB stream event source mapping: records that still fail after its retries go to the mapping\'s on-failure destination, the totals dead-letter queue.';
    case 'order-events':
      return 'Invoked synchronously by the order-events pipe as its enrichment: a batch that still fails after the pipe\'s retries lands in the pipe\'s own dead-letter queue.';
    default:
      return 'Invoked synchronously by API Gateway: every error is answered to the caller, and a Lambda dead-letter queue only ever receives asynchronous invocations.';
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_match, _dash: string, letter: string) => letter.toUpperCase());
}

function pick<K extends string, V>(record: Partial<Record<string, V>>, keys: readonly K[]): Partial<Record<K, V>> {
  return Object.fromEntries(keys.filter((key) => record[key] !== undefined).map((key) => [key, record[key]])) as Partial<Record<K, V>>;
}

function required<T>(record: Partial<Record<FunctionId, T>>, name: FunctionId): T {
  const value = record[name];
  if (value === undefined) throw new Error(`the stack needs the ${name} function`);
  return value;
}
