import { defineConfig } from 'vitest/config';

/** Files that run under both of the simulator's state orderings (test/setup/ordering.ts). */
const BOTH_ORDERINGS = ['test/lifecycle/**/*.test.ts', 'test/sim/lifecycle.test.ts', 'test/monitor/readability.test.ts', 'test/e2e/**/*.test.ts'];

export default defineConfig({
  test: {
    // One Azurite for the whole run; each test file uses its own table names.
    globalSetup: ['test/setup/azurite.ts'],
    // An unhandled rejection or uncaught exception fails the test it surfaced in.
    setupFiles: ['test/setup/failOnUnhandled.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      // Every test, with the simulator as real AKS orders states ('target').
      { extends: true, test: { name: 'target', include: ['test/**/*.test.ts', 'test/**/*.test.tsx'] } },
      { extends: true, test: { name: 'previous', include: BOTH_ORDERINGS, env: { SIM_STATE_ORDERING: 'previous' } } },
    ],
  },
});
