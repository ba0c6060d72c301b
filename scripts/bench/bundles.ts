// Every function bundled exactly as `cdk deploy` bundles it (infra/esbuild-build.ts, as
// scripts/bundle-sizes.ts does), written with its source maps to a temporary directory
// whose node_modules points at ours (where the packages left out would be found, were they
// ever imported); plus an empty handler bundled the same way (the floor).
import { ENTRY_FILE, deployedBuildOptions } from '../../infra/esbuild-build.js';
import { bundleOutputs, bytesOf } from '../../infra/bundle-outputs.js';
import { build, type Metafile } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, entryOf } from '../../infra/bundling.js';

export interface Bundle {
  name: string;
  /** The handler module. */
  file: string;
  /** What a cold start loads: the handler module and the chunks it imports statically. */
  bytes: number;
  /** Chunks loaded only when an `import()` runs (e.g. the fleet's Lambda client). */
  on_demand_bytes: number;
  /** The bare specifiers left out of the bundle (imported on demand only). */
  externals: string[];
  /** Minified bytes by source package (ours by top folder). */
  by_source: { source: string; bytes: number }[];
}

export interface BundleDir {
  dir: string;
  remove(): void;
}

export const EMPTY_HANDLER = 'export const handler = async () => ({ statusCode: 200, body: "" });';

export function bundleDir(): BundleDir {
  const dir = mkdtempSync(join(tmpdir(), 'upay-bench-bundles-'));
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The package an input path belongs to: `zod`, `@scope/name`, or our top folder (`lib`, `functions`). */
export function sourceOf(path: string): string {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return path.replace(/^(\.\.\/)+/, '').split('/')[0] ?? path;
  const parts = path.slice(at + 'node_modules/'.length).split('/');
  return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? path);
}

function bySource(outputs: Metafile['outputs'][string][]): { source: string; bytes: number }[] {
  const totals = new Map<string, number>();
  for (const output of outputs) {
    for (const [path, input] of Object.entries(output.inputs)) totals.set(sourceOf(path), (totals.get(sourceOf(path)) ?? 0) + input.bytesInOutput);
  }
  return [...totals].map(([source, bytes]) => ({ source, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bundles `name` (a function of infra/functions.ts, or the empty handler) into `<dir>/<label>/` (handler module index.mjs). */
export async function bundle(dir: string, name: string | null, label: string): Promise<Bundle> {
  const outdir = join(dir, label);
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    ...deployedBuildOptions(),
    // stdin has no file name to name the output after: the empty handler is an entry file too.
    entryPoints: [name === null ? writeEmptyHandler(dir) : entryOf(name)],
    outdir,
    metafile: true,
  });
  const outputs = bundleOutputs(result.metafile);
  const atInit = outputs.atInit.map(([, output]) => output);
  const externals = [...new Set(atInit.flatMap((output) => output.imports).filter((entry) => entry.external && !isBuiltin(entry.path)).map((entry) => entry.path))].sort();
  return { name: label, file: join(outdir, ENTRY_FILE), bytes: bytesOf(outputs.atInit), on_demand_bytes: bytesOf(outputs.onDemand), externals, by_source: bySource(atInit) };
}

function writeEmptyHandler(dir: string): string {
  const file = join(dir, 'empty-handler.ts');
  writeFileSync(file, EMPTY_HANDLER);
  return file;
}
