/** `npm run screenshots`: only the screenshot run, which the normal suite leaves out. */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/web/screenshots.ts"],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: "forks",
  },
});
