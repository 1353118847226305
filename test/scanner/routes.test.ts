/**
 * The task scanner's routes through inject(): execute (202 while running, 200 once ended
 * when waiting), cancel, list and read, with their errors as problem+json.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, buildApp } from "../../src/api/app.js";
import type { ScanRun } from "../../src/scanner/scan-run.js";
import { waitFor } from "../helpers/wait-for.js";
import {
  HOUR,
  openNode,
  putScannerSchedule,
  type ScannedPeer,
  type ScannerNode,
  scanContext,
  sqlitePeer,
  storeConnection,
  TaskServer,
} from "./helpers.js";

describe("the task scanner's routes", () => {
  let peer: ScannedPeer;
  let node: ScannerNode;
  let server: TaskServer;
  let app: App;

  beforeAll(async () => {
    [peer, node, server] = await Promise.all([sqlitePeer(), openNode(), TaskServer.start()]);
    await storeConnection(node, peer);
    app = buildApp({ sundial: node.sundial, scanner: node.scanner });
    const now = Date.now();
    const records = (count: number) =>
      peer.table(
        Array.from({ length: count }, (_, i) => ({
          id: i + 1,
          name: `r${i + 1}`,
          due: now - HOUR,
        })),
      );
    await putScannerSchedule(node, "quick", scanContext(await records(3), server));
    await putScannerSchedule(
      node,
      "waiting",
      scanContext(await records(2), server, { waitForCompletion: true }),
    );
    await putScannerSchedule(node, "held", scanContext(await records(2), server));
    await node.sundial.schedules.put("not-a-scanner", {
      schedule: "0 0 0 1 1 ? 2099",
      invokeService: "script",
      invokeContext: { script: { type: "text/javascript", source: "return 1;" } },
    });
  });

  afterAll(async () => {
    await app?.close();
    await server?.close();
    await node?.close();
    await peer?.close();
  });

  const ask = (method: "GET" | "POST", url: string) => app.inject({ method, url: `/api/v1${url}` });

  it("executes a schedule's scan: 200 with the ended run when waiting", async () => {
    const res = await ask("POST", "/scanner/schedules/quick/execute?waitForCompletion=true");
    expect(res.statusCode, res.body).toBe(200);
    const run = res.json<ScanRun>();
    expect(Object.keys(run).sort()).toEqual(
      [
        "createdAt",
        "endedAt",
        "id",
        "message",
        "node",
        "progress",
        "schedule",
        "startedAt",
        "startedBy",
        "updatedAt",
      ].sort(),
    );
    expect(run).toMatchObject({
      schedule: "quick",
      message: null,
      node: "scanner-test",
      startedBy: null,
      progress: {
        state: "COMPLETED",
        total: 3,
        processed: 3,
        successes: 3,
        failures: 0,
        skipped: 0,
      },
    });
    const one = await ask("GET", `/scanner/runs/${run.id}`);
    expect(one.json()).toEqual(run);
  });

  it("answers 202 with the run while it goes, and waits when the schedule says so", async () => {
    server.hold();
    try {
      const started = await ask("POST", "/scanner/schedules/held/execute");
      expect(started.statusCode).toBe(202);
      expect(["INITIALIZED", "ACTIVE"]).toContain(started.json<ScanRun>().progress.state);
      const waited = await ask(
        "POST",
        "/scanner/schedules/held/execute?waitForCompletion=true&timeout=0",
      );
      expect(waited.statusCode).toBe(202);
      const id = started.json<ScanRun>().id;
      await waitFor("the held run to be ACTIVE", async () => {
        const active = await ask("GET", "/scanner/runs?state=ACTIVE");
        return active.json<{ result: ScanRun[] }>().result.some((run) => run.id === id)
          ? true
          : undefined;
      });
      const cancelled = await ask("POST", `/scanner/runs/${id}/cancel`);
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      expect(cancelled.json<ScanRun>().progress.state).toBe("CANCELLED");
      const other = waited.json<ScanRun>().id;
      expect(
        (await ask("POST", `/scanner/runs/${other}/cancel`)).json<ScanRun>().progress.state,
      ).toBe("CANCELLED");
    } finally {
      server.release();
    }
    const res = await ask("POST", "/scanner/schedules/waiting/execute");
    expect(res.statusCode).toBe(200);
    expect(res.json<ScanRun>().progress).toMatchObject({ state: "COMPLETED", successes: 2 });
  });

  it("lists runs newest first, by schedule and state", async () => {
    const all = (await ask("GET", "/scanner/runs")).json<{
      result: ScanRun[];
      resultCount: number;
    }>();
    expect(all.resultCount).toBe(all.result.length);
    expect(all.result.map((run) => run.schedule)).toEqual(["waiting", "held", "held", "quick"]);
    const quick = (await ask("GET", "/scanner/runs?schedule=quick")).json<{ result: ScanRun[] }>();
    expect(quick.result.map((run) => run.schedule)).toEqual(["quick"]);
    const cancelled = (await ask("GET", "/scanner/runs?state=CANCELLED&_size=1")).json<{
      result: ScanRun[];
    }>();
    expect(cancelled.result.map((run) => run.progress.state)).toEqual(["CANCELLED"]);
  });

  it("answers its errors as problems naming the field", async () => {
    const problems = [
      [await ask("POST", "/scanner/schedules/nothing/execute"), 404, "notFound", "name"],
      [await ask("POST", "/scanner/schedules/not-a-scanner/execute"), 400, "badRequest", "name"],
      [
        await ask("POST", "/scanner/schedules/quick/execute?timeout=-1"),
        400,
        "badRequest",
        "timeout",
      ],
      [await ask("GET", "/scanner/runs/nothing"), 404, "notFound", "id"],
      [await ask("GET", "/scanner/runs?state=DONE"), 400, "badRequest", "state"],
      [await ask("POST", "/scanner/runs/nothing/cancel"), 404, "notFound", "id"],
    ] as const;
    for (const [res, status, code, field] of problems) {
      expect([res.statusCode, res.json()]).toMatchObject([status, { code, field }]);
      expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    }
    const ended = (await ask("GET", "/scanner/runs?schedule=quick")).json<{ result: ScanRun[] }>()
      .result[0] as ScanRun;
    const conflict = await ask("POST", `/scanner/runs/${ended.id}/cancel`);
    expect([conflict.statusCode, conflict.json().code]).toEqual([409, "conflict"]);
  });
});
