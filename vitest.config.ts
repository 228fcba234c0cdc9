import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Browser tests need Chromium (npm run test:browser); process tests start whole servers and
    // CLIs and time them, so they run alone afterwards (vitest.process.config.ts).
    exclude: ['test/browser/**', 'test/process/**', 'node_modules/**'],
    pool: 'forks',
    // Each file starts its own embedded Postgres (or its own database on a server): files are
    // independent, two run at once on these two-core machines.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
