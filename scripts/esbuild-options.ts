// The esbuild options `cdk deploy` bundles a function with, for scripts that bundle the same
// way to measure size and start-up: one build, in infra/esbuild-build.ts.
export { ENTRY_FILE, deployedBuildOptions } from '../infra/esbuild-build.js';
