import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { byMemorySize, lambdaHeapFlags } from '../../scripts/bench/lambda-runtime.js';
import { FUNCTIONS } from '../../infra/functions.js';

describe('the heap options of Lambda\'s Node.js bootstrap, as the bench runs handlers', () => {
  it('gives a tenth of the memory to the new space (two semi-spaces) and the rest to the old space', () => {
    expect(lambdaHeapFlags(512)).toEqual(['--max-semi-space-size=25', '--max-old-space-size=461']);
    expect(lambdaHeapFlags(256)).toEqual(['--max-semi-space-size=12', '--max-old-space-size=231']);
    expect(lambdaHeapFlags(1024)).toEqual(['--max-semi-space-size=51', '--max-old-space-size=922']);
  });

  it('are options this node accepts', () => {
    expect(execFileSync(process.execPath, [...lambdaHeapFlags(512), '-e', 'process.stdout.write("ran")'], { encoding: 'utf8' })).toBe('ran');
  });

  it('groups functions by their deployed memory size, in first-seen order', () => {
    const groups = byMemorySize(['pay', 'notify', 'query', 'terminal']);
    expect(groups).toEqual([
      { memoryMb: FUNCTIONS.pay.memoryMb, functions: ['pay', 'query'] },
      { memoryMb: FUNCTIONS.notify.memoryMb, functions: ['notify', 'terminal'] },
    ]);
    expect(FUNCTIONS.pay.memoryMb).not.toBe(FUNCTIONS.notify.memoryMb);
  });
});
