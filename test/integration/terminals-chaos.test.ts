// A short seeded terminal chaos run (issue 11, "Terminal chaos"): kills at every await point of
// check-in and activation, lost replies and 500s after the sandbox rotated, key store failures;
// no terminal ends up with keys the sandbox refuses without being parked.
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { startTerminalChaosWorld } from '../../local/terminal-chaos-world.js';
import { runTerminalChaos, terminalChaosSummary, type TerminalChaosReport } from '../../local/terminal-chaos.js';

const OPTIONS = { terminals: 40, days: 4, faultRate: 0.4, seed: 11 };
let report: TerminalChaosReport;
let summary: string;

beforeAll(async () => {
  const world = await startTerminalChaosWorld(inject('dynamoEndpoint'), OPTIONS.seed);
  try {
    report = await runTerminalChaos(world, OPTIONS);
  } finally {
    await world.close();
  }
  summary = terminalChaosSummary(report, OPTIONS);
}, 120_000);

describe('a terminal chaos run', () => {
  it('bricks no terminal silently and leaves no activation unresolved', () => {
    expect(summary.split('\n').at(-1)).toBe('bricked_silently: 0');
    expect(report.brickedSilently, summary).toEqual([]);
    expect(report.activationsUnresolved, summary).toEqual([]);
  });

  it('did meet the faults it is about: kills before and after effects, losses after rotation, key store failures', () => {
    const kills = Object.keys(report.kills);
    expect(kills.some((point) => point.endsWith('/after')), summary).toBe(true);
    expect(kills.some((point) => point.endsWith('/before')), summary).toBe(true);
    expect(report.faults.checkin_drop_reply ?? 0, summary).toBeGreaterThan(0);
    expect(report.faults.checkin_http_500_applied ?? 0, summary).toBeGreaterThan(0);
    expect((report.faults.key_store_unavailable ?? 0) + (report.faults.key_store_timeout_after_write ?? 0), summary).toBeGreaterThan(0);
    expect(report.outcomes['checkin:checked_in'] ?? 0, summary).toBeGreaterThan(0);
  });
});

describe('the sweep of a terminal chaos run', () => {
  // Without random faults the only kills are the sweep's: it must reach every await point of a
  // check-in, before and after its effect, including those between the provider call and the
  // registry write that ends it.
  it('kills a check-in at each of its await points, before and after the effect', async () => {
    const options = { terminals: 32, days: 3, faultRate: 0, seed: 5 };
    const world = await startTerminalChaosWorld(inject('dynamoEndpoint'), options.seed);
    let swept: TerminalChaosReport;
    try {
      swept = await runTerminalChaos(world, options);
    } finally {
      await world.close();
    }
    // Both ways in: the lease first (an admin's), and from the listing in one write (the fleet's).
    const points = ['registry.acquireCheckinLease', 'keys.currentStored', 'registry.markCheckinInFlight', 'registry.leaseAndMarkInFlight', 'upay.checkin', 'keys.rotate', 'registry.finishCheckin'];
    const expected = points.flatMap((point) => [`${point}/before`, `${point}/after`]);
    expect(Object.keys(swept.kills).filter((point) => expected.includes(point)).sort(), terminalChaosSummary(swept, options)).toEqual([...expected].sort());
    expect(swept.brickedSilently).toEqual([]);
  }, 120_000);
});
