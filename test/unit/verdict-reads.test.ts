// How chaos, the bench and test probes read their verdicts: bounded, retried, and a read
// that keeps failing stops the run instead of becoming a result.
import { describe, expect, it, vi } from 'vitest';
import { mapBounded, readAll, readReliably, ReadFailedError } from '../../local/bounded.js';
import { ledgerAnswer } from '../../local/chaos.js';

describe('mapBounded', () => {
  it('never has more than `concurrency` reads in flight, and keeps the order of the items', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await mapBounded(Array.from({ length: 50 }, (_, i) => i), 4, async (item) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, item % 3));
      inFlight -= 1;
      return item * 2;
    });
    expect(most).toBe(4);
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
  });

  it('starts no further read once one has failed', async () => {
    const started: number[] = [];
    const failing = mapBounded(Array.from({ length: 100 }, (_, i) => i), 4, async (item) => {
      started.push(item);
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (item === 2) throw new Error('503');
      return item;
    });
    await expect(failing).rejects.toThrow('503');
    const atFailure = started.length;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started.length).toBe(atFailure);
    expect(atFailure).toBeLessThan(10);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a concurrency of %s instead of reading nothing', async (concurrency) => {
    await expect(mapBounded([1, 2, 3], concurrency, async (item) => item)).rejects.toThrow(RangeError);
  });

  it('answers an empty list without reading', async () => {
    const read = vi.fn();
    expect(await mapBounded([], 8, read)).toEqual([]);
    expect(read).not.toHaveBeenCalled();
  });
});

describe('readReliably', () => {
  it('retries a read that fails, and answers its first success', async () => {
    const read = vi.fn().mockRejectedValueOnce(new Error('ECONNRESET')).mockRejectedValueOnce(new Error('timeout')).mockResolvedValue('order');
    expect(await readReliably('order 1', read, { delayMs: 1 })).toBe('order');
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('stops with an error naming the read once every attempt failed', async () => {
    const read = vi.fn().mockRejectedValue(new Error('connect timeout'));
    const failure = readReliably('ledger read of chaos-1', read, { attempts: 3, delayMs: 1 });
    await expect(failure).rejects.toBeInstanceOf(ReadFailedError);
    await expect(failure).rejects.toThrow('ledger read of chaos-1: failed 3 times, last: connect timeout');
    expect(read).toHaveBeenCalledTimes(3);
  });

  it('fails the whole batch when one item keeps failing, instead of answering without it', async () => {
    const read = async (item: number) => {
      if (item === 7) throw new Error('503');
      return item;
    };
    await expect(readAll((item) => `item ${item}`, [1, 2, 7, 9], read, { attempts: 2, delayMs: 1 })).rejects.toThrow('item 7: failed 2 times');
  });
});

describe('a chaos ledger read', () => {
  const order = { order_id: 'ord_1', client_sn: 'chaos-1-1', order_status: 'PAID', refunds: [] };

  it('is the order when the API answers it', () => {
    expect(ledgerAnswer({ status: 200, body: order })).toEqual(order);
  });

  it('is "never recorded" only when our API says it has no such order', () => {
    expect(ledgerAnswer({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'no such order' } } })).toBeUndefined();
  });

  it.each([
    ['a 500 from a handler', { status: 500, body: { error: { code: 'INTERNAL', message: 'x' } } }],
    ['a 503 while DynamoDB is slow', { status: 503, body: { error: { code: 'PROVIDER_UNAVAILABLE', message: 'x' } } }],
    ["the gateway's own 404", { status: 404, body: { message: 'Not Found' } }],
    ['a 200 without an order', { status: 200, body: {} }],
  ])('throws on %s, so that the read is retried and never counted as missing', (_name, answer) => {
    expect(() => ledgerAnswer(answer)).toThrow(`HTTP ${answer.status}`);
  });
});
