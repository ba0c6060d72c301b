// Alarms to one SNS topic, and a dashboard of the same figures. The application figures are
// the Powertools EMF metrics the functions emit (namespace UpayBackend, dimension
// service=upay-backend; outcomes as the dimension `outcome`); DEPLOY.md says what each alarm
// means and what to do. Heartbeats count silence as breaching: a job that stops running
// must not look like a job with nothing to report.
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Operation, type ITable } from 'aws-cdk-lib/aws-dynamodb';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHECKIN_WORST_MS } from '../lib/terminals/budget.js';
import { FUNCTIONS, type FunctionId } from './functions.js';

/** As lib/api/observability.ts publishes them (an infra test holds the two together). */
export const METRICS_NAMESPACE = 'UpayBackend';
export const METRICS_SERVICE = 'upay-backend';

const FIVE_MINUTES = Duration.minutes(5);

export interface MonitoringProps {
  functions: Partial<Record<FunctionId, IFunction>>;
  api: IHttpApi;
  /** The API's access log, for the 429 count (HTTP APIs publish no metric of it). */
  accessLogs: ILogGroup;
  table: ITable;
  /** The step timer's queue: how late its oldest wake-up is. */
  timerQueue?: IQueue;
  deadLetterQueues: Record<string, IQueue>;
  alarmEmail?: string;
}

export interface AlarmSpec {
  metric: IMetric;
  threshold: number;
  description: string;
  evaluationPeriods?: number;
  datapointsToAlarm?: number;
  comparison?: ComparisonOperator;
  /** Default: no data is nothing happened. Heartbeats say otherwise. */
  treatMissingData?: TreatMissingData;
}

/** Pay answers within ~20 s of polling plus one provider timeout; past 25 s the till is waiting on us. */
export const PAY_P99_MS = 25_000;
/** A function whose slowest run passes this share of its timeout is about to be cut off. */
export const NEAR_TIMEOUT_SHARE = 0.8;
/**
 * Jobs that pace themselves stop starting work this many seconds before their timeout by
 * design, so their normal runs pass 80%: for them, "near" is inside half that reserve.
 * The fleet check-in: one check-in's worst case (its RESERVE_MS).
 */
export const SELF_PACED_RESERVE_SECONDS: Partial<Record<FunctionId, number>> = { 'checkin-fleet': CHECKIN_WORST_MS / 1000 };
/** A timer message ready for longer than this has waited for a worker: wake-ups are running late. */
export const TIMER_OLDEST_MESSAGE_SECONDS = 60;

