import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // chdb binds one data directory per process, so every test file runs in its own forked process.
    pool: 'forks',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'data/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
})
