// Bundles every function exactly as `cdk deploy` does (infra/esbuild-build.ts) and prints what
// each cold start loads (the handler module and the chunks it imports statically) and what is
// loaded only on demand; fails when a function's code is over the budget, when one holds or
// loads at start-up a package Lambda never reaches (UNREACHED_SDK_PACKAGES), holds one
// replaced by a stand-in (BUNDLING.alias), or loads at start-up one it must import only on
// demand (ON_DEMAND_PACKAGES).
//   npx tsx scripts/bundle-sizes.ts
import { build } from 'esbuild';
import { isBuiltin } from 'node:module';
import { BUNDLE_BUDGET_BYTES, BUNDLING, ON_DEMAND_PACKAGES, UNREACHED_SDK_PACKAGES, entryOf } from '../infra/bundling.js';
import { bundleOutputs, bytesOf } from '../infra/bundle-outputs.js';
import { deployedBuildOptions } from '../infra/esbuild-build.js';
import { FUNCTION_IDS } from '../infra/functions.js';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const inPackage = (names: readonly string[]) => (path: string) => names.some((name) => path === name || path.includes(`node_modules/${name}/`));
const unreached = inPackage(UNREACHED_SDK_PACKAGES);
const replaced = inPackage(Object.keys(BUNDLING.alias));
const onDemand = inPackage(ON_DEMAND_PACKAGES);

async function bundleOf(name: string): Promise<{ name: string; atInit: number; total: number; problems: string[] }> {
  const result = await build({ ...deployedBuildOptions(), entryPoints: [entryOf(name)], outdir: 'out', write: false, metafile: true });
  const outputs = bundleOutputs(result.metafile);
  const all = [...outputs.atInit, ...outputs.onDemand].map(([, output]) => output);
  const atInit = outputs.atInit.map(([, output]) => output);
  const problems = [
    ...all.flatMap((output) => Object.keys(output.inputs)).filter(unreached).map((path) => `bundles ${path}`),
    // Replaced by a stand-in, so the package itself must not be in it.
    ...all.flatMap((output) => Object.keys(output.inputs)).filter(replaced).map((path) => `bundles ${path} (aliased away)`),
    ...atInit.flatMap((output) => Object.keys(output.inputs)).filter(onDemand).map((path) => `loads ${path} at start-up (an on-demand package)`),
    // Left out, so it may only ever be imported on demand (and never is: see lib/aws/credentials.ts).
    ...all.flatMap((output) => output.imports).filter((entry) => entry.external && !isBuiltin(entry.path) && (entry.kind !== 'dynamic-import' || !unreached(entry.path))).map((entry) => `imports ${entry.path} (${entry.kind})`),
  ];
  return { name, atInit: bytesOf(outputs.atInit), total: bytesOf(outputs.atInit) + bytesOf(outputs.onDemand), problems: [...new Set(problems)] };
}

const bundles = await Promise.all(FUNCTION_IDS.map(bundleOf));
const width = Math.max(...bundles.map(({ name }) => name.length));
console.log(`${'function'.padEnd(width)}  ${'at start-up'.padStart(11)}  ${'on demand'.padStart(10)}`);
for (const { name, atInit, total, problems } of bundles) {
  console.log(`${name.padEnd(width)}  ${kb(atInit).padStart(11)}  ${kb(total - atInit).padStart(10)}${total > BUNDLE_BUDGET_BYTES ? '  over budget' : ''}${problems.map((problem) => `\n${' '.repeat(width)}  ${problem}`).join('')}`);
}
const over = bundles.filter(({ total }) => total > BUNDLE_BUDGET_BYTES);
const wrong = bundles.filter(({ problems }) => problems.length > 0);
console.log(`${bundles.length} functions, budget ${kb(BUNDLE_BUDGET_BYTES)} of code each: ${over.length === 0 ? 'all within' : `${over.length} over`}; ${wrong.length === 0 ? 'none holds or loads at start-up what it must not' : `${wrong.length} hold or load what they must not`}`);
if (over.length > 0 || wrong.length > 0) process.exitCode = 1;
