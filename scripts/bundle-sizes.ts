// Bundles every function exactly as `cdk deploy` does (the options live in infra/bundling.ts)
// and prints each bundle's minified size; fails when one is over the budget, or when one
// holds or loads at start-up a package Lambda never reaches (UNREACHED_SDK_PACKAGES), or holds
// one replaced by a stand-in (BUNDLING.alias).
//   npx tsx scripts/bundle-sizes.ts
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';
import { BUNDLE_BUDGET_BYTES, BUNDLING, UNREACHED_SDK_PACKAGES, entryOf } from '../infra/bundling.js';
import { deployedBuildOptions } from './esbuild-options.js';
import { FUNCTION_IDS } from '../infra/functions.js';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const replaced = (path: string) => Object.keys(BUNDLING.alias).some((name) => path.includes(`node_modules/${name}/`));
const unreached = (path: string) => UNREACHED_SDK_PACKAGES.some((name) => path === name || path.includes(`node_modules/${name}/`));

async function bundleOf(name: string): Promise<{ name: string; bytes: number; problems: string[] }> {
  const result = await build({ ...deployedBuildOptions(), entryPoints: [entryOf(name)], outfile: 'index.mjs', write: false, metafile: true });
  const output = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('.mjs'))?.[1];
  if (!output) throw new Error(`esbuild produced no code for ${name}`);
  const problems = [
    ...Object.keys(output.inputs).filter(unreached).map((path) => `bundles ${path}`),
    // Replaced by a stand-in (BUNDLING.alias), so the package itself must not be in it.
    ...Object.keys(output.inputs).filter(replaced).map((path) => `bundles ${path} (aliased away)`),
    // Left out, so it may only ever be imported on demand (and never is: see lib/aws/credentials.ts).
    ...output.imports.filter((entry) => entry.external && !isBuiltin(entry.path) && (entry.kind !== 'dynamic-import' || !unreached(entry.path))).map((entry) => `imports ${entry.path} (${entry.kind})`),
  ];
  return { name, bytes: output.bytes, problems: [...new Set(problems)] };
}

const bundles = await Promise.all(FUNCTION_IDS.map(bundleOf));
const width = Math.max(...bundles.map(({ name }) => name.length));
for (const { name, bytes, problems } of bundles) {
  console.log(`${name.padEnd(width)}  ${kb(bytes).padStart(9)}${bytes > BUNDLE_BUDGET_BYTES ? '  over budget' : ''}${problems.map((problem) => `\n${' '.repeat(width)}  ${problem}`).join('')}`);
}
const over = bundles.filter(({ bytes }) => bytes > BUNDLE_BUDGET_BYTES);
const wrong = bundles.filter(({ problems }) => problems.length > 0);
console.log(`${bundles.length} bundles, budget ${kb(BUNDLE_BUDGET_BYTES)} each: ${over.length === 0 ? 'all within' : `${over.length} over`}; ${wrong.length === 0 ? 'none holds' : `${wrong.length} hold or load`} what Lambda never reaches`);
if (over.length > 0 || wrong.length > 0) process.exitCode = 1;
