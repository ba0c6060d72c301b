// The step timer (lib/timer/sqs.ts): an SQS queue of delay messages, one per open order's or
// refund's next step, consumed by the timer worker through an event source mapping that
// scales with the queue. A message whose step keeps failing goes to the dead-letter queue
// after a few tries; the sweep (every minute) still finds the item in the due index.
import { Duration, Validations } from 'aws-cdk-lib';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { FUNCTIONS, type FunctionId } from './functions.js';

/** The functions that schedule steps: whatever leaves an order or refund open with a new due time. */
export const SCHEDULING_FUNCTIONS = ['pay', 'precreate', 'refund', 'revoke', 'cancel', 'timer', 'sweep'] as const satisfies readonly FunctionId[];

/** Deliveries of a message before it goes to the dead-letter queue. */
export const TIMER_MAX_RECEIVES = 5;
/**
 * Workers at most: 10,000 open orders polled every 3 s are ~3,300 steps a second; in batches
 * of 10 that take about as long as their slowest step (~0.4 s), that is ~130 workers.
 */
export const TIMER_MAX_CONCURRENCY = 200;
export const TIMER_BATCH_SIZE = 10;

export class StepTimerQueue extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'Dlq', { encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true, retentionPeriod: Duration.days(14) });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason: 'This queue is itself the dead-letter queue of the step timer; nothing consumes it but a person re-driving (the sweep already re-wakes the items), so a queue behind it would hold nothing.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // AWS's advice for an event source: six times the function's timeout, so retries of a
      // throttled batch do not make a message visible again while it is being worked on.
      visibilityTimeout: Duration.seconds(6 * FUNCTIONS.timer.timeoutSeconds),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: TIMER_MAX_RECEIVES },
    });
  }

  /** The worker: batches without waiting for more messages (a wake-up is due now), failed items reported one by one. */
  attachWorker(worker: IFunction): void {
    worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: TIMER_BATCH_SIZE,
        maxBatchingWindow: Duration.seconds(0),
        maxConcurrency: TIMER_MAX_CONCURRENCY,
        reportBatchItemFailures: true,
      }),
    );
    const mapping = worker.node.children.find((child) => child.node.id.startsWith('SqsEventSource:'));
    if (mapping) {
      Validations.of(mapping).acknowledge({
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason: 'An SQS event source takes no on-failure destination: a message that keeps failing goes to the step timer queue\'s dead-letter queue by its redrive policy (alarmed), and the sweep re-wakes its item meanwhile.',
      });
    }
  }

  grantSchedule(grantee: IGrantable): void {
    this.queue.grantSendMessages(grantee);
  }
}
