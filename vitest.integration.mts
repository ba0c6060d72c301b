import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    // Two files at a time even on 2 cores: most of an integration test is waiting (provider
    // scenarios, polls, deadlines), and the verdicts do not depend on the machine's speed
    // (docs/reliability.md). 229 s → 128–135 s idle on 2 cores.
    maxWorkers: 2,
    globalSetup: ['test/integration/global-setup.ts'],
    setupFiles: ['test/integration/setup/log-scan.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Handlers log and emit EMF to stdout; keep test output to what fails.
      POWERTOOLS_LOG_LEVEL: 'WARN',
      POWERTOOLS_METRICS_DISABLED: 'true',
    },
  },
});