export function nearTimeoutMs(name: FunctionId): number {
  const timeout = FUNCTIONS[name].timeoutSeconds;
  const reserve = SELF_PACED_RESERVE_SECONDS[name];
  return Math.round((reserve === undefined ? timeout * NEAR_TIMEOUT_SHARE : timeout - reserve / 2) * 1000);
}
/** Minimum requests in 5 minutes before a rate alarm means anything. */
const RATE_MIN_REQUESTS = 20;
/** The fleet run starts at check-in time and must complete within 2 h; it runs daily. */
export const FLEET_HEARTBEAT_HOURS = 26;

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // Alarm messages carry names and numbers, never payment data or keys. Encrypted with a key
    // of our own: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
    const topicKey = new Key(this, 'AlarmTopicKey', { description: 'Upay backend alarm topic', enableKeyRotation: true, removalPolicy: RemovalPolicy.DESTROY });
    topicKey.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey');
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Upay backend alarms', enforceSSL: true, masterKey: topicKey });
    if (props.alarmEmail) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason: 'An alarm e-mail SNS could not deliver would wait in a dead-letter queue nobody reads; the alarm itself stays in ALARM, on the dashboard and in the CloudWatch console until it recovers.',
      });
    }

    const functions = Object.entries(props.functions) as [FunctionId, IFunction][];
    for (const [name, fn] of functions) {
      // HTTP functions turn every error into a JSON answer, so a Lambda error is a crash,
      // a timeout or a failed cold start: one is worth a look.
      this.alarm(`${name}-Errors`, {
        metric: fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        description: `The ${name} function crashed or timed out.`,
      });
      this.alarm(`${name}-Throttles`, {
        metric: fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        description: `The ${name} function was throttled (account or regional concurrency exhausted).`,
      });
      this.alarm(`${name}-NearTimeout`, {
        metric: fn.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: nearTimeoutMs(name),
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `A run of the ${name} function took more than ${nearTimeoutMs(name) / 1000} s of its ${FUNCTIONS[name].timeoutSeconds} s timeout.`,
      });
    }

    // Heartbeats: a schedule that stops, a function that can no longer start.
    if (props.functions.sweep) {
      this.alarm('SweepHeartbeat', {
        metric: props.functions.sweep.metricInvocations({ period: FIVE_MINUTES, statistic: 'Sum' }),
        threshold: 1,
        evaluationPeriods: 2,
        comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.BREACHING,
        description: 'The sweep did not run for 10 minutes (it runs every minute): lost timer messages are not being replaced, nor the backlog and open-cases figures emitted.',
      });
    }
    if (props.timerQueue) {
      // Delay messages are invisible until due, so the oldest visible one is a wake-up no worker took.
      this.alarm('TimerLate', {
        metric: props.timerQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' }),
        threshold: TIMER_OLDEST_MESSAGE_SECONDS,
        evaluationPeriods: 3,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `A step timer message has been waiting for a worker for more than ${TIMER_OLDEST_MESSAGE_SECONDS} s, three minutes running: polls and deadline cancels are late.`,
      });
    }
    this.alarm('FleetCheckinHeartbeat', {
      metric: outcome('FleetRuns', 'completed', Duration.hours(1)),
      threshold: 1,
      evaluationPeriods: FLEET_HEARTBEAT_HOURS,
      datapointsToAlarm: FLEET_HEARTBEAT_HOURS,
      comparison: ComparisonOperator.LESS_THAN_THRESHOLD,
      treatMissingData: TreatMissingData.BREACHING,
      description: `No daily fleet check-in completed in the last ${FLEET_HEARTBEAT_HOURS} hours: today's run did not complete by check-in time + 2 h.`,
    });

    const requests = props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    // From our own answers (Requests by outcome), which only callers past the JWT authorizer
    // get: API Gateway's 4xx also counts the callback's 401s to strangers and token-less
    // scans, and no anonymous request may raise an alarm.
    const answered = 'FILL(ok, 0) + FILL(client, 0) + FILL(server, 0)';
    this.alarm('Api4xxRate', {
      metric: new MathExpression({
        expression: `IF(${answered} >= ${RATE_MIN_REQUESTS}, 100 * FILL(client, 0) / (${answered}), 0)`,
        usingMetrics: { ok: outcome('Requests', 'ok'), client: outcome('Requests', 'client_error'), server: outcome('Requests', 'server_error') },
        label: '4xx share of authenticated requests (%)',
        period: FIVE_MINUTES,
      }),
      threshold: 25,
      evaluationPeriods: 3,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: `More than 25% of authenticated API requests were refused (4xx) for 15 minutes (at ${RATE_MIN_REQUESTS}+ requests per 5 minutes).`,
    });
    const throttled = new MetricFilter(this, 'Api429', {
      logGroup: props.accessLogs,
      // The access log writes every value as a JSON string (ACCESS_LOG in api.ts).
      filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: 'ApiResponses',
      metricValue: '1',
      // The filter admits one status only: one dimension value, one metric.
      dimensions: { status: '$.status' },
    }).metric({ period: FIVE_MINUTES, statistic: 'Sum', dimensionsMap: { status: '429' } });
    this.alarm('Api429Rate', {
      metric: rate('429 share of requests (%)', throttled, requests),
      threshold: 5,
      evaluationPeriods: 2,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: 'More than 5% of API requests were throttled (429) for 10 minutes: the stage or callback limits are too low for the traffic, or someone floods the API.',
    });
    if (props.functions.pay) {
      this.alarm('PayLatencyP99', {
        metric: props.functions.pay.metricDuration({ period: FIVE_MINUTES, statistic: 'p99' }),
        threshold: PAY_P99_MS,
        evaluationPeriods: 2,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `The slowest 1% of payments took more than ${PAY_P99_MS / 1000} s for 10 minutes: cashiers wait at the till.`,
      });
    }
    this.alarm('TableThrottles', {
      metric: props.table.metricThrottledRequestsForOperations({ period: FIVE_MINUTES, operations: TABLE_OPERATIONS }),
      threshold: 1,
      description: 'DynamoDB throttled requests to the ledger table.',
    });
    this.alarm('TableSystemErrors', {
      metric: props.table.metricSystemErrorsForOperations({ period: FIVE_MINUTES, operations: TABLE_OPERATIONS }),
      threshold: 1,
      description: 'DynamoDB answered the ledger table\'s requests with internal errors (500).',
    });

    const api5xx = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    // A few 5xx are expected when Upay is briefly down (503 PROVIDER_UNAVAILABLE); a run of
    // them is an outage at Upay or here.
    this.alarm('Api5xx', { metric: api5xx, threshold: 5, description: 'The API answered 5 or more 5xx in 5 minutes.' });

    // A gauge of the cases open now (the sweep, every minute): in ALARM while any is open,
    // OK only once the worklist is empty (GET /v1/attention, POST …/resolve).
    this.alarm('OpenAttention', {
      metric: app('OpenAttention', 'Maximum'),
      threshold: 1,
      description: 'An order or refund needs a person (the provider reported an error state, or a cancel failed) and is not resolved yet: see GET /v1/attention.',
    });
    // The sweep reports once a minute how overdue the oldest due item is. Items are woken
    // within seconds (pay deadline 45 s, precreate 130 s): ten minutes over five means stuck.
    this.alarm('DueBacklog', {
      metric: app('DueBacklogAgeSeconds', 'Minimum'),
      threshold: 300,
      evaluationPeriods: 2,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: 'Open orders or refunds have been overdue for their next step by more than 5 minutes for 10 minutes.',
    });
    this.alarm('CheckinFailures', {
      metric: sum('Check-in failures', { failed: app('CheckinFailed'), unconfirmed: app('CheckinUnconfirmed') }),
      threshold: 1,
      description: 'A terminal check-in failed (key unchanged) or could not be confirmed (key may have rotated without us storing it).',
    });
    this.alarm('TerminalParked', {
      metric: app('TerminalParked'),
      threshold: 1,
      description: 'A terminal was parked: its stored key may be dead (two unconfirmed check-ins in a row, one of them possibly interrupted) or was refused. No automatic check-in touches it until an admin checks it in.',
    });
    this.alarm('TerminalKeyTrouble', {
      metric: sum('Terminal key refused, lost or unregistered', { refused: app('TerminalKeyRefused'), lost: app('TerminalKeyLost'), unregistered: app('TerminalNotRegistered'), interrupted: app('ActivationInterrupted') }),
      threshold: 1,
      description: 'Upay refused a freshly read terminal key, an activation could not store the key Upay issued, or an activation stopped where Upay may have activated a terminal we hold no key for.',
    });
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.alarm(`${name}-DeadLetters`, {
        metric: queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        threshold: 1,
        description: `Something landed in the ${name} dead-letter queue: a scheduled run was not delivered or did not finish.`,
      });
    }

    this.dashboard = this.buildDashboard(functions, props);
  }

  /** An alarm to the topic; other constructs hand theirs here too. */
  alarm(name: string, spec: AlarmSpec): void {
    const alarm = new Alarm(this, name, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: `${spec.description} See DEPLOY.md, "Alarms".`,
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      ...(spec.datapointsToAlarm ? { datapointsToAlarm: spec.datapointsToAlarm } : {}),
      comparisonOperator: spec.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened (no errors, no payments needing a person), but for
      // heartbeats, whose silence is the fault.
      treatMissingData: spec.treatMissingData ?? TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    alarm.addOkAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }

  private buildDashboard(functions: [FunctionId, IFunction][], props: MonitoringProps): Dashboard {
    const dashboard = new Dashboard(this, 'Dashboard', { dashboardName: Stack.of(this).stackName, defaultInterval: Duration.days(1) });
    const graph = (title: string, left: IMetric[], width = 8) => new GraphWidget({ title, left, width, height: 6 });
    const perFunction = (metric: (fn: IFunction) => Metric) => functions.map(([name, fn]) => metric(fn).with({ label: name, period: FIVE_MINUTES }));
    dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }));
    dashboard.addWidgets(
      graph('API requests', [props.api.metricCount({ period: FIVE_MINUTES, statistic: 'Sum' }), props.api.metricClientError({ period: FIVE_MINUTES, statistic: 'Sum' }), props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' })]),
      graph('API latency (p99)', [props.api.metricLatency({ period: FIVE_MINUTES, statistic: 'p99' }), props.api.metricIntegrationLatency({ period: FIVE_MINUTES, statistic: 'p99' })]),
      graph('Answers by outcome', [outcome('Requests', 'server_error'), outcome('Requests', 'client_error'), outcome('Requests', 'ok')]),
    );
    dashboard.addWidgets(
      graph('Function errors', perFunction((fn) => fn.metricErrors({ statistic: 'Sum' }))),
      graph('Function throttles', perFunction((fn) => fn.metricThrottles({ statistic: 'Sum' }))),
      graph('Function duration (p99)', perFunction((fn) => fn.metricDuration({ statistic: 'p99' }))),
    );
    dashboard.addWidgets(
      graph('Orders needing a person', [app('NeedsAttention'), app('OpenAttention', 'Maximum')]),
      graph('Step timer wake-ups', [outcome('TimerWakeUps', 'stepped'), outcome('TimerWakeUps', 'rescheduled'), outcome('TimerWakeUps', 'dropped'), outcome('TimerWakeUps', 'error'), app('SweepWokenItems'), app('StepsUnscheduled')]),
      graph('Due backlog age (s)', [app('DueBacklogAgeSeconds', 'Maximum')]),
    );
    dashboard.addWidgets(
      graph('Fleet check-in', [app('FleetCheckedIn'), app('FleetCheckinFailed'), app('FleetParked'), outcome('FleetRuns', 'completed')]),
      graph('Terminals', [app('CheckinFailed'), app('CheckinUnconfirmed'), app('TerminalParked'), app('TerminalKeyRefused'), app('TerminalKeyLost')]),
      graph(
        'Dead letters',
        Object.entries(props.deadLetterQueues).map(([name, queue]) => queue.metricApproximateNumberOfMessagesVisible({ label: name, period: FIVE_MINUTES, statistic: 'Maximum' })),
      ),
    );
    return dashboard;
  }
}

