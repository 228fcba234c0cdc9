import { defineConfig } from 'vitest/config';

// Tests that spawn the real server and CLI as a user would (npm start, npm run admin). They time
// start-up against the acceptance bound, so they run one file at a time with nothing beside them.
export default defineConfig({
  test: {
    include: ['test/process/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
  },
});
