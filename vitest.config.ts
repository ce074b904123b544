import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // One Azurite for the whole run; each test file uses its own table names.
    globalSetup: ['test/setup/azurite.ts'],
    // An unhandled rejection or uncaught exception fails the test it surfaced in.
    setupFiles: ['test/setup/failOnUnhandled.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
