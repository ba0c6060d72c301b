// A stack trace from the logs, read back through the bundle's source map (the maps ship but
// are not loaded at run time: infra/bundling.ts NODE_OPTIONS).
import { buildSync } from 'esbuild';
import { SourceMap } from 'node:module';
import { describe, expect, it } from 'vitest';
import { symbolicate } from '../../scripts/symbolicate.js';

const SOURCE = ['export function refundable(amount: number): number {', '  if (amount < 0) throw new RangeError("negative");', '  return amount;', '}', ''].join('\n');

describe('symbolicate', () => {
  it('maps each position in a function code file to the TypeScript line it came from, and leaves positions it has no map for alone', () => {
    const built = buildSync({ stdin: { contents: SOURCE, loader: 'ts', sourcefile: 'lib/payments/refund-check.ts' }, minify: true, format: 'esm', sourcemap: 'external', outfile: 'index.mjs', write: false });
    const code = built.outputFiles.find((file) => file.path.endsWith('index.mjs'))?.text ?? '';
    const map = built.outputFiles.find((file) => file.path.endsWith('.map'))?.text ?? '';
    const at = code.indexOf('throw');
    const line = code.slice(0, at).split('\n').length;
    const column = at - code.lastIndexOf('\n', at - 1);
    const sourceMap = new SourceMap(JSON.parse(map) as ConstructorParameters<typeof SourceMap>[0]);
    const trace = `RangeError: negative\n    at e (file:///var/task/index.mjs:${line}:${column})\n    at t (file:///var/task/chunk-ABC.mjs:1:10)\n    at node:internal/process/task_queues:95:5`;
    const mapped = symbolicate(trace, (file) => (file === 'index.mjs' ? sourceMap : undefined));
    expect(mapped).toBe('RangeError: negative\n    at e (lib/payments/refund-check.ts:2:19)\n    at t (file:///var/task/chunk-ABC.mjs:1:10)\n    at node:internal/process/task_queues:95:5');
  });
});
