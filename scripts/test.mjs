// `npm test`: typecheck, lint, unit and integration suites, then one plain
// "N passed, N failed" line (CI reads that line; vitest's own summary is not read).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { relative } from 'node:path';

const env = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
};
mkdirSync('test-results', { recursive: true });

let passed = 0;
let failed = 0;
/** What failed, by step or test file, printed just above the closing line. */
const failures = [];

function run(name, cmd, args) {
  console.log(`\n== ${name}: ${cmd} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(cmd, args, { stdio: 'inherit', env });
  console.log(`== ${name}: exit ${result.status ?? result.signal} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.status === 0;
}

function check(name, cmd, args) {
  if (run(name, cmd, args)) passed += 1;
  else {
    failed += 1;
    failures.push(name);
  }
}

function suite(name, config) {
  const out = `test-results/${name}.json`;
  rmSync(out, { force: true });
  const ok = run(name, 'npx', ['vitest', 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`]);
  if (!existsSync(out)) {
    failed += 1; // the runner itself died: count it, never report green
    failures.push(`${name}: the test runner wrote no report`);
    return;
  }
  const report = JSON.parse(readFileSync(out, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests + (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const file of report.testResults ?? []) {
    const notPassed = (file.assertionResults ?? []).filter((test) => test.status !== 'passed').length;
    if (file.status !== 'passed' || notPassed > 0) failures.push(`${name}: ${relative(process.cwd(), file.name)} (${notPassed} not passed${file.message ? `: ${file.message.split('\n')[0]}` : ''})`);
  }
  if (!ok && report.numFailedTests === 0) {
    failed += 1; // e.g. a suite failed to load
    failures.push(`${name}: vitest exited with an error`);
  }
  if (report.numTotalTests === 0) {
    failed += 1; // a suite that ran nothing is a failure
    failures.push(`${name}: no test ran`);
  }
}

check('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
check('lint', 'npx', ['eslint', '--max-warnings', '0', '.']);
// The CDK app synthesizes offline (bundling every function with local esbuild) and every
// bundle stays within its size budget.
check('cdk synth', 'npx', ['cdk', 'synth', '-q', '--no-validation']);
check('bundle sizes', 'npx', ['tsx', 'scripts/bundle-sizes.ts']);
suite('unit', 'vitest.unit.mts');
suite('integration', 'vitest.integration.mts');

console.log('');
if (failures.length > 0) console.log(`failed:\n${failures.map((failure) => `  ${failure}`).join('\n')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
