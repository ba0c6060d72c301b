// The step timer's local stand-in, on fake timers: a wake-up is handed to the worker at its due
// time (never before), a failed one is delivered again after the visibility timeout and given
// up after its last receive, and nothing is delivered without a worker attached.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalStepTimer, parseTimerItem, type TimerItem } from '../../lib/timer/index.js';

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

function recording(fail: (item: TimerItem, receive: number) => boolean = () => false) {
  const delivered: { item: TimerItem; at: number }[] = [];
  const receives = new Map<string, number>();
  const worker = async (bodies: { id: string; body: string }[]) => {
    const failed: string[] = [];
    for (const { id, body } of bodies) {
      const item = parseTimerItem(body) as TimerItem;
      const receive = (receives.get(item.order_id) ?? 0) + 1;
      receives.set(item.order_id, receive);
      delivered.push({ item, at: Date.now() });
      if (fail(item, receive)) failed.push(id);
    }
    return { failed };
  };
  return { delivered, worker };
}

describe('LocalStepTimer', () => {
  it('hands each wake-up to the worker at its due time, one already due at once', async () => {
    const timer = new LocalStepTimer();
    const { delivered, worker } = recording();
    timer.attach(worker);
    await timer.schedule([{ order_id: 'later', due_at: 1_003_000 }, { order_id: 'now', due_at: 999_000 }]);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(delivered).toEqual([{ item: { order_id: 'now', due_at: 999_000 }, at: 1_000_000 }]);
    await vi.advanceTimersByTimeAsync(1);
    expect(delivered.at(-1)).toEqual({ item: { order_id: 'later', due_at: 1_003_000 }, at: 1_003_000 });
  });

  it('delivers a failed wake-up again after the visibility timeout, and gives it up after its last receive', async () => {
    const timer = new LocalStepTimer({ visibilityMs: 500, maxReceives: 3 });
    const { delivered, worker } = recording((item, receive) => item.order_id === 'broken' || receive < 2);
    timer.attach(worker);
    await timer.schedule([{ order_id: 'flaky', due_at: 1_000_000 }, { order_id: 'broken', due_at: 1_000_000 }]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(delivered.filter((d) => d.item.order_id === 'flaky').map((d) => d.at)).toEqual([1_000_000, 1_000_500]);
    expect(delivered.filter((d) => d.item.order_id === 'broken').map((d) => d.at)).toEqual([1_000_000, 1_000_500, 1_001_000]);
    expect(timer.deadLetters).toEqual([{ order_id: 'broken', due_at: 1_000_000 }]);
  });

  it('drops wake-ups while no worker is attached (the sweep finds their items), and stop drops the waiting ones', async () => {
    const timer = new LocalStepTimer();
    const { delivered, worker } = recording();
    await timer.schedule([{ order_id: 'unattended', due_at: 1_000_000 }]);
    await vi.advanceTimersByTimeAsync(10);
    timer.attach(worker);
    await timer.schedule([{ order_id: 'stopped', due_at: 1_001_000 }]);
    await timer.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(delivered).toEqual([]);
  });
});
