// The bundles replace semver with a stand-in (infra/bundling.ts BUNDLING.alias): the X-Ray SDK,
// bundled exactly as deployed, still loads and captures an SDK v3 client; only its SDK v2
// patcher, which needed semver and which nothing calls, now says so.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../infra/bundling.js';
import { deployedBuildOptions } from '../../infra/esbuild-build.js';

const ENTRY = `
import AWSXRay from 'aws-xray-sdk-core';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
export const capturedV3 = () => AWSXRay.captureAWSv3Client(new DynamoDBClient({ region: 'us-east-1' })).middlewareStack.identify();
export const captureV2 = () => AWSXRay.captureAWS({ VERSION: '2.1692.0' });
`;

const dir = mkdtempSync(join(tmpdir(), 'upay-semver-stub-'));
symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the semver stand-in in the bundles', () => {
  it('keeps the X-Ray SDK working for the SDK v3 clients, and leaves semver itself out', async () => {
    const file = join(dir, 'index.mjs');
    const result = await build({ ...deployedBuildOptions(), stdin: { contents: ENTRY, loader: 'ts', resolveDir: PROJECT_ROOT }, outdir: dir, sourcemap: false, metafile: true });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((path) => path.includes('node_modules/semver/'))).toBe(false);
    expect(inputs).toContain('infra/bundle-stubs/semver.cjs');
    const bundle = (await import(pathToFileURL(file).href)) as { capturedV3: () => string[]; captureV2: () => unknown };
    expect(bundle.capturedV3().some((entry) => entry.startsWith('XRaySDKInstrumentation'))).toBe(true);
    expect(() => bundle.captureV2()).toThrow(/semver is not bundled/);
  });
});
