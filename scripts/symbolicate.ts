// Reads a stack trace from a function's logs (stdin) and prints it with every position in the
// function's code (index.mjs and its chunks) mapped back to our TypeScript or the package it
// came from, through the source maps shipped beside each file: they are not loaded at run time
// (infra/bundling.ts NODE_OPTIONS).
//   npx tsx scripts/symbolicate.ts <function's code directory, e.g. cdk.out/asset.<hash>> < trace.txt
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';

/** `…/<file>.mjs:LINE:COLUMN` as written by V8 (1-based). */
const POSITION = /(?:file:\/\/)?[^\s()]*?([\w-]+\.mjs):(\d+):(\d+)/g;

/** `mapOf(file)`: the source map of one file of the function's code, if there is one. */
export function symbolicate(trace: string, mapOf: (file: string) => SourceMap | undefined): string {
  return trace.replace(POSITION, (whole, file: string, line: string, column: string) => {
    const entry = mapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (!entry?.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
    return `${entry.originalSource.replace(/^(\.\.\/)+/, '')}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: npx tsx scripts/symbolicate.ts <function code directory> < trace.txt');
  const maps = new Map<string, SourceMap | undefined>();
  const mapOf = (file: string) => {
    if (!maps.has(file)) {
      const path = join(dir, `${file}.map`);
      maps.set(file, existsSync(path) ? new SourceMap(JSON.parse(readFileSync(path, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]) : undefined);
    }
    return maps.get(file);
  };
  process.stdout.write(symbolicate(readFileSync(0, 'utf8'), mapOf));
}
