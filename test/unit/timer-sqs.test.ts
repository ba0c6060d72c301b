// The step timer on SQS (aws-sdk-client-mock): batches of at most 10, each message delayed
// until its item is due (whole seconds, rounded up, at most SQS's 15 minutes), entries SQS
// reports as failed sent again a bounded number of times, and a failure that stays thrown.
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { delaySeconds, MAX_DELAY_SECONDS, SqsStepTimer } from '../../lib/timer/sqs.js';
import { parseTimerItem } from '../../lib/timer/index.js';

const NOW = 1_800_000_000_000;
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/timer';
const sqs = mockClient(SQSClient);
afterEach(() => sqs.reset());

const timer = () => new SqsStepTimer(new SQSClient({ region: 'us-east-1' }), QUEUE, () => NOW);
const entriesSent = () => sqs.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input.Entries ?? []);

describe('the delay of a wake-up', () => {
  it('is the whole seconds until it is due, rounded up, never negative, at most 15 minutes', () => {
    expect(delaySeconds(NOW, NOW)).toBe(0);
    expect(delaySeconds(NOW - 5_000, NOW)).toBe(0);
    expect(delaySeconds(NOW + 1, NOW)).toBe(1);
    expect(delaySeconds(NOW + 3_000, NOW)).toBe(3);
    expect(delaySeconds(NOW + 3_001, NOW)).toBe(4);
    expect(delaySeconds(NOW + 2 * 3_600_000, NOW)).toBe(MAX_DELAY_SECONDS);
  });
});

describe('SqsStepTimer', () => {
  it('sends one message per item, in batches of at most 10, each delayed until its item is due', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const items = Array.from({ length: 23 }, (_, i) => ({ order_id: `o-${i}`, due_at: NOW + i * 1_000 }));
    await timer().schedule([...items, { order_id: 'o-r', refund_request_no: 'r-1', due_at: NOW + 20 * 60_000 }]);
    const batches = entriesSent();
    expect(batches.map((entries) => entries.length)).toEqual([10, 10, 4]);
    expect(sqs.commandCalls(SendMessageBatchCommand).every((call) => call.args[0].input.QueueUrl === QUEUE)).toBe(true);
    const all = batches.flat();
    expect(all.map((entry) => entry.DelaySeconds)).toEqual([...items.map((_, i) => i), MAX_DELAY_SECONDS]);
    expect(all.map((entry) => parseTimerItem(entry.MessageBody ?? ''))).toEqual([...items, { order_id: 'o-r', refund_request_no: 'r-1', due_at: NOW + 20 * 60_000 }]);
  });

  it('keeps a large wake-up (a sweep of thousands) within the client\'s 50 sockets: a request queued for one times out after 1 s', async () => {
    let inFlight = 0;
    let most = 0;
    sqs.on(SendMessageBatchCommand).callsFake(async () => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return { Successful: [], Failed: [] };
    });
    await timer().schedule(Array.from({ length: 6_400 }, (_, i) => ({ order_id: `o-${i}`, due_at: NOW })));
    expect(entriesSent().flat()).toHaveLength(6_400);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(50);
  });

  it('sends nothing for no items', async () => {
    await timer().schedule([]);
    expect(entriesSent()).toEqual([]);
  });

  it('sends again only the entries SQS reports as failed', async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({ Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: 'x' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [], Failed: [] });
    await timer().schedule([{ order_id: 'a', due_at: NOW }, { order_id: 'b', due_at: NOW }]);
    expect(entriesSent().map((entries) => entries.map((entry) => parseTimerItem(entry.MessageBody ?? '')?.order_id))).toEqual([['a', 'b'], ['b']]);
  });

  it('fails when entries still fail after its resends, and at once on a sender fault', async () => {
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InternalError', SenderFault: false }] });
    await expect(timer().schedule([{ order_id: 'a', due_at: NOW }])).rejects.toThrow('1 message(s) not sent');
    expect(entriesSent()).toHaveLength(3);
    sqs.reset();
    sqs.on(SendMessageBatchCommand).resolves({ Failed: [{ Id: '0', Code: 'InvalidParameterValue', SenderFault: true }] });
    await expect(timer().schedule([{ order_id: 'a', due_at: NOW }])).rejects.toThrow('InvalidParameterValue');
    expect(entriesSent()).toHaveLength(1);
  });

  it('fails when SQS cannot be reached', async () => {
    sqs.on(SendMessageBatchCommand).rejects(new Error('connect ETIMEDOUT'));
    await expect(timer().schedule([{ order_id: 'a', due_at: NOW }])).rejects.toThrow('ETIMEDOUT');
  });
});

describe('a wake-up message', () => {
  it('parses what the timer sends, and nothing else', () => {
    expect(parseTimerItem('{"order_id":"o","due_at":5}')).toEqual({ order_id: 'o', due_at: 5 });
    for (const body of ['', 'nope', '{"order_id":1,"due_at":5}', '{"order_id":"o","due_at":"5"}', '{"order_id":"o","due_at":1.5}', '{"order_id":"o","due_at":5,"refund_request_no":7}']) {
      expect(parseTimerItem(body), body).toBeUndefined();
    }
  });
});
