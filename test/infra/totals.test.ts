// The store-day totals consumer in AWS (infra/totals.ts): the stream's second consumer.
import { describe, expect, it } from 'vitest';
import { STREAM_FILTER } from '../../infra/order-events.js';
import { ITERATOR_AGE_ALARM_MS } from '../../infra/totals.js';
import { CHANGES_PER_WRITE } from '../../lib/totals/apply.js';
import { resourcesOf, synthStack } from './stack-fixture.js';

const { stack, template, logicalId, functionLogicalId } = synthStack();
const tableId = logicalId(stack.node.findChild('Ledger').node.findChild('Table'));
const mappings = Object.values(resourcesOf(template, 'AWS::Lambda::EventSourceMapping'));

describe('store-day totals consumer', () => {
  it('reads the table stream from its oldest record, order and refund writes only, into the totals function', () => {
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: functionLogicalId('totals') },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: CHANGES_PER_WRITE,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(STREAM_FILTER) }] },
    });
  });

  it('halves a failing batch, retries a bounded number of times, then sends the positions to its own dead-letter queue', () => {
    const dlq = logicalId(stack.node.findChild('StoreDayTotals').node.findChild('DeadLetters'));
    expect(mappings[0]?.Properties).toMatchObject({
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [dlq, 'Arn'] } } },
    });
  });

  it('alarms on its dead letters, its errors, its iterator age and on totals a report found inconsistent', () => {
    for (const name of ['Totals-DeadLetters', 'totals-Errors', 'Totals-Inconsistent']) template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `UpayBackend-${name}` });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'UpayBackend-Totals-IteratorAge', MetricName: 'IteratorAge', Threshold: ITERATOR_AGE_ALARM_MS });
  });

  it('exists only with a stream: an adopted table without one gets no consumer', () => {
    const noStream = synthStack({ tableName: 'upay-restored' });
    expect(noStream.stack.functions.totals).toBeUndefined();
    noStream.template.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
  });
});
