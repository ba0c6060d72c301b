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
  // The handler module and the chunks it imports, each with its own map.
  const bundleDir = pathToFileURL(dirname(bundleFile)).href + '/';
  const maps = new Map<string, SourceMap>();
  const mapOf = (url: string) => {
    let map = maps.get(url);
    if (!map) maps.set(url, (map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(url)}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0])));
    return map;
  };
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
      if (frame.url.startsWith(bundleDir) && frame.url.endsWith('.mjs')) {
        const entry = mapOf(frame.url).findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string };
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
