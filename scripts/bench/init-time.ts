// Module initialisation in a fresh Node process: `node` imports a bundle and reports the time
// from process start (performance.timeOrigin) to import done, as Lambda's runtime imports
// the handler module of a new instance, with the Node.js options the functions are deployed with
// (infra/bundling.ts NODE_OPTIONS). Targets are run round-robin, so drift on the machine hits all alike.
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

/**
 * Times every file `runs` times, round-robin, each round in a different order: noise that
 * comes back with the machine's own period (a kernel thread's scan, a timer) would otherwise
 * fall on the same targets in every round and move their medians.
 */
export async function initTimes(files: Record<string, string>, runs: number): Promise<Record<string, InitTime>> {
  const samples: Record<string, { ready: number[]; imported: number[] }> = {};
  for (const label of Object.keys(files)) samples[label] = { ready: [], imported: [] };
  for (let run = 0; run < runs; run += 1) {
    for (const [label, file] of roundOrder(Object.entries(files), run)) {
      const out = await runNode([...NODE_FLAGS, '--input-type=module', '-e', PROBE, file], { timeoutMs: 30_000, env: childEnv() });
      const { ready_ms, import_ms } = JSON.parse(out) as { ready_ms: number; import_ms: number };
      samples[label]?.ready.push(ready_ms);
      samples[label]?.imported.push(import_ms);
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([label, { ready, imported }]) => [
      label,
      { runs: ready.length, median_ms: round(median(ready), 1), min_ms: round(Math.min(...ready), 1), max_ms: round(Math.max(...ready), 1), import_median_ms: round(median(imported), 1) },
    ]),
  );
}
