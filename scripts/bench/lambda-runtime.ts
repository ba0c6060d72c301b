// What Lambda's managed Node.js runtime adds to a function's process, for measurements that run
// handlers "as deployed". Its bootstrap (/var/runtime/bootstrap) starts node with a new space of
// a tenth of the function's memory, split in two semi-spaces, and the rest as the old space, as
// the public copies of the nodejs14.x and nodejs18.x images' bootstrap show (not checked for
// nodejs24.x). A plain `node` instead caps a semi-space at 16 MB on 64-bit, so a handler
// measured without these options collects garbage more often than the deployed one does.
// V8 rounds a semi-space up to a power of two (Node 20 here: the new space of a 512 MB function
// grows to twice node's default, a 256 MB function's 12 MB semi-space is node's 16 MB).
import { FUNCTIONS, type FunctionId } from '../../infra/functions.js';

export function lambdaHeapFlags(memoryMb: number): string[] {
  const newSpaceMb = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpaceMb / 2)}`, `--max-old-space-size=${memoryMb - newSpaceMb}`];
}

/** `functions` grouped by their memory size (as infra/functions.ts gives it), in first-seen order. */
export function byMemorySize<F extends FunctionId>(functions: readonly F[]): { memoryMb: number; functions: F[] }[] {
  const groups = new Map<number, F[]>();
  for (const name of functions) {
    const { memoryMb } = FUNCTIONS[name];
    groups.set(memoryMb, [...(groups.get(memoryMb) ?? []), name]);
  }
  return [...groups].map(([memoryMb, names]) => ({ memoryMb, functions: names }));
}
