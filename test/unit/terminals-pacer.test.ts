import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pacer } from '../../lib/terminals/pacer.js';
import { withRetries } from '../../lib/terminals/retry.js';

describe('the pacer', () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it('lets at most N starts through per second', async () => {
    const pace = pacer(40, () => Date.now());
    const started: number[] = [];
    const all = Array.from({ length: 81 }, async () => {
      await pace.take();
      started.push(Date.now());
    });
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all(all);
    expect(started).toHaveLength(81);
    expect(started.filter((at) => at < 1_000)).toHaveLength(40);
    expect(started.at(-1)).toBe(2_000);
  });
});

describe('bounded retries', () => {
  it('stops after the allowed attempts and rethrows the last error', async () => {
    const action = vi.fn(async () => {
      throw new Error('down');
    });
    await expect(withRetries({ attempts: 3, delaysMs: [0] }, action)).rejects.toThrow('down');
    expect(action).toHaveBeenCalledTimes(3);
  });

  it('returns the first success', async () => {
    const action = vi.fn().mockRejectedValueOnce(new Error('once')).mockResolvedValue('ok');
    await expect(withRetries({ attempts: 3, delaysMs: [0] }, action)).resolves.toBe('ok');
    expect(action).toHaveBeenCalledTimes(2);
  });
});
