// Where a bundle's initialisation time goes: a fresh `node` profiles its own import of the
// bundle (V8 CPU profiler, 50 µs samples, exactly around the import), and the samples are
// summed by source: frames inside the bundle are mapped back through its source map to the
// package or file they came from; frames of the externals by their package; the rest is
// Node's module loader (reading, compiling) or V8.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { runNode } from './children.js';
import { sourceOf } from './bundles.js';
import { whereOf } from './profile.js';
import { NODE_FLAGS } from './init-time.js';
import { round } from './stats.js';

const PROBE = `
const { Session } = await import('node:inspector/promises');
const url = (await import('node:url')).pathToFileURL(process.argv[1]).href;
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 50 });
await session.post('Profiler.start');
await import(url);
const { profile } = await session.post('Profiler.stop');
process.stdout.write(JSON.stringify(profile));
`;

interface CpuProfile {
  nodes: { callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number }[];
  startTime: number;
  endTime: number;
}

const FILES_PROBE = `
const { createRequire } = await import('node:module');
const { statSync } = await import('node:fs');
await import((await import('node:url')).pathToFileURL(process.argv[1]).href);
const files = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify(files.map((file) => [file, statSync(file).size])));
`;

export interface LoadedFiles {
  files: number;
  kb: number;
  by_package: { package: string; files: number; kb: number }[];
}

/** The CommonJS files a fresh process loads to import `file` (what the externals pull in), by package. */
export async function loadedFiles(file: string): Promise<LoadedFiles> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const loaded = JSON.parse(await runNode(['--input-type=module', '-e', FILES_PROBE, file], { timeoutMs: 30_000, env })) as [string, number][];
  const packages = new Map<string, { files: number; bytes: number }>();
  for (const [path, bytes] of loaded) {
    const name = path.includes('/node_modules/') ? sourceOf(path) : relative(PROJECT_ROOT, path);
    const entry = packages.get(name) ?? { files: 0, bytes: 0 };
    entry.files += 1;
    entry.bytes += bytes;
    packages.set(name, entry);
  }
  const group = (name: string) => (name.startsWith('@smithy/') ? '@smithy/*' : name.startsWith('@aws-sdk/') ? name : name.startsWith('@aws/') ? '@aws/*' : name);
  const grouped = new Map<string, { files: number; bytes: number }>();
  for (const [name, entry] of packages) {
    const key = group(name);
    const total = grouped.get(key) ?? { files: 0, bytes: 0 };
    total.files += entry.files;
    total.bytes += entry.bytes;
    grouped.set(key, total);
  }
  return {
    files: loaded.length,
    kb: round(loaded.reduce((sum, [, bytes]) => sum + bytes, 0) / 1024, 1),
    by_package: [...grouped].map(([name, entry]) => ({ package: name, files: entry.files, kb: round(entry.bytes / 1024, 1) })).sort((a, b) => b.kb - a.kb),
  };
}

export interface InitProfile {
  /** Profiled import time (the profiler slows it somewhat). */
  profiled_ms: number;
  by_source: { source: string; ms: number; share: number }[];
}

/** A source-map source as a package name, or as our file relative to the project. */
function originOf(bundleFile: string, source: string): string {
  const path = source.startsWith('file://') ? fileURLToPath(source) : resolve(dirname(bundleFile), source);
  return path.includes('/node_modules/') ? sourceOf(path) : relative(PROJECT_ROOT, path);
}

export async function profileInit(bundleFile: string, runs = 3, limit = 10): Promise<InitProfile> {
  const map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  const bundleUrl = pathToFileURL(bundleFile).href;
  const totals = new Map<string, number>();
  let profiledMs = 0;
  for (let run = 0; run < runs; run += 1) {
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    const profile = JSON.parse(await runNode([...NODE_FLAGS, '--input-type=module', '-e', PROBE, bundleFile], { timeoutMs: 60_000, env })) as CpuProfile;
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
    const msPerHit = (profile.endTime - profile.startTime) / 1000 / hits;
    profiledMs += (profile.endTime - profile.startTime) / 1000 / runs;
    for (const node of profile.nodes) {
      if (!node.hitCount || node.callFrame.functionName === '(idle)') continue;
      const frame = node.callFrame;
      let source: string;
      if (frame.url === bundleUrl) {
        const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
        source = entry.originalSource ? `bundle: ${originOf(bundleFile, entry.originalSource)}` : 'bundle: (unmapped)';
      } else {
        const where = whereOf(frame);
        source = where.startsWith('node:') ? 'node internals (module loading, compiling)' : where.startsWith('V8 builtin') ? 'V8 builtins' : where;
      }
      totals.set(source, (totals.get(source) ?? 0) + (node.hitCount * msPerHit) / runs);
    }
  }
  const sum = [...totals.values()].reduce((a, b) => a + b, 0) || 1;
  return {
    profiled_ms: round(profiledMs, 1),
    by_source: [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([source, ms]) => ({ source, ms: round(ms, 1), share: round(ms / sum, 3) })),
  };
}
