// The order the cold-start bench times its targets in (scripts/bench/init-time.ts).
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pairedInitTimes, roundOrder } from '../../scripts/bench/init-time.js';

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

describe('the paired timing of a cold start', () => {
  it('runs the floor before every target and after the last, in every round', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'init-pairs-'));
    try {
      const file = (name: string) => {
        const path = join(dir, `${name}.mjs`);
        writeFileSync(path, 'export const handler = async () => ({});\n');
        return path;
      };
      const times = await pairedInitTimes(file('floor'), { a: file('a'), b: file('b') }, 2);
      expect(times.floor.runs).toBe(2 * 3);
      for (const target of ['a', 'b']) {
        expect(times.targets[target]?.runs).toBe(2);
        expect(times.targets[target]?.ratio_to_floor).toBeGreaterThan(0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
