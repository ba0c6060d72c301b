// Code splitting (infra/esbuild-build.ts): what a function imports only on demand is a chunk
// of its own, and a cold start does not load it.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ON_DEMAND_PACKAGES, entryOf } from '../../infra/bundling.js';
import { bundleOutputs } from '../../infra/bundle-outputs.js';
import { deployedBuildOptions } from '../../infra/esbuild-build.js';

const inputsOf = (outputs: ReturnType<typeof bundleOutputs>['atInit']) => outputs.flatMap(([, output]) => Object.keys(output.inputs));

describe('the fleet check-in bundle, split as deployed', () => {
  it('loads the Lambda client only when a run hands its cursor on, not at cold start', async () => {
    const result = await build({ ...deployedBuildOptions(), entryPoints: [entryOf('checkin-fleet')], outdir: 'out', write: false, metafile: true });
    const outputs = bundleOutputs(result.metafile);
    const lambdaClient = (path: string) => path.includes('node_modules/@aws-sdk/client-lambda/');
    expect(inputsOf(outputs.atInit).filter(lambdaClient)).toEqual([]);
    expect(inputsOf(outputs.onDemand).some(lambdaClient)).toBe(true);
    // Shipped: a chunk the handler module reaches through import() only.
    const chunk = outputs.onDemand.find(([, output]) => Object.keys(output.inputs).some(lambdaClient))?.[0];
    const importers = Object.entries(result.metafile.outputs).filter(([, output]) => output.imports.some((entry) => entry.path === chunk));
    expect(importers.length).toBeGreaterThan(0);
    for (const [, output] of importers) expect(output.imports.find((entry) => entry.path === chunk)?.kind).toBe('dynamic-import');
    expect(ON_DEMAND_PACKAGES).toContain('@aws-sdk/client-lambda');
  });
});
