// The one esbuild build of a function: `cdk deploy` runs it (infra/payment-function.ts, as
// the asset's local bundling), and the scripts that measure what ships run the same
// (scripts/bundle-sizes.ts, the bench). Its options are BUNDLING's (infra/bundling.ts).
import { buildSync, type BuildOptions } from 'esbuild';
import { BUNDLING, PROJECT_ROOT, entryOf } from './bundling.js';

/** The handler module Lambda imports: `<outdir>/index.mjs` (handler `index.handler`). */
export const ENTRY_FILE = 'index.mjs';

/**
 * Every option but what to build and where to. Code splitting: what a function imports only on
 * demand (`import()`) becomes a chunk file of its own that is read and compiled when that import
 * runs, not while Lambda initialises the function.
 */
export function deployedBuildOptions(): BuildOptions {
  return {
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    target: BUNDLING.target,
    format: BUNDLING.format,
    splitting: BUNDLING.splitting,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    external: [...BUNDLING.external],
    alias: { ...BUNDLING.alias },
    banner: { js: BUNDLING.banner },
    entryNames: 'index',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    logLevel: 'error',
  };
}

/** Builds function `name` into `outdir` (the asset's directory), as deployed. */
export function buildFunction(name: string, outdir: string): void {
  buildSync({ ...deployedBuildOptions(), entryPoints: [entryOf(name)], outdir });
}
