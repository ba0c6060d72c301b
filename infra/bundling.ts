// How every function is bundled. The CDK construct and scripts/bundle-sizes.ts both read
// these options, so the size budget is measured on exactly what `cdk deploy` ships.
// Kept free of aws-cdk-lib so the size script starts in a blink.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** `functions/<name>.ts`, exporting `handler`. */
export function entryOf(name: string): string {
  return join(PROJECT_ROOT, 'functions', `${name}.ts`);
}

/** Each bundle, minified, must stay under this: cold starts grow with the code loaded. */
export const BUNDLE_BUDGET_BYTES = 1024 * 1024;

/**
 * What the AWS SDK's default credential chain imports on demand and Lambda never reaches:
 * the SSO, ini-file, process, web-identity, container (HTTP) and instance-metadata providers,
 * and the STS/SSO clients and token providers only they use. Every client we build is given
 * Lambda's environment credentials explicitly (lib/aws/credentials.ts), so the chain never
 * runs and these stay out of the bundles (scripts/bundle-sizes.ts checks both).
 */
export const UNREACHED_SDK_PACKAGES = [
  '@aws-sdk/credential-provider-sso',
  '@aws-sdk/credential-provider-ini',
  '@aws-sdk/credential-provider-process',
  '@aws-sdk/credential-provider-web-identity',
  '@aws-sdk/credential-provider-http',
  '@aws-sdk/credential-provider-login',
  '@smithy/credential-provider-imds',
  '@aws-sdk/nested-clients',
  '@aws-sdk/token-providers',
] as const;

/**
 * The Node.js options every function runs with (NODE_OPTIONS); the bench starts its cold-start
 * processes with exactly these (scripts/bench/init-time.ts).
 *
 * No `--enable-source-maps`: with it, Node reads and parses each bundle's whole source map
 * while it loads the bundle, on every cold start, to serve stack traces that are rarely
 * printed: about a fifth of what a function's start-up adds to the empty handler's (counted in
 * CPU instructions under valgrind, deterministic where wall times on a shared machine are not:
 * 75–100 M of 380–445 M). Node documents the flag's cost ("enabling source maps can introduce
 * latency", https://nodejs.org/api/cli.html#--enable-source-maps); AWS SAM's esbuild builds leave
 * both the map and the flag off unless asked (`Sourcemap`, default false; true adds the flag:
 * https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/serverless-sam-cli-using-build-typescript.html). The maps are still built and shipped next to each bundle
 * (BUNDLING.sourceMap), so a stack trace from the logs is mapped back to our TypeScript
 * offline (`npx tsx scripts/symbolicate.ts`), or the flag is set on one function for a while
 * without redeploying code (DEPLOY.md, "Reading a stack trace").
 */
export const NODE_OPTIONS: readonly string[] = [];

/**
 * Packages a function imports only on demand (`import()`), in chunks of their own that a cold
 * start does not load; scripts/bundle-sizes.ts fails when one is loaded at start-up. The fleet
 * check-in's Lambda client is needed only by a run that runs short of time and hands its cursor
 * on (lib/api/continuation.ts): rarely, so this is load removed from its cold start. The QR
 * library draws the picture of every QR order precreate answers (lib/api/qr.ts): for precreate
 * the chunk moves that load from its cold start into its first invocation, and only keeps it
 * out of every other function.
 */
export const ON_DEMAND_PACKAGES = ['@aws-sdk/client-lambda', 'qrcode'] as const;

export const BUNDLING = {
  /** Follows the Lambda runtime (nodejs24.x); infra tests hold the two together. */
  target: 'node24',
  format: 'esm',
  // Each `import()` (the fleet's Lambda client, the SQS timer adapter, the QR library) is a
  // chunk of its own, loaded when the import runs, not at cold start (ON_DEMAND_PACKAGES).
  splitting: true,
  minify: true,
  // Shipped beside the bundle but not loaded at run time (NODE_OPTIONS): for reading stack
  // traces, which need the mappings, not a second copy of every dependency's source.
  sourceMap: true,
  sourcesContent: false,
  // Prefer packages' ES module builds: they tree-shake, their CommonJS builds do not.
  mainFields: ['module', 'main'],
  // The SDK clients are bundled, as AWS recommends: a function runs the SDK version it was
  // tested with, and one bundled file initialises faster than the runtime's copy loaded file
  // by file from node_modules. Only what the credential chain would import on demand, and
  // Lambda never reaches, is left out.
  external: [...UNREACHED_SDK_PACKAGES],
  // Import paths replaced in every bundle (resolved from PROJECT_ROOT): semver's only importer
  // is the X-Ray SDK's AWS SDK v2 patcher, which loads it at start-up and is never called
  // (infra/bundle-stubs/semver.cjs).
  alias: { semver: './infra/bundle-stubs/semver.cjs' },
  // CommonJS dependencies (qrcode, pngjs, aws-xray-sdk-core) call require() for Node
  // built-ins, which an ES module has no global for.
  banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
} as const;