/** One of the functions' own (EMF) figures. */
function app(metricName: string, statistic = 'Sum'): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: METRICS_SERVICE }, statistic, period: FIVE_MINUTES });
}

/** One outcome of an outcome-counted figure (lib/api/observability.ts, countOutcome). */
function outcome(metricName: string, value: string, period = FIVE_MINUTES): Metric {
  return new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service: METRICS_SERVICE, outcome: value }, statistic: 'Sum', period });
}

const TABLE_OPERATIONS = [Operation.GET_ITEM, Operation.QUERY, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.TRANSACT_WRITE_ITEMS];

/** A share in percent, zero below RATE_MIN_REQUESTS requests (a single 4xx of three is no trend). */
function rate(label: string, part: IMetric, whole: IMetric): MathExpression {
  return new MathExpression({
    expression: `IF(total >= ${RATE_MIN_REQUESTS}, 100 * FILL(part, 0) / total, 0)`,
    usingMetrics: { part, total: whole },
    label,
    period: FIVE_MINUTES,
  });
}

/** A figure that is the sum of a few, counting a missing one as zero. */
function sum(label: string, metrics: Record<string, Metric>): MathExpression {
  const expression = Object.keys(metrics).map((id) => `FILL(${id}, 0)`).join(' + ');
  return new MathExpression({ expression, usingMetrics: metrics, label, period: FIVE_MINUTES });
}
