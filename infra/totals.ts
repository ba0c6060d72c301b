// The store-day totals consumer: the ledger table's stream (filtered to order and refund
// writes, as the order-events pipe's) → the totals function, which adds each change to its
// store-day's totals once (lib/totals). A failing batch is halved until the failing record
// stands alone; what still fails after the retries lands, as stream positions, in a
// dead-letter queue, whose alarm (and the function's errors and iterator age) tells a person.
// This is the stream's second consumer, and the last one it can take.
import { Duration, Validations } from 'aws-cdk-lib';
import { ComparisonOperator, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, StartingPosition, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CHANGES_PER_WRITE } from '../lib/totals/apply.js';
import { METRICS_NAMESPACE, METRICS_SERVICE, type AlarmSpec } from './monitoring.js';
import { STREAM_FILTER } from './order-events.js';

export interface TotalsProps {
  /** The ledger table; its stream is the source. */
  table: ITable;
  consumer: IFunction;
}

/** A record older than this is waiting on a stuck batch: reports of its day are behind. */
export const ITERATOR_AGE_ALARM_MS = 5 * 60_000;

export class StoreDayTotals extends Construct {
  readonly deadLetterQueue: Queue;
  /** Handed to Monitoring by the stack: one topic for every alarm. */
  readonly alarms: Record<string, AlarmSpec>;

  constructor(scope: Construct, id: string, props: TotalsProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'DeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id: rule,
        reason: 'This queue is itself the on-failure destination of the totals consumer: it holds the stream positions of records that could not be added, for a person to look at (DEPLOY.md, "Daily totals").',
      });
    }

    props.consumer.addEventSource(
      new DynamoEventSource(props.table, {
        // From the oldest record kept (24 h): nothing written after the consumer exists is skipped.
        startingPosition: StartingPosition.TRIM_HORIZON,
        // One write per store-day per batch when it fits (lib/totals/apply.ts).
        batchSize: CHANGES_PER_WRITE,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: 10,
        onFailure: new SqsDlq(this.deadLetterQueue),
        filters: [FilterCriteria.filter(STREAM_FILTER)],
      }),
    );
    if (props.consumer.role) {
      Validations.of(props.consumer.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords have no resource-level permissions; dynamodb:ListStreams, which the stream event source needs, takes none either. Every other statement of this role names its resources.',
      });
    }

    this.alarms = {
      'Totals-IteratorAge': {
        metric: props.consumer.metric('IteratorAge', { period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: ITERATOR_AGE_ALARM_MS,
        evaluationPeriods: 2,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: 'The store-day totals consumer is more than 5 minutes behind the ledger for 10 minutes: daily reports of today lag (a batch keeps failing, or the function is throttled).',
      },
      'Totals-Inconsistent': {
        metric: new Metric({ namespace: METRICS_NAMESPACE, metricName: 'DailyReportSource', dimensionsMap: { service: METRICS_SERVICE, outcome: 'inconsistent' }, statistic: 'Sum', period: Duration.minutes(5) }),
        threshold: 1,
        description: 'A daily report found store-day totals no set of orders could give (a change lost or applied twice) and was computed from the orders instead: see DEPLOY.md, "Daily totals".',
      },
    };
  }
}
