// Measurement 2: cold start per function: the bundle as deployed (size, and what fills it)
// and module initialisation in a fresh Node process, next to the empty-handler floor of the
// same run. Over the init budget, it finds out why: the same process importing only the
// bundle's AWS SDK externals, a CPU profile of the import mapped back to sources, and the
// bundle rebuilt with the SDK inside (size and init), as a proposal to weigh.
import { FUNCTIONS, FUNCTION_IDS } from '../../infra/functions.js';
import { BUNDLE_BUDGET_BYTES } from '../../infra/bundling.js';
import { bundle, bundleDir, type Bundle } from './bundles.js';
import { externalsModule, initTimes, NODE_FLAGS, type InitTime } from './init-time.js';
import { loadedFiles, profileInit, type InitProfile, type LoadedFiles } from './init-profile.js';
import { round } from './stats.js';

export interface ColdStartOptions {
  /** Fresh processes per bundle (≥ 10). */
  runs: number;
  /** Fresh processes per SDK-bundled variant. */
  whatIfRuns: number;
  /** Profiled imports per bundle over the init budget (0: none). */
  profileRuns: number;
  /** Init budget as a multiple of the floor. */
  initBudgetFactor: number;
}

export interface FunctionColdStart {
  name: string;
  memory_mb: number;
  bytes: number;
  externals: string[];
  by_source: { source: string; bytes: number }[];
  init: InitTime;
  ratio_to_floor: number;
  /** The same fresh process importing only this bundle's externals (the AWS SDK clients). */
  externals_init_median_ms: number;
  sdk_bundled: { bytes: number; init: InitTime; ratio_to_floor: number };
  profile?: InitProfile;
}

export interface ColdStartResult {
  node_flags: string[];
  budget_bytes: number;
  floor: { bytes: number; init: InitTime };
  /** The floor again, timed in the round of the SDK-bundled variants. */
  floor_what_if: InitTime;
  /** Each distinct set of externals: its init alone and the CommonJS files it loads. */
  externals: { specifiers: string[]; init: InitTime; loaded: LoadedFiles }[];
  functions: FunctionColdStart[];
}

export async function measureColdStart(options: ColdStartOptions, log: (line: string) => void): Promise<ColdStartResult> {
  const dir = bundleDir();
  try {
    const empty = await bundle(dir.dir, null, 'empty-handler');
    const deployed: Bundle[] = [];
    const withSdk: Bundle[] = [];
    for (const name of FUNCTION_IDS) {
      deployed.push(await bundle(dir.dir, name, name));
      withSdk.push(await bundle(dir.dir, name, `${name}+sdk`, { sdkBundled: true }));
    }
    const externalSets = new Map<string, string>();
    for (const one of deployed) {
      const key = one.externals.join(' ');
      if (!externalSets.has(key)) externalSets.set(key, externalsModule(dir.dir, `externals-${externalSets.size}`, one.externals));
    }
    log(`bench: cold start: ${deployed.length} bundles built; timing ${options.runs} fresh processes each`);
    const main = await initTimes(
      {
        'empty-handler': empty.file,
        ...Object.fromEntries(deployed.map((one) => [one.name, one.file])),
        ...Object.fromEntries([...externalSets].map(([key, file]) => [`externals:${key}`, file])),
      },
      options.runs,
    );
    const whatIf = await initTimes({ 'empty-handler': empty.file, ...Object.fromEntries(withSdk.map((one) => [one.name, one.file])) }, options.whatIfRuns);
    const floor = main['empty-handler'] as InitTime;
    const floorWhatIf = whatIf['empty-handler'] as InitTime;

    const functions: FunctionColdStart[] = [];
    for (const [index, one] of deployed.entries()) {
      const init = main[one.name] as InitTime;
      const sdk = withSdk[index] as Bundle;
      const sdkInit = whatIf[sdk.name] as InitTime;
      const ratio = round(init.median_ms / floor.median_ms, 2);
      const overBudget = ratio > options.initBudgetFactor;
      functions.push({
        name: one.name,
        memory_mb: FUNCTIONS[one.name as keyof typeof FUNCTIONS].memoryMb,
        bytes: one.bytes,
        externals: one.externals,
        by_source: one.by_source.slice(0, 6),
        init,
        ratio_to_floor: ratio,
        externals_init_median_ms: (main[`externals:${one.externals.join(' ')}`] as InitTime).median_ms,
        sdk_bundled: { bytes: sdk.bytes, init: sdkInit, ratio_to_floor: round(sdkInit.median_ms / floorWhatIf.median_ms, 2) },
        ...(overBudget && options.profileRuns > 0 ? { profile: await profileInit(one.file, options.profileRuns) } : {}),
      });
    }
    const externals = [];
    for (const [key, file] of externalSets) externals.push({ specifiers: key.split(' '), init: main[`externals:${key}`] as InitTime, loaded: await loadedFiles(file) });
    return { node_flags: NODE_FLAGS, budget_bytes: BUNDLE_BUDGET_BYTES, floor: { bytes: empty.bytes, init: floor }, floor_what_if: floorWhatIf, externals, functions };
  } finally {
    dir.remove();
  }
}
