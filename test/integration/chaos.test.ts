// A small seeded chaos run (issue: 150 operations at 20 % faults): after the step timer settles,
// our ledger matches the provider's books to the cent and nothing is left open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { CHAOS_TIMINGS, runChaos, summary } from '../../local/chaos.js';
import { outageSummary, runOutage } from '../../local/outage.js';
import { startTestStack } from './helpers/local-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ env: CHAOS_TIMINGS, timer: 'running' });
});
afterAll(() => stack?.close());

describe('a chaos run', () => {
  it('reconciles 150 operations under 20 % injected faults to zero discrepancies, with nothing left open', async () => {
    const options = { ops: 150, faultRate: 0.2, seed: 11 };
    const report = await runChaos(stack, options);
    const text = summary(report, options);
    expect(report.orders, text).toBeGreaterThan(50);
    expect(Object.values(report.faults).reduce((sum, n) => sum + n, 0), text).toBeGreaterThan(10);
    expect(report.open, text).toBe(0);
    expect(report.discrepancies, text).toEqual([]);
  }, 400_000);
});

describe('an outage run', () => {
  it('finishes every order opened before a provider maintenance that covers their deadlines, without a person, once it ends', async () => {
    // 4 s of maintenance: it begins once the orders are open (each pay request polls for
    // 2.5 s first), so their deadlines (3.5 s, 4 s after creation in these timings) fall inside it.
    const report = await runOutage(stack, { outageMs: 4_000, seed: 3, orders: 12, sweepEveryMs: 500 });
    const text = outageSummary(report);
    expect(report.openWhenItBegan, text).toBeGreaterThanOrEqual(9);
    expect(report.openWhenItEnded, text).toBeGreaterThan(0);
    expect(report.orders, text).toBeGreaterThanOrEqual(13);
    expect(report.operations.refund, text).toBeGreaterThanOrEqual(1);
    expect(report.open, text).toBe(0);
    expect(report.needsAttention, text).toEqual({});
    expect(report.discrepancies, text).toEqual([]);
  }, 200_000);
});
