// Bundles every function exactly as `cdk deploy` does (the options live in infra/bundling.ts)
// and prints each bundle's minified size; fails when one is over the budget.
//   npx tsx scripts/bundle-sizes.ts
import { build } from 'esbuild';
import { BUNDLE_BUDGET_BYTES, entryOf } from '../infra/bundling.js';
import { deployedBuildOptions } from './esbuild-options.js';
import { FUNCTION_IDS } from '../infra/functions.js';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

async function bundleSize(name: string): Promise<number> {
  const result = await build({ ...deployedBuildOptions(), entryPoints: [entryOf(name)], outfile: 'index.mjs', write: false });
  const code = result.outputFiles.find((file) => file.path.endsWith('.mjs'));
  if (!code) throw new Error(`esbuild produced no code for ${name}`);
  return code.contents.byteLength;
}

const sizes = await Promise.all(FUNCTION_IDS.map(async (name) => ({ name, bytes: await bundleSize(name) })));
const width = Math.max(...sizes.map(({ name }) => name.length));
for (const { name, bytes } of sizes) {
  console.log(`${name.padEnd(width)}  ${kb(bytes).padStart(9)}${bytes > BUNDLE_BUDGET_BYTES ? '  over budget' : ''}`);
}
const over = sizes.filter(({ bytes }) => bytes > BUNDLE_BUDGET_BYTES);
console.log(`${sizes.length} bundles, budget ${kb(BUNDLE_BUDGET_BYTES)} each: ${over.length === 0 ? 'all within' : `${over.length} over`}`);
if (over.length > 0) process.exitCode = 1;
