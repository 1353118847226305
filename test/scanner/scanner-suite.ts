// biome-ignore-all lint/suspicious/noTemplateCurlyInString: scans' conditions and URLs hold ${…} placeholders.
/**
 * The task scanner's behaviour on one scanned database, the same for each: matching by the
 * condition, one task per record with its input and objectID, taskState written, recovery,
 * failures, maxRecords, numberOfThreads, cancelling, and a clear ERROR for a table or
 * column the database lacks. Each test makes its own table of records; one node (a
 * Sundial on a temp SQLite store) runs the scans.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait-for.js";
import {
  DAY,
  HOUR,
  MINUTE,
  openNode,
  putScannerSchedule,
  type RecordRow,
  type ScannedPeer,
  type ScannerNode,
  scanContext,
  scanNow,
  storeConnection,
  TaskServer,
} from "./helpers.js";

export function scannerSuite(name: string, openPeer: () => Promise<ScannedPeer>): void {
  let peer: ScannedPeer;
  let node: ScannerNode;
  let server: TaskServer;
  let now: number;

  beforeAll(async () => {
    [peer, node, server] = await Promise.all([openPeer(), openNode(), TaskServer.start()]);
    await storeConnection(node, peer);
  });

  afterAll(async () => {
    await server?.close();
    await node?.close();
    await peer?.close();
  });

  beforeEach(() => {
    server.reset();
    now = Date.now();
  });

  const rows = (count: number, due: (id: number) => number | null): RecordRow[] =>
    Array.from({ length: count }, (_, i) => ({
      id: i + 1,
      name: `record ${i + 1}`,
      due: due(i + 1),
    }));

  describe(`the task scanner on ${name}`, () => {
    it("runs the task once for each matching record, with the record as input and its id as objectID, and sets started and completed", async () => {
      const table = await peer.table([
        { id: 1, name: "alpha", due: now - HOUR },
        { id: 2, name: "beta", due: now - 10 * DAY },
        { id: 3, name: "gamma", due: now + 2 * DAY },
        { id: 4, name: "delta", due: now - MINUTE, started: now - HOUR, completed: now - HOUR },
        { id: 5, name: "epsilon", due: null },
      ]);
      await putScannerSchedule(node, "matching", scanContext(table, server));
      const run = await scanNow(node, "matching");
      expect(run.progress).toEqual({
        state: "COMPLETED",
        total: 2,
        processed: 2,
        successes: 2,
        failures: 0,
        skipped: 0,
      });
      expect(run.schedule).toBe("matching");
      expect(run.endedAt).not.toBeNull();
      expect(server.ids()).toEqual(["1", "2"]);
      const alpha = server.calls.find((call) => call.objectID === "1");
      expect(alpha?.method).toBe("POST");
      expect(alpha?.body).toMatchObject({ objectID: "1", input: { id: 1, name: "alpha" } });
      expect(alpha?.body).toMatchObject({ input: { due: expect.any(String) } });

      const states = await peer.states(table);
      for (const id of [1, 2]) {
        expect(states[id - 1]).toMatchObject({
          id,
          started: expect.any(String),
          completed: expect.any(String),
        });
      }
      expect(states[2]).toEqual({ id: 3, started: null, completed: null });
      expect(states[4]).toEqual({ id: 5, started: null, completed: null });

      // Completed records never match again.
      const again = await scanNow(node, "matching");
      expect(again.progress).toMatchObject({ state: "COMPLETED", total: 0, processed: 0 });
      expect(server.calls).toHaveLength(2);
    });

    it("reads before and after with units and working days", async () => {
      const table = await peer.table([
        { id: 1, name: "in 12 hours", due: now + 12 * HOUR },
        { id: 2, name: "in 30 hours", due: now + 30 * HOUR },
        { id: 3, name: "a day ago", due: now - DAY },
        { id: 4, name: "3 days ago", due: now - 3 * DAY },
      ]);
      await putScannerSchedule(
        node,
        "window",
        scanContext(table, server, {
          scan: { condition: { before: "${Time.now + 1d}", after: "${Time.now - 2d}" } },
        }),
      );
      expect((await scanNow(node, "window")).progress.successes).toBe(2);
      expect(server.ids()).toEqual(["1", "3"]);

      // Ten working days back is 12 to 16 calendar days; five on, 5 to 7.
      server.reset();
      const working = await peer.table([
        { id: 1, name: "20 days ago", due: now - 20 * DAY },
        { id: 2, name: "5 days ago", due: now - 5 * DAY },
        { id: 3, name: "in 4 days", due: now + 4 * DAY },
        { id: 4, name: "in 10 days", due: now + 10 * DAY },
      ]);
      await putScannerSchedule(
        node,
        "working-days",
        scanContext(working, server, {
          scan: { condition: { after: "${Time.now - 10wd}", before: "${Time.now + 5wd}" } },
          timeZone: "Europe/London",
        }),
      );
      expect((await scanNow(node, "working-days")).progress.successes).toBe(2);
      expect(server.ids()).toEqual(["2", "3"]);
    });

    it("claims again a record whose task started longer ago than recovery.timeout, and no other", async () => {
      const table = await peer.table([
        { id: 1, name: "stale", due: now - DAY, started: now - 2 * HOUR },
        { id: 2, name: "running elsewhere", due: now - DAY, started: now - 5 * MINUTE },
        { id: 3, name: "done", due: now - DAY, started: now - 3 * HOUR, completed: now - 3 * HOUR },
      ]);
      const before = await peer.states(table);
      await putScannerSchedule(node, "recovery", scanContext(table, server));
      const run = await scanNow(node, "recovery");
      expect(run.progress).toMatchObject({ state: "COMPLETED", total: 1, successes: 1 });
      expect(server.ids()).toEqual(["1"]);
      const after = await peer.states(table);
      expect(after[0]?.started).not.toEqual(before[0]?.started);
      expect(after[0]?.completed).not.toBeNull();
      expect(after[1]).toEqual(before[1]);
      expect(after[2]).toEqual(before[2]);
    });

    it("counts a failing task in failures and leaves its record started, not completed", async () => {
      const table = await peer.table(rows(3, () => now - HOUR));
      server.failing.add("2");
      await putScannerSchedule(node, "failing", scanContext(table, server));
      const run = await scanNow(node, "failing");
      expect(run.progress).toEqual({
        state: "COMPLETED",
        total: 3,
        processed: 3,
        successes: 2,
        failures: 1,
        skipped: 0,
      });
      const [one, two, three] = await peer.states(table);
      expect(one?.completed).not.toBeNull();
      expect(two).toMatchObject({ started: expect.any(String), completed: null });
      expect(three?.completed).not.toBeNull();
      const job = await node.sundial.jobs.findById(run.id);
      expect(job.hasErrors).toBe(true);
      const errors = await node.sundial.jobs.logs(run.id, { level: "ERROR" });
      expect(errors.map((line) => line.message).join("\n")).toMatch(
        /record 2: the task failed \(httpFailed\).*500/,
      );
      // Within the recovery timeout it is left alone.
      expect((await scanNow(node, "failing")).progress.total).toBe(0);
    });

    it("runs at most maxRecords records, the first by id", async () => {
      const table = await peer.table(rows(8, () => now - HOUR));
      await putScannerSchedule(node, "capped", scanContext(table, server, { maxRecords: 5 }));
      const run = await scanNow(node, "capped");
      expect(run.progress).toMatchObject({ total: 5, processed: 5, successes: 5 });
      expect(server.ids()).toEqual(["1", "2", "3", "4", "5"]);
      const states = await peer.states(table);
      expect(states.slice(5).map((s) => s.started)).toEqual([null, null, null]);
    });

    it("runs at most numberOfThreads tasks at once", async () => {
      const table = await peer.table(rows(9, () => now - HOUR));
      server.delayMs = 150;
      await putScannerSchedule(node, "threads", scanContext(table, server, { numberOfThreads: 3 }));
      const run = await scanNow(node, "threads");
      expect(run.progress.successes).toBe(9);
      expect(server.maxInFlight).toBe(3);
    });

    it("cancels a run part-way: CANCELLED, and the records it had not reached untouched", async () => {
      const table = await peer.table(rows(10, () => now - HOUR));
      server.hold();
      await putScannerSchedule(
        node,
        "cancelled",
        scanContext(table, server, { numberOfThreads: 2 }),
      );
      const started = await node.scanner.execute("cancelled");
      await waitFor("two tasks under way", () => (server.inFlight === 2 ? true : undefined));
      expect((await node.scanner.get(started.id)).progress.state).toBe("ACTIVE");
      const cancelled = await node.scanner.cancel(started.id);
      server.release();
      expect(cancelled.progress).toMatchObject({ state: "CANCELLED", successes: 0, failures: 0 });
      expect(cancelled.endedAt).not.toBeNull();
      const states = await peer.states(table);
      // The two it had claimed stay claimed (for a run after the timeout); the rest as they were.
      expect(states.slice(0, 2).map((s) => [s.started === null, s.completed])).toEqual([
        [false, null],
        [false, null],
      ]);
      expect(states.slice(2).every((s) => s.started === null && s.completed === null)).toBe(true);
      expect((await node.sundial.jobs.findById(started.id)).status).toBe("STOPPED");
      await expect(node.scanner.cancel(started.id)).rejects.toMatchObject({ code: "conflict" });
    });

    it("ends in ERROR, naming the field, for a table or column the database lacks", async () => {
      const table = await peer.table(rows(1, () => now - HOUR));
      await putScannerSchedule(node, "no-table", scanContext("no_such_table", server));
      const noTable = await scanNow(node, "no-table");
      expect(noTable.progress.state).toBe("ERROR");
      expect(noTable.message).toMatch(/^invokeContext\.scan\.table: .*no table "no_such_table"/);

      await putScannerSchedule(
        node,
        "no-column",
        scanContext(table, server, { scan: { property: "no_such_column" } }),
      );
      const noColumn = await scanNow(node, "no-column");
      expect(noColumn.progress.state).toBe("ERROR");
      expect(noColumn.message).toMatch(
        /^invokeContext\.scan\.property: table ".*" has no column "no_such_column"; its columns are id, name, due, started, completed/,
      );
      const job = await node.sundial.jobs.findById(noColumn.id);
      expect(job).toMatchObject({ status: "FINISHED", hasErrors: true });
      expect(server.calls).toEqual([]);
      expect((await peer.states(table))[0]).toMatchObject({ started: null });
    });

    it("scans the rows of a query, claiming them in the table, with epoch times", async () => {
      const table = await peer.table(
        [
          { id: 1, name: "keep", due: now - HOUR },
          { id: 2, name: "skip", due: now - HOUR },
          { id: 3, name: "keep", due: now + HOUR },
        ],
        "epochMillis",
      );
      await putScannerSchedule(
        node,
        "query",
        scanContext(table, server, {
          scan: {
            timeFormat: "epochMillis",
            query: `SELECT id, name, due AS due_at FROM ${table} WHERE name = 'keep' -- a comment`,
            property: "due_at",
          },
        }),
      );
      const run = await scanNow(node, "query");
      expect(run.progress).toMatchObject({ state: "COMPLETED", total: 1, successes: 1 });
      expect(server.ids()).toEqual(["1"]);
      expect(server.calls[0]?.body).toMatchObject({ input: { id: 1, name: "keep" } });
      const states = await peer.states(table);
      expect(Number(states[0]?.completed)).toBeGreaterThanOrEqual(now - MINUTE);
      expect(states[1]?.started).toBeNull();
    });
  });
}
