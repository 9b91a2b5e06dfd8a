import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "models/**/*.test.ts"],
    testTimeout: 120_000, // spawned CLIs (tsx) on a busy 2-core machine; no test asserts a duration
    hookTimeout: 60_000,
    // Tests share PostgreSQL/Redis on this machine and start real servers: keep workers modest
    // on a 2-core box.
    maxWorkers: 2,
  },
});
