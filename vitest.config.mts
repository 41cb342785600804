import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests bind loopback ports and spawn the local host; two workers suit the 2-core machines.
    maxWorkers: 2,
  },
});
