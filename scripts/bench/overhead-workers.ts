// The overhead phase in one worker per function memory size: each worker's node runs with the
// heap options Lambda gives a function of that size (lambda-runtime.ts). The results are merged
// in the order of OVERHEAD_FUNCTIONS.
import { runWorker } from './children.js';
import { byMemorySize, lambdaHeapFlags } from './lambda-runtime.js';
import type { OverheadInput, OverheadResult } from './overhead.js';

/** The functions the overhead phase measures, one operation each. */
export const OVERHEAD_FUNCTIONS = ['pay', 'query', 'refund', 'revoke', 'cancel', 'notify', 'timer', 'precreate'] as const;
export type OverheadFunction = (typeof OVERHEAD_FUNCTIONS)[number];

export async function measureOverheadByMemory(input: Omit<OverheadInput, 'functions'>, options: { timeoutMs: number; env?: Record<string, string | undefined> }): Promise<OverheadResult> {
  const results: OverheadResult[] = [];
  for (const group of byMemorySize(OVERHEAD_FUNCTIONS)) {
    results.push(await runWorker<OverheadResult>('overhead', { ...input, functions: group.functions } satisfies OverheadInput, { ...options, nodeFlags: lambdaHeapFlags(group.memoryMb) }));
  }
  const [first] = results;
  if (!first) throw new Error('no function to measure');
  const qr = results.find((result) => result.qr_svg_cpu_ms)?.qr_svg_cpu_ms;
  return {
    ...first,
    operations: results.flatMap((result) => result.operations).sort((a, b) => OVERHEAD_FUNCTIONS.indexOf(a.function) - OVERHEAD_FUNCTIONS.indexOf(b.function)),
    ...(qr ? { qr_svg_cpu_ms: qr } : {}),
  };
}
