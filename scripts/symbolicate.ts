// Reads a stack trace from a function's logs (stdin) and prints it with every position in the
// bundle mapped back to our TypeScript or the package it came from, through the bundle's
// source map: the maps ship beside each bundle but are not loaded at run time
// (infra/bundling.ts NODE_OPTIONS).
//   npx tsx scripts/symbolicate.ts <function>/index.mjs.map < trace.txt
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

/** `…index.mjs:LINE:COLUMN` as written by V8 (1-based), with the file name of the bundle. */
const POSITION = /(?:file:\/\/)?[^\s()]*index\.mjs:(\d+):(\d+)/g;

export function symbolicate(trace: string, map: SourceMap): string {
  return trace.replace(POSITION, (whole, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number; name?: string };
    if (!entry.originalSource || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
    const source = entry.originalSource.replace(/^(\.\.\/)+/, '');
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}${entry.name ? ` (${entry.name})` : ''}`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mapFile = process.argv[2];
  if (!mapFile) throw new Error('usage: npx tsx scripts/symbolicate.ts <bundle>.map < trace.txt');
  const map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
  process.stdout.write(symbolicate(readFileSync(0, 'utf8'), map));
}
