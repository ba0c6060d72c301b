// The esbuild options `cdk deploy` bundles a function with (infra/bundling.ts), for scripts
// that bundle the same way to measure size and start-up.
import type { BuildOptions } from 'esbuild';
import { BUNDLING, PROJECT_ROOT } from '../infra/bundling.js';

export function deployedBuildOptions(): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    external: [...BUNDLING.external],
    alias: { ...BUNDLING.alias },
    banner: { js: BUNDLING.banner },
    logLevel: 'error',
  };
}
