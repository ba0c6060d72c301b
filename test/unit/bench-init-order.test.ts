// The order the cold-start bench times its targets in (scripts/bench/init-time.ts).
import { describe, expect, it } from 'vitest';
import { roundOrder } from '../../scripts/bench/init-time.js';

const targets = Array.from({ length: 21 }, (_, i) => `t${i}`);

describe('the cold-start rounds', () => {
  it('time every target once per round', () => {
    for (let round = 0; round < 11; round += 1) expect([...roundOrder(targets, round)].sort()).toEqual([...targets].sort());
  });

  it('put no target at the same place in every round', () => {
    const rounds = Array.from({ length: 11 }, (_, round) => roundOrder(targets, round));
    for (const target of targets) expect(new Set(rounds.map((order) => order.indexOf(target))).size).toBeGreaterThan(3);
  });

  it('are the same from one bench run to the next', () => {
    expect(roundOrder(targets, 4)).toEqual(roundOrder(targets, 4));
    expect(roundOrder(targets, 4)).not.toEqual(roundOrder(targets, 5));
  });
});
