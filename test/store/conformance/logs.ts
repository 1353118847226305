import { describe, expect, it } from "vitest";
import type { LogLine } from "../../../src/store/store.js";
import { AWKWARD_JSON, aJob, type CurrentStore, T0 } from "./fixtures.js";

/** Lines of job-1 given out of time order, plus one of another job. */
const LINES: LogLine[] = [
  { jobId: "job-1", at: T0 + 3, level: "INFO", message: "wrote 50% of rows" },
  { jobId: "job-1", at: T0 + 1, level: "INFO", message: "Started export to sftp.example" },
  {
    jobId: "job-1",
    at: T0 + 2,
    level: "ERROR",
    message: "connection refused, retrying",
    additionalInfo: { host: "sftp.example", port: 22, attempts: [1, 2], detail: AWKWARD_JSON },
  },
  { jobId: "job-1", at: T0 + 4, level: "INFO", message: "wrote 500 rows" },
  { jobId: "job-1", at: T0 + 5, level: "INFO", message: "file a_b.csv" },
  { jobId: "job-1", at: T0 + 6, level: "INFO", message: "file axb.csv" },
  {
    jobId: "job-1",
    at: T0 + 7,
    level: "ERROR",
    message: "Grüße 🚀 日本語 failed",
    additionalInfo: null,
  },
  { jobId: "job-2", at: T0 + 1, level: "ERROR", message: "wrote 50% of rows, other job" },
];

export function logContract(store: CurrentStore): void {
  describe("appendLogs and findLogs", () => {
    async function fixture(): Promise<void> {
      await store().insertJob(aJob("job-1"));
      await store().insertJob(aJob("job-2"));
      await store().appendLogs(LINES);
    }
    const messages = async (query?: Parameters<ReturnType<CurrentStore>["findLogs"]>[1]) =>
      (await store().findLogs("job-1", query)).map((row) => row.message);

    it("returns a job's lines oldest first, with ids and JSON additionalInfo", async () => {
      await fixture();
      const rows = await store().findLogs("job-1");
      expect(rows.map((row) => row.at)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => T0 + n));
      expect(rows[0]).toEqual({
        id: expect.any(Number),
        jobId: "job-1",
        at: T0 + 1,
        level: "INFO",
        message: "Started export to sftp.example",
        additionalInfo: null,
      });
      expect(rows[1]).toMatchObject({
        level: "ERROR",
        additionalInfo: { host: "sftp.example", port: 22, attempts: [1, 2], detail: AWKWARD_JSON },
      });
      expect(rows[6]).toMatchObject({ message: "Grüße 🚀 日本語 failed", additionalInfo: null });
      expect(new Set(rows.map((row) => row.id)).size).toBe(rows.length);
      for (const row of rows) expect(Number.isSafeInteger(row.id)).toBe(true);
    });

    it("keeps lines of the same instant in the order they were appended", async () => {
      await store().insertJob(aJob("job-1"));
      const burst = ["first", "second", "third", "fourth"];
      await store().appendLogs(
        burst.slice(0, 2).map((message) => ({ jobId: "job-1", at: T0, level: "INFO", message })),
      );
      await store().appendLogs(
        burst.slice(2).map((message) => ({ jobId: "job-1", at: T0, level: "INFO", message })),
      );
      expect(await messages()).toEqual(burst);
    });

    it("filters by level", async () => {
      await fixture();
      expect(await messages({ level: "ERROR" })).toEqual([
        "connection refused, retrying",
        "Grüße 🚀 日本語 failed",
      ]);
      expect(await messages({ level: "INFO" })).toHaveLength(5);
    });

    it("filters by a substring of the message, taken literally", async () => {
      await fixture();
      expect(await messages({ message: "refused" })).toEqual(["connection refused, retrying"]);
      expect(await messages({ message: "日本" })).toEqual(["Grüße 🚀 日本語 failed"]);
      // LIKE's wildcards in the text are characters to find, not patterns.
      expect(await messages({ message: "50%" })).toEqual(["wrote 50% of rows"]);
      expect(await messages({ message: "a_b" })).toEqual(["file a_b.csv"]);
      expect(await messages({ message: "%" })).toEqual(["wrote 50% of rows"]);
      expect(await messages({ message: "nothing like this" })).toEqual([]);
    });

    it("matches the substring case-sensitively, as it is written", async () => {
      await fixture();
      expect(await messages({ message: "Started" })).toEqual(["Started export to sftp.example"]);
      expect(await messages({ message: "started" })).toEqual([]);
      expect(await messages({ message: "grüße" })).toEqual([]);
    });

    it("filters by time, bounds inclusive, and takes the oldest size lines", async () => {
      await fixture();
      expect(
        (await store().findLogs("job-1", { from: T0 + 2, to: T0 + 4 })).map((r) => r.at),
      ).toEqual([T0 + 2, T0 + 3, T0 + 4]);
      expect(await messages({ from: T0 + 7 })).toEqual(["Grüße 🚀 日本語 failed"]);
      expect(await messages({ to: T0 + 1 })).toEqual(["Started export to sftp.example"]);
      expect(await messages({ size: 2 })).toEqual([
        "Started export to sftp.example",
        "connection refused, retrying",
      ]);
      expect(await messages({ level: "INFO", from: T0 + 3, size: 2 })).toEqual([
        "wrote 50% of rows",
        "wrote 500 rows",
      ]);
    });

    it("returns at most 1000 lines by default, the oldest", async () => {
      await store().insertJob(aJob("job-1"));
      await store().appendLogs(
        Array.from({ length: 1001 }, (_, i) => ({
          jobId: "job-1",
          at: T0 + i,
          level: "INFO" as const,
          message: `line ${i}`,
        })),
      );
      const rows = await store().findLogs("job-1");
      expect(rows).toHaveLength(1000);
      expect(rows[0]?.message).toBe("line 0");
      expect(rows.at(-1)?.message).toBe("line 999");
    });

    it("appends a batch of any size in one call", async () => {
      // More lines than fit in one statement's bound parameters on either database.
      const count = 15_000;
      await store().insertJob(aJob("job-1"));
      await store().appendLogs(
        Array.from({ length: count }, (_, i) => ({
          jobId: "job-1",
          at: T0 + i,
          level: "INFO" as const,
          message: `line ${i}`,
        })),
      );
      const rows = await store().findLogs("job-1", { size: count + 1 });
      expect(rows).toHaveLength(count);
      expect(rows.at(-1)?.message).toBe(`line ${count - 1}`);
    });

    it("appending no lines is a no-op, and an unknown job has no lines", async () => {
      await store().appendLogs([]);
      expect(await store().findLogs("no-such-job")).toEqual([]);
    });
  });
}
