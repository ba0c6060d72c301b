// EventBridge Scheduler: the daily fleet check-in and the step timer's sweep every minute. Each
// schedule retries a failed delivery and parks what it could not deliver in its own
// dead-letter queue, which an alarm watches.
import { Duration, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { CfnFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SchedulesProps {
  sweep: IFunction;
  checkinFleet: IFunction;
  checkin: { hour: number; minute: number; timeZone: string };
}

export class Schedules extends Construct {
  readonly sweepDlq: Queue;
  readonly checkinDlq: Queue;

  constructor(scope: Construct, id: string, props: SchedulesProps) {
    super(scope, id);
    this.sweepDlq = this.deadLetterQueue('SweepDlq', 'sweep schedule');
    this.checkinDlq = this.deadLetterQueue('CheckinDlq', 'daily check-in schedule and the runs it starts');

    // A sweep only sends wake-ups (duplicates are harmless), so an overlapping or repeated run
    // is harmless; an event older than the next tick is worth nothing.
    this.schedule('Sweep', {
      schedule: ScheduleExpression.rate(Duration.minutes(1)),
      description: 'Wake open orders and refunds whose timer message was lost',
      fn: props.sweep,
      dlq: this.sweepDlq,
      retryAttempts: 2,
      maxEventAge: Duration.minutes(1),
    });
    props.sweep.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.minutes(1) });
    Validations.of(props.sweep).acknowledge({
      id: 'Serverless-LambdaAsyncFailureDestination',
      reason: 'A failed sweep is not retried and goes nowhere on purpose: the next run starts within a minute and finds every item still overdue; its errors alarm and the backlog alarm report a sweep that keeps failing.',
    });

    // A fleet run that fails is retried from its start: terminals it already checked in
    // today are skipped. One that still fails, or a continuation that cannot be delivered,
    // lands with its cursor in the check-in DLQ for ops to re-drive.
    this.schedule('DailyCheckin', {
      schedule: ScheduleExpression.cron({
        hour: String(props.checkin.hour),
        minute: String(props.checkin.minute),
        timeZone: TimeZone.of(props.checkin.timeZone),
      }),
      description: 'Check in every Upay terminal (rotates its key)',
      fn: props.checkinFleet,
      dlq: this.checkinDlq,
      retryAttempts: 3,
      maxEventAge: Duration.hours(2),
    });
    props.checkinFleet.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(this.checkinDlq) });
  }

  private deadLetterQueue(id: string, what: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    for (const id of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
      Validations.of(queue).acknowledge({
        id,
        reason: `This queue is itself the dead-letter queue of the ${what}; nothing consumes it but a person re-driving, so a queue behind it would hold nothing.`,
      });
    }
    return queue;
  }

  private schedule(id: string, options: { schedule: ScheduleExpression; description: string; fn: IFunction; dlq: Queue; retryAttempts: number; maxEventAge: Duration }): void {
    // One role per schedule: each may invoke its own function only.
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
    });
    new Schedule(this, id, {
      schedule: options.schedule,
      description: options.description,
      target: new LambdaInvoke(options.fn, {
        role,
        deadLetterQueue: options.dlq,
        retryAttempts: options.retryAttempts,
        maxEventAge: options.maxEventAge,
        input: ScheduleTargetInput.fromObject({}),
      }),
    });
    const logicalId = Stack.of(this).resolve((options.fn.node.defaultChild as CfnFunction).logicalId) as string;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>:*]`,
      reason: `lambda:InvokeFunction on ${options.fn.node.path} and its versions/aliases: CDK's grantInvoke always adds the ":*" qualifier. The role can invoke no other function.`,
    });
  }
}
