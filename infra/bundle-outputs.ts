// What a split build ships and what of it a cold start loads: the handler module and every
// chunk it imports statically (Node reads and compiles those before the handler exists); the
// chunks reached only through `import()` are loaded when that import runs.
import type { Metafile } from 'esbuild';
import { ENTRY_FILE } from './esbuild-build.js';

type Output = Metafile['outputs'][string];

export interface BundleOutputs {
  /** The handler module's output path (as the metafile names it). */
  entry: string;
  /** Loaded at initialisation: the entry and its static imports, transitively. */
  atInit: [string, Output][];
  /** Loaded on demand only. */
  onDemand: [string, Output][];
}

export function bundleOutputs(metafile: Metafile): BundleOutputs {
  const code = Object.entries(metafile.outputs).filter(([path]) => path.endsWith('.mjs'));
  const entry = code.find(([path]) => path.endsWith(`/${ENTRY_FILE}`) || path === ENTRY_FILE);
  if (!entry) throw new Error(`esbuild produced no ${ENTRY_FILE}`);
  const byPath = new Map(code);
  const atInit = new Set<string>();
  const visit = (path: string) => {
    if (atInit.has(path)) return;
    atInit.add(path);
    for (const imported of byPath.get(path)?.imports ?? []) if (imported.kind === 'import-statement' && byPath.has(imported.path)) visit(imported.path);
  };
  visit(entry[0]);
  return { entry: entry[0], atInit: code.filter(([path]) => atInit.has(path)), onDemand: code.filter(([path]) => !atInit.has(path)) };
}

/** Bytes of the outputs. */
export const bytesOf = (outputs: [string, Output][]) => outputs.reduce((sum, [, output]) => sum + output.bytes, 0);
