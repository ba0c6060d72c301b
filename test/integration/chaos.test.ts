// A small seeded chaos run (issue: 150 operations at 20 % faults): after reconcile settles,
// our ledger matches the provider's books to the cent and nothing is left open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { CHAOS_TIMINGS, runChaos, summary } from '../../local/chaos.js';
import { startTestStack } from './helpers/local-stack.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ env: CHAOS_TIMINGS });
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
