// Alarms to one SNS topic, and a dashboard of the same figures. The application figures are
// the Powertools EMF metrics the functions emit (namespace UpayBackend, dimension
// service=upay-backend); DEPLOY.md says what each alarm means and what to do.
import { Duration, Stack } from 'aws-cdk-lib';
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
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { FunctionId } from './functions.js';

/** As lib/api/observability.ts publishes them (an infra test holds the two together). */
export const METRICS_NAMESPACE = 'UpayBackend';
export const METRICS_SERVICE = 'upay-backend';

const FIVE_MINUTES = Duration.minutes(5);

export interface MonitoringProps {
  functions: Record<FunctionId, IFunction>;
  api: IHttpApi;
  deadLetterQueues: Record<string, IQueue>;
  alarmEmail?: string;
}

interface AlarmSpec {
  metric: IMetric;
  threshold: number;
  description: string;
  evaluationPeriods?: number;
  comparison?: ComparisonOperator;
}

export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    // Alarm messages carry names and numbers, never payment data or keys.
    this.topic = new Topic(this, 'AlarmTopic', { displayName: 'Upay backend alarms', enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

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
    }

    const api5xx = props.api.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' });
    // A few 5xx are expected when Upay is briefly down (503 PROVIDER_UNAVAILABLE); a run of
    // them is an outage at Upay or here.
    this.alarm('Api5xx', { metric: api5xx, threshold: 5, description: 'The API answered 5 or more 5xx in 5 minutes.' });

    // A gauge of the cases open now (reconcile, every minute): in ALARM while any is open,
    // OK only once the worklist is empty (GET /v1/attention, POST …/resolve).
    this.alarm('OpenAttention', {
      metric: app('OpenAttention', 'Maximum'),
      threshold: 1,
      description: 'An order or refund needs a person (the provider reported an error state, or a cancel failed) and is not resolved yet: see GET /v1/attention.',
    });
    // Reconcile reports once a minute how overdue its oldest item is. Items are due within
    // seconds (pay deadline 45 s, precreate 130 s): ten minutes over five means it is stuck.
    this.alarm('ReconcileBacklog', {
      metric: app('ReconcileBacklogAgeSeconds', 'Minimum'),
      threshold: 300,
      evaluationPeriods: 2,
      comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
      description: 'Work due for reconcile has been overdue by more than 5 minutes for 10 minutes.',
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

  private alarm(name: string, spec: AlarmSpec): void {
    const alarm = new Alarm(this, name, {
      alarmName: `${Stack.of(this).stackName}-${name}`,
      alarmDescription: `${spec.description} See DEPLOY.md, "Alarms".`,
      metric: spec.metric,
      threshold: spec.threshold,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      comparisonOperator: spec.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // No data means nothing happened: no errors, no payments needing a person.
      treatMissingData: TreatMissingData.NOT_BREACHING,
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
      graph('Answers by class', [app('ServerErrors'), app('ClientErrors'), app('RequestsOk')]),
    );
    dashboard.addWidgets(
      graph('Function errors', perFunction((fn) => fn.metricErrors({ statistic: 'Sum' }))),
      graph('Function throttles', perFunction((fn) => fn.metricThrottles({ statistic: 'Sum' }))),
      graph('Function duration (p99)', perFunction((fn) => fn.metricDuration({ statistic: 'p99' }))),
    );
    dashboard.addWidgets(
      graph('Orders needing a person', [app('NeedsAttention'), app('OpenAttention', 'Maximum')]),
      graph('Reconcile', [app('ReconcileProcessed'), app('ReconcileErrors')]),
      graph('Reconcile backlog age (s)', [app('ReconcileBacklogAgeSeconds', 'Maximum')]),
    );
    dashboard.addWidgets(
      graph('Fleet check-in', [app('FleetCheckedIn'), app('FleetCheckinFailed'), app('FleetParked')]),
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

/** A figure that is the sum of a few, counting a missing one as zero. */
function sum(label: string, metrics: Record<string, Metric>): MathExpression {
  const expression = Object.keys(metrics).map((id) => `FILL(${id}, 0)`).join(' + ');
  return new MathExpression({ expression, usingMetrics: metrics, label, period: FIVE_MINUTES });
}
