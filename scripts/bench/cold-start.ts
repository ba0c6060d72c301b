// Measurement 2: cold start per function: the bundle as deployed (size, and what fills it)
// and module initialisation in a fresh Node process, next to the empty-handler floor timed
// in the same rounds. Over the init budget, a CPU profile of the import, mapped back to
// sources, says where the time goes.
import { FUNCTIONS, FUNCTION_IDS } from '../../infra/functions.js';
import { BUNDLE_BUDGET_BYTES } from '../../infra/bundling.js';
import { bundle, bundleDir, type Bundle } from './bundles.js';
import { pairedInitTimes, NODE_FLAGS, type InitTime } from './init-time.js';
import { profileInit, type InitProfile } from './init-profile.js';

export interface ColdStartOptions {
  /** Fresh processes per bundle (≥ 10). */
  runs: number;
  /** Profiled imports per bundle over the init budget (0: none). */
  profileRuns: number;
  /** Init budget as a multiple of the floor. */
  initBudgetFactor: number;
}

export interface FunctionColdStart {
  name: string;
  memory_mb: number;
  /** What a cold start loads (the handler module and the chunks it imports statically). */
  bytes: number;
  /** Chunks loaded only when an `import()` runs. */
  on_demand_bytes: number;
  /** Packages left out of the bundle, imported only on demand (never, on Lambda). */
  externals: string[];
  by_source: { source: string; bytes: number }[];
  init: InitTime;
  /** Median over the rounds of its init over the mean of the floor runs right before and after it. */
  ratio_to_floor: number;
  profile?: InitProfile;
}

export interface ColdStartResult {
  node_flags: string[];
  budget_bytes: number;
  floor: { bytes: number; init: InitTime };
  functions: FunctionColdStart[];
}

export async function measureColdStart(options: ColdStartOptions, log: (line: string) => void): Promise<ColdStartResult> {
  const dir = bundleDir();
  try {
    const empty = await bundle(dir.dir, null, 'empty-handler');
    const deployed: Bundle[] = [];
    for (const name of FUNCTION_IDS) deployed.push(await bundle(dir.dir, name, name));
    log(`bench: cold start: ${deployed.length} bundles built; timing ${options.runs} fresh processes each`);
    const times = await pairedInitTimes(empty.file, Object.fromEntries(deployed.map((one) => [one.name, one.file])), options.runs);
    const { floor } = times;

    const functions: FunctionColdStart[] = [];
    for (const one of deployed) {
      const { ratio_to_floor: ratio, ...init } = times.targets[one.name] as InitTime & { ratio_to_floor: number };
      functions.push({
        name: one.name,
        memory_mb: FUNCTIONS[one.name as keyof typeof FUNCTIONS].memoryMb,
        bytes: one.bytes,
        on_demand_bytes: one.on_demand_bytes,
        externals: one.externals,
        by_source: one.by_source.slice(0, 6),
        init,
        ratio_to_floor: ratio,
        ...(ratio > options.initBudgetFactor && options.profileRuns > 0 ? { profile: await profileInit(one.file, options.profileRuns) } : {}),
      });
    }
    return { node_flags: NODE_FLAGS, budget_bytes: BUNDLE_BUDGET_BYTES, floor: { bytes: empty.bytes, init: floor }, functions };
  } finally {
    dir.remove();
  }
}
