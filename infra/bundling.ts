// How every function is bundled. The CDK construct and scripts/bundle-sizes.ts both read
// these options, so the size budget is measured on exactly what `cdk deploy` ships.
// Kept free of aws-cdk-lib so the size script starts in a blink.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `functions/<name>.ts`, exporting `handler`. */
export function entryOf(name: string): string {
  return join(PROJECT_ROOT, 'functions', `${name}.ts`);
}

/** Each bundle, minified, must stay under this: cold starts grow with the code loaded. */
export const BUNDLE_BUDGET_BYTES = 400 * 1024;

export const BUNDLING = {
  /** Follows the Lambda runtime (nodejs24.x); infra tests hold the two together. */
  target: 'node24',
  format: 'esm',
  minify: true,
  sourceMap: true,
  // Stack traces need the mappings, not a second copy of every dependency's source.
  sourcesContent: false,
  // Prefer packages' ES module builds: they tree-shake, their CommonJS builds do not.
  mainFields: ['module', 'main'],
  // The Lambda runtime ships AWS SDK v3; bundling our own copy would more than double
  // every bundle (measured: +350 KB minified each) and break the size budget.
  external: ['@aws-sdk/*'],
  // CommonJS dependencies (qrcode, pngjs) call require() for Node built-ins, which an ES
  // module has no global for.
  banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
} as const;
