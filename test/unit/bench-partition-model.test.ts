// The partition model's arithmetic (scripts/bench/partition-model.ts), on figures small
// enough to work out by hand.
import { describe, expect, it } from 'vitest';
import { busiestShare, concurrency, lambdaSeconds, partitionModel, perPayment, shardsNeeded, type Lifecycle, type MixEntry } from '../../scripts/bench/partition-model.js';

const life = (units: Lifecycle['units'], calls: Partial<Omit<Lifecycle, 'units'>> = {}): Lifecycle => ({
  units,
  dynamodb_calls: 0,
  provider_calls_in_request: 0,
  provider_calls_in_background: 0,
  ...calls,
});

const STORE_SHARE = { busiest_store_share: 0.01 };

describe('the busiest value of a key', () => {
  it('takes all of a constant key, 1/n of n shards, the busiest store’s share of a store key, nothing of a per-order key', () => {
    expect(busiestShare({ kind: 'constant' }, STORE_SHARE)).toBe(1);
    expect(busiestShare({ kind: 'shards', count: 8 }, STORE_SHARE)).toBe(0.125);
    expect(busiestShare({ kind: 'store-day' }, STORE_SHARE)).toBe(0.01);
    expect(busiestShare({ kind: 'store' }, STORE_SHARE)).toBe(0.01);
    expect(busiestShare({ kind: 'unique' }, STORE_SHARE)).toBe(0);
  });
});

describe('payments per second before a partition saturates', () => {
  // Per payment: hot 0.5 × 2 + 0.5 × 4 = 3 WCU; reads 0.5 × 10 = 5 RCU.
  const mix: MixEntry[] = [
    { name: 'a', share: 0.5, lifecycle: life({ hot: { write: 2, read: 0 }, day: { write: 1, read: 0 } }) },
    { name: 'b', share: 0.5, lifecycle: life({ hot: { write: 4, read: 10 }, order: { write: 9, read: 9 } }) },
  ];

  it('weighs each operation by its share', () => {
    expect(perPayment(mix)).toEqual({ hot: { write: 3, read: 5 }, day: { write: 0.5, read: 0 }, order: { write: 4.5, read: 4.5 } });
  });

  it('is the lowest key limit, naming the key and the limit that binds', () => {
    const model = partitionModel(mix, { hot: { kind: 'constant' }, day: { kind: 'store-day' }, order: { kind: 'unique' } }, STORE_SHARE);
    // hot: 1,000 / 3 = 333 by writes, 3,000 / 5 = 600 by reads. day: 1,000 / (0.01 × 0.5) = 200,000.
    expect(model.sustained_payments_per_second).toBe(333);
    expect(model.first_to_saturate).toBe('hot');
    expect(model.keys.map((key) => [key.key, key.max_payments_per_second, key.bound_by])).toEqual([
      ['hot', 333, 'write'],
      ['day', 200_000, 'write'],
      ['order', null, null],
    ]);
  });

  it('rises with the shards of the hot key, and a read-heavy key binds by reads', () => {
    const model = partitionModel(mix, { hot: { kind: 'shards', count: 16 }, day: { kind: 'store-day' }, order: { kind: 'unique' } }, STORE_SHARE);
    // hot: 1,000 / (3/16) = 5,333 by writes, 3,000 / (5/16) = 9,600 by reads.
    expect(model.keys[0]).toMatchObject({ key: 'hot', max_payments_per_second: 5_333, bound_by: 'write' });
    const reads = partitionModel([{ name: 'r', share: 1, lifecycle: life({ k: { write: 1, read: 6 } }) }], { k: { kind: 'constant' } }, STORE_SHARE);
    expect(reads.keys[0]).toMatchObject({ max_payments_per_second: 500, bound_by: 'read' });
  });

  it('lists a declared key no operation touches, never saturating', () => {
    const model = partitionModel(mix, { hot: { kind: 'constant' }, day: { kind: 'store-day' }, order: { kind: 'unique' }, idle: { kind: 'constant' } }, STORE_SHARE);
    expect(model.keys.find((key) => key.key === 'idle')).toMatchObject({ write_per_payment: 0, max_payments_per_second: null });
    expect(model.first_to_saturate).toBe('hot');
  });

  it('tells the shards a key needs for a rate', () => {
    // 5,000/s × 3 WCU = 15,000 WCU/s → 15 shards; × 5 RCU = 25,000 RCU/s → 9 by reads.
    expect(shardsNeeded({ write_per_payment: 3, read_per_payment: 5 }, 5_000)).toBe(15);
    expect(shardsNeeded({ write_per_payment: 0.1, read_per_payment: 12 }, 5_000)).toBe(20);
    expect(shardsNeeded({ write_per_payment: 0, read_per_payment: 0 }, 5_000)).toBe(1);
  });

  it('refuses a key whose spread is not declared', () => {
    expect(() => partitionModel(mix, { hot: { kind: 'constant' }, day: { kind: 'store-day' } }, STORE_SHARE)).toThrow(/order/);
  });
});

describe('Lambda concurrency', () => {
  const timings = { provider_latency_ms: 300, dynamodb_latency_ms: 10, poll_interval_ms: 3_000 };

  it('counts each call at its latency and the sleep before each poll made in the request', () => {
    // 3 DynamoDB calls (30 ms), 3 provider calls in the request (pay + 2 polls: 900 ms + 2 × 3,000 ms sleep), 1 after (300 ms).
    expect(lambdaSeconds(life({}, { dynamodb_calls: 3, provider_calls_in_request: 3, provider_calls_in_background: 1 }), timings)).toBeCloseTo(7.23, 10);
    expect(lambdaSeconds(life({}, { dynamodb_calls: 2, provider_calls_in_request: 1 }), timings)).toBeCloseTo(0.32, 10);
  });

  it("is the rate times each payment's seconds (Little's law)", () => {
    const mix: MixEntry[] = [
      { name: 'fast', share: 0.9, lifecycle: life({}, { dynamodb_calls: 2, provider_calls_in_request: 1 }) },
      { name: 'slow', share: 0.1, lifecycle: life({}, { dynamodb_calls: 3, provider_calls_in_request: 3, provider_calls_in_background: 1 }) },
    ];
    // 0.9 × 0.32 + 0.1 × 7.23 = 1.011 s per payment.
    const figure = concurrency(mix, timings, 5_000);
    expect(figure.per_payment_per_second).toBeCloseTo(1.011, 10);
    expect(figure.per_1000_payments_per_second).toBe(1_011);
    expect(figure.at).toEqual({ payments_per_second: 5_000, concurrent: 5_055 });
  });
});
