import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/store.js";
import { claimContract } from "./conformance/claims.js";
import { dueFiresContract } from "./conformance/due-fires.js";
import { fireContract } from "./conformance/fires.js";
import { jobContract } from "./conformance/jobs.js";
import { jobRuntimeContract } from "./conformance/jobs-runtime.js";
import { logContract } from "./conformance/logs.js";
import { scheduleContract } from "./conformance/schedules.js";

/**
 * The store port's contract (src/store/store.ts), as tests every adapter must pass. Each
 * test gets a fresh, empty store from `open`, closes it, then runs `cleanup` (to drop
 * the schema or delete the file). Real behaviour only: nothing is mocked, and every time
 * is passed explicitly, so no test reads or waits on the wall clock.
 *
 * @example
 * storeConformance("SQLite", () => openStore({ database: freshFile() }), removeFiles);
 */
export function storeConformance(
  name: string,
  open: () => Promise<Store>,
  cleanup?: () => Promise<void>,
): void {
  describe(`store conformance: ${name}`, () => {
    let current: Store | undefined;
    const store = (): Store => {
      if (current === undefined) throw new Error("the test's store did not open");
      return current;
    };

    beforeEach(async () => {
      current = await open();
    });
    afterEach(async () => {
      try {
        await current?.close();
      } finally {
        current = undefined;
        await cleanup?.();
      }
    });

    it("now() is the database's current time, in milliseconds", async () => {
      const now = await store().now();
      expect(Number.isSafeInteger(now)).toBe(true);
      expect(Math.abs(now - Date.now())).toBeLessThan(60_000);
    });

    scheduleContract(store);
    fireContract(store);
    dueFiresContract(store);
    jobContract(store);
    claimContract(store);
    logContract(store);
    jobRuntimeContract(store);
  });
}
