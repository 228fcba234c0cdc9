import { defineConfig } from 'vitest/config';

// Browser tests drive Debian's Chromium through playwright-core; run with `npm run test:browser`.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
