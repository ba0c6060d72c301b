// Module initialisation in a fresh Node process: `node` imports a bundle and reports the time
// from process start (performance.timeOrigin) to import done, as Lambda's runtime imports
// the handler module of a new instance, with the Node.js options the functions are deployed with
// (infra/bundling.ts NODE_OPTIONS). Each target is judged against floor runs beside it (pairedInitTimes).
import { NODE_OPTIONS } from '../../infra/bundling.js';
import { runNode } from './children.js';
import { median, round } from './stats.js';

const PROBE = `
const url = (await import('node:url')).pathToFileURL(process.argv[1]).href;
const started = performance.now();
await import(url);
const done = performance.now();
process.stdout.write(JSON.stringify({ ready_ms: done, import_ms: done - started }));
`;

export interface InitTime {
  runs: number;
  /** Process start → import done, median. */
  median_ms: number;
  min_ms: number;
  max_ms: number;
  /** The import alone (without Node's own start-up), median. */
  import_median_ms: number;
}

/** As deployed: the NODE_OPTIONS of every function. */
export const NODE_FLAGS: string[] = [...NODE_OPTIONS];

function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/**
 * `items` in an order of their own for each `round`: the same orders on every bench run, none
 * that keeps a target at one place in the round.
 */
export function roundOrder<T>(items: readonly T[], round: number): T[] {
  const out = [...items];
  let state = (round + 1) * 0x9e3779b1;
  for (let i = out.length - 1; i > 0; i -= 1) {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** One fresh process importing `file`: process start → import done, and the import alone (ms). */
async function timeOnce(file: string): Promise<{ ready_ms: number; import_ms: number }> {
  const out = await runNode([...NODE_FLAGS, '--input-type=module', '-e', PROBE, file], { timeoutMs: 30_000, env: childEnv() });
  return JSON.parse(out) as { ready_ms: number; import_ms: number };
}

const summary = (ready: number[], imported: number[]): InitTime => ({
  runs: ready.length,
  median_ms: round(median(ready), 1),
  min_ms: round(Math.min(...ready), 1),
  max_ms: round(Math.max(...ready), 1),
  import_median_ms: round(median(imported), 1),
});

export interface PairedInitTimes {
  floor: InitTime;
  targets: Record<string, InitTime & { ratio_to_floor: number }>;
}

/**
 * Times the floor and every target `runs` times. Each round takes the targets in an order of
 * its own and runs the floor before each target and after the last, so that every target run
 * has floor runs right beside it; a target's ratio is the median, over the rounds, of its time
 * over the mean of its two neighbouring floor runs. This machine's speed drifts within seconds
 * (the same \`node -e ''\` took 64 and 94 ms a few seconds apart), and a ratio of medians
 * taken over a whole phase carries that drift; a fixed order would also put noise that recurs
 * with the machine's own period on the same targets every round.
 */
export async function pairedInitTimes(floorFile: string, files: Record<string, string>, runs: number): Promise<PairedInitTimes> {
  const floor = { ready: [] as number[], imported: [] as number[] };
  const samples: Record<string, { ready: number[]; imported: number[]; ratios: number[] }> = {};
  for (const label of Object.keys(files)) samples[label] = { ready: [], imported: [], ratios: [] };
  const timeFloor = async () => {
    const once = await timeOnce(floorFile);
    floor.ready.push(once.ready_ms);
    floor.imported.push(once.import_ms);
    return once.ready_ms;
  };
  for (let run = 0; run < runs; run += 1) {
    let before = await timeFloor();
    for (const [label, file] of roundOrder(Object.entries(files), run)) {
      const once = await timeOnce(file);
      const after = await timeFloor();
      const target = samples[label] as { ready: number[]; imported: number[]; ratios: number[] };
      target.ready.push(once.ready_ms);
      target.imported.push(once.import_ms);
      target.ratios.push(once.ready_ms / ((before + after) / 2));
      before = after;
    }
  }
  return {
    floor: summary(floor.ready, floor.imported),
    targets: Object.fromEntries(Object.entries(samples).map(([label, { ready, imported, ratios }]) => [label, { ...summary(ready, imported), ratio_to_floor: round(median(ratios), 2) }])),
  };
}
