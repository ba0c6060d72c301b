// The step timer on SQS delay messages: one message per wake-up, delayed until its item is
// due. SQS delays at most 15 minutes; a step further out arrives early and the worker sends
// it again with the remaining delay (lib/payments/reconcile.ts, `advance`).
import { environmentCredentials } from '../aws/credentials.js';
import { SendMessageBatchCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { timerBody, type StepTimer, type TimerItem } from './port.js';

/** SQS's longest delivery delay. */
export const MAX_DELAY_SECONDS = 900;
/** SQS's largest SendMessageBatch. */
const BATCH = 10;
/** Entries a batch reported as failed are sent again this many times before the schedule fails. */
const RESENDS = 2;
/**
 * Batches in flight at once (a sweep may send hundreds): well within the client's 50 sockets,
 * since a request queued for a socket counts against its connection timeout.
 */
const CONCURRENT_BATCHES = 10;

export function createSqsClient(overrides: SQSClientConfig = {}): SQSClient {
  return new SQSClient({
    credentials: environmentCredentials(),
    maxAttempts: 3,
    retryMode: 'standard',
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000, throwOnRequestTimeout: true },
    ...overrides,
  });
}

/** Whole seconds until `dueAt`, rounded up so a message never arrives before its step is due. */
export function delaySeconds(dueAt: number, nowMs: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - nowMs) / 1000)));
}

export class SqsStepTimer implements StepTimer {
  constructor(
    private readonly client: Pick<SQSClient, 'send'>,
    private readonly queueUrl: string,
    private readonly now: () => number = Date.now,
  ) {}

  async schedule(items: readonly TimerItem[]): Promise<void> {
    const batches: TimerItem[][] = [];
    for (let start = 0; start < items.length; start += BATCH) batches.push(items.slice(start, start + BATCH));
    let next = 0;
    const sender = async () => {
      while (next < batches.length) await this.sendBatch(batches[next++] as TimerItem[]);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENT_BATCHES, batches.length) }, sender));
  }

  private async sendBatch(batch: readonly TimerItem[]): Promise<void> {
    let pending = batch.map((item, index) => ({ Id: String(index), item }));
    for (let attempt = 0; attempt <= RESENDS && pending.length > 0; attempt += 1) {
      const now = this.now();
      const { Failed = [] } = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: pending.map(({ Id, item }) => ({ Id, MessageBody: timerBody(item), DelaySeconds: delaySeconds(item.due_at, now) })),
        }),
      );
      // A sender's fault (a malformed entry) will not pass on a resend either.
      const senderFault = Failed.find((failure) => failure.SenderFault);
      if (senderFault) throw new Error(`step timer refused a message: ${senderFault.Code ?? 'unknown'}`);
      const failed = new Set(Failed.map((failure) => failure.Id));
      pending = pending.filter(({ Id }) => failed.has(Id));
    }
    if (pending.length > 0) throw new Error(`step timer: ${pending.length} message(s) not sent`);
  }
}
