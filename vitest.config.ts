import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The machine is shared and has two cores; a differential run against Java can take a while.
    testTimeout: 60_000,
    pool: "forks",
  },
});
