// Order events for the merchant's other systems: the ledger table's stream → an EventBridge
// pipe (filtered to order and refund items, enriched by the order-events function, which
// turns changes into events with the order view) → the stack's own event bus. Merchants
// subscribe with rules on that bus (DEPLOY.md §12). Batches the pipe cannot deliver after
// its retries land in a dead-letter queue, which an alarm watches.
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../lib/events/order-events.js';

export interface OrderEventsProps {
  streamArn: string;
  /** The table's key: the stream is encrypted with it. */
  tableKey: IKey;
  enrichment: IFunction;
}

/** Only the ledger's order and refund items, and only writes (items are never deleted but by TTL). */
export const STREAM_FILTER = { eventName: ['INSERT', 'MODIFY'], dynamodb: { Keys: { pk: { S: [{ prefix: 'ORDER#' }] } } } };

// The enrichment's answer for a batch goes to the bus in one PutEvents, which takes at most 10
// entries: given more, the pipe does not call the bus. One change makes at most 2 events (its
// status, and an attention case opened or resolved with it; lib/events/order-events.ts).
const BUS_BATCH_MAX = 10;
const EVENTS_PER_CHANGE_MAX = 2;

export class OrderEvents extends Construct {
  readonly bus: EventBus;
  readonly deadLetterQueue: Queue;
  readonly pipe: CfnPipe;

  constructor(scope: Construct, id: string, props: OrderEventsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bus = new EventBus(this, 'Bus', { eventBusName: `${stack.stackName}-orders`, description: 'Upay order events: order.paid, order.refunded, order.canceled, order.attention, …' });
    this.deadLetterQueue = new Queue(this, 'DeadLetters', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(this.deadLetterQueue).acknowledge({
        id: rule,
        reason: 'This queue is itself the dead-letter queue of the order-events pipe: it holds the stream positions of batches that could not be delivered, for a person to look at.',
      });
    }

    const role = new Role(this, 'PipeRole', {
      assumedBy: new ServicePrincipal('pipes.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
    });
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], resources: [props.streamArn] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['dynamodb:ListStreams'], resources: ['*'] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [props.tableKey.keyArn] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [props.enrichment.functionArn] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [this.bus.eventBusArn] }));
    role.addToPrincipalPolicy(new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.deadLetterQueue.queueArn] }));
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams takes no resource (it lists the streams of the account); every other statement of this role names the stream, key, function, bus or queue it is for.',
    });

    this.pipe = new CfnPipe(this, 'Pipe', {
      // No fixed name: adopting a restored table changes the Source, which replaces the pipe.
      description: 'Ledger changes to order events',
      roleArn: role.roleArn,
      source: props.streamArn,
      sourceParameters: {
        dynamoDbStreamParameters: {
          // From the oldest record kept (24 h): events are at least once, none skipped.
          startingPosition: 'TRIM_HORIZON',
          batchSize: BUS_BATCH_MAX / EVENTS_PER_CHANGE_MAX,
          maximumBatchingWindowInSeconds: 1,
          maximumRetryAttempts: 10,
          // A batch that keeps failing is halved until the failing record stands alone.
          onPartialBatchItemFailure: 'AUTOMATIC_BISECT',
          deadLetterConfig: { arn: this.deadLetterQueue.queueArn },
        },
        filterCriteria: { filters: [{ pattern: JSON.stringify(STREAM_FILTER) }] },
      },
      enrichment: props.enrichment.functionArn,
      target: this.bus.eventBusArn,
      targetParameters: {
        // Each element the enrichment returns is one event: its detail_type names it.
        eventBridgeEventBusParameters: { detailType: '$.detail_type', source: EVENT_SOURCE },
      },
    });
    this.pipe.node.addDependency(role);
  }
}
