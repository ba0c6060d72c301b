// Where a handler's time and garbage go: an in-process CPU profile and a sampling heap
// profile (V8 inspector) around a run of requests, summed by source file or package. Time
// and allocations inside V8 builtins (JSON, String.split, …) and Node's own modules count for
// the nearest caller that is ours or a package's, so each figure names who asked for it.
// Used to explain a failing overhead budget. Frames of the in-memory fakes are kept apart.
import { Session } from 'node:inspector/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROJECT_ROOT } from '../../infra/bundling.js';

export interface Hotspot {
  where: string;
  /** Part of the in-memory fakes, not of the product. */
  fake: boolean;
  per_request: number;
  share: number;
}

export interface ProfileResult {
  requests: number;
  cpu_ms_per_request: number;
  allocated_kb_per_request: number;
  /** The same without the frames of the in-memory fakes (and GC, which is everyone's). */
  ours_cpu_ms_per_request: number;
  ours_allocated_kb_per_request: number;
  /** Self time by file or package, ms per request. */
  cpu: Hotspot[];
  /** Allocation by the function that allocated, summed by file or package, KB per request. */
  allocation: Hotspot[];
}

interface CallFrame {
  functionName: string;
  url: string;
}

interface CpuNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

const FAKE = [/^scripts\/bench\//, /^local\/sandbox\//, /^aws-sdk-client-mock/, /^sinon/, /^@sinonjs\//];

/** A frame's place: `lib/…` / `functions/…`, an npm package, a Node module (`node:…`), a V8 builtin or pseudo-frame. */
export function whereOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : `V8 builtin ${functionName || '(anonymous)'}`;
  if (url.startsWith('node:')) return url;
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1] ?? ''}` : (rest[0] ?? path);
  }
  return relative(PROJECT_ROOT, path);
}

/** A file of ours or a package: somewhere a caller can be named. */
const isPlace = (where: string) => !where.startsWith('node:') && !where.startsWith('V8 builtin') && !where.startsWith('(');

function top(totals: Map<string, number>, requests: number, limit: number): Hotspot[] {
  const sum = [...totals.values()].reduce((a, b) => a + b, 0) || 1;
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([where, value]) => ({ where, fake: FAKE.some((pattern) => pattern.test(where)), per_request: Math.round((value / requests) * 1000) / 1000, share: Math.round((value / sum) * 1000) / 1000 }));
}

export async function profileRequests(requests: number, run: () => Promise<void>, limit = 12): Promise<ProfileResult> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
    await session.post('Profiler.start');
    await run();
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: { nodes: CpuNode[]; startTime: number; endTime: number; samples?: number[] } };
    const { profile: heap } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: HeapNode } };

    const totalHits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
    const msPerHit = (profile.endTime - profile.startTime) / 1000 / totalHits;
    const parents = new Map<number, CpuNode>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node);
    const placeOf = (node: CpuNode): string => {
      const own = whereOf(node.callFrame);
      if (isPlace(own) || own.startsWith('(')) return own;
      for (let up = parents.get(node.id); up; up = parents.get(up.id)) {
        const where = whereOf(up.callFrame);
        if (isPlace(where)) return where;
      }
      return own;
    };
    const cpu = new Map<string, number>();
    for (const node of profile.nodes) {
      if (!node.hitCount || node.callFrame.functionName === '(idle)') continue;
      const where = placeOf(node);
      cpu.set(where, (cpu.get(where) ?? 0) + node.hitCount * msPerHit);
    }
    const allocation = new Map<string, number>();
    const walk = (node: HeapNode, caller: string | undefined) => {
      const own = whereOf(node.callFrame);
      const where = isPlace(own) ? own : (caller ?? own);
      if (node.selfSize > 0) allocation.set(where, (allocation.get(where) ?? 0) + node.selfSize / 1024);
      for (const child of node.children) walk(child, isPlace(own) ? own : caller);
    };
    walk(heap.head, undefined);
    const busy = [...cpu.values()].reduce((a, b) => a + b, 0);
    const allocated = [...allocation.values()].reduce((a, b) => a + b, 0);
    const ours = (totals: Map<string, number>) => [...totals].filter(([where]) => !FAKE.some((pattern) => pattern.test(where)) && !where.startsWith('(')).reduce((sum, [, value]) => sum + value, 0);
    return {
      requests,
      cpu_ms_per_request: Math.round((busy / requests) * 1000) / 1000,
      allocated_kb_per_request: Math.round((allocated / requests) * 10) / 10,
      ours_cpu_ms_per_request: Math.round((ours(cpu) / requests) * 1000) / 1000,
      ours_allocated_kb_per_request: Math.round((ours(allocation) / requests) * 10) / 10,
      cpu: top(cpu, requests, limit),
      allocation: top(allocation, requests, limit),
    };
  } finally {
    await session.post('Profiler.disable').catch(() => undefined);
    await session.post('HeapProfiler.disable').catch(() => undefined);
    session.disconnect();
  }
}
