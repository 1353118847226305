/**
 * `sundial scanner` against a real server started in this process (startServer: a temp
 * SQLite store, port 0, authentication), run through `main` as a user runs it. The scan's
 * records are in a SQLite file; their tasks call a local HTTP server.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningServer, startServer } from "../../src/api/server.js";
import { loadServerConfig } from "../../src/api/server-config.js";
import { AuthService } from "../../src/auth/index.js";
import type { ScanRun } from "../../src/scanner/scan-run.js";
import { runMain } from "../helpers/cli.js";
import { waitFor } from "../helpers/wait-for.js";
import {
  HOUR,
  type ScannedPeer,
  scanContext,
  scannerSchedule,
  sqlitePeer,
  TaskServer,
} from "../scanner/helpers.js";

describe("sundial scanner", () => {
  let dir: string;
  let server: RunningServer;
  let peer: ScannedPeer;
  let tasks: TaskServer;
  const tokens = { operator: "", viewer: "" };

  const sundial = (args: string[], token = tokens.operator) =>
    runMain(args, { SUNDIAL_URL: server.url, SUNDIAL_TOKEN: token });
  const api = async (method: string, path: string, body: unknown) => {
    const response = await fetch(`${server.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${tokens.operator}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    expect(response.status, await response.clone().text()).toBeLessThan(300);
  };
  const schedule = async (name: string, table: string) =>
    api("PUT", `/schedules/${name}`, scannerSchedule(scanContext(table, tasks)));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sundial-cli-scanner-"));
    [peer, tasks] = await Promise.all([sqlitePeer(), TaskServer.start()]);
    const config = await loadServerConfig({
      flags: {
        port: "0",
        "data-dir": join(dir, "data"),
        conf: join(dir, "conf"),
        "log-level": "silent",
        "shutdown-grace-ms": "0",
      },
      env: { SUNDIAL_ADMIN_PASSWORD: "correct horse battery staple" },
      cwd: dir,
    });
    server = await startServer(config, pino({ level: "silent" }), { stderr: () => {} });
    const auth = new AuthService(server.sundial.store);
    for (const [name, role] of [
      ["olga", "operator"],
      ["vic", "viewer"],
    ] as const) {
      await auth.createUser({ name, roles: [role] });
      tokens[role] = (await auth.createToken({ user: name, name: "cli tests" })).secret;
    }
    await api("POST", "/connections", { name: "records", type: "sqlite", settings: peer.settings });
    const now = Date.now();
    const rows = (count: number) =>
      Array.from({ length: count }, (_, i) => ({ id: i + 1, name: `r${i + 1}`, due: now - HOUR }));
    await schedule("sunset", await peer.table(rows(3)));
    await schedule("sunrise", await peer.table(rows(2)));
    await schedule("held", await peer.table(rows(2)));
  });

  afterAll(async () => {
    await server?.close();
    await tasks?.close();
    await peer?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("explains itself", async () => {
    const help = await sundial(["scanner", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: sundial scanner execute <schedule> [--wait] [--json]");
    expect((await runMain(["--help"])).stdout).toMatch(/\n {2}scanner +Execute a task scanner/);
  });

  it("executes a scan and follows it to its end with --wait", async () => {
    const waited = await sundial(["scanner", "execute", "sunset", "--wait"]);
    expect(waited.stderr).toBe("");
    expect(waited.code).toBe(0);
    expect(waited.stdout).toMatch(/^id +\S+\nschedule +sunset\nstate +COMPLETED\n/);
    expect(waited.stdout).toContain(
      "progress    3 of 3 processed: 3 succeeded, 0 failed, 0 skipped",
    );
    expect(waited.stdout).toMatch(/started by +olga/);
    expect(tasks.ids()).toEqual(["1", "2", "3"]);
  });

  it("exits 1 after --wait when a task failed", async () => {
    tasks.failing.add("2");
    const waited = await sundial(["scanner", "execute", "sunrise", "--wait", "--json"]);
    expect(waited.code).toBe(1);
    expect(JSON.parse(waited.stdout).progress).toMatchObject({
      state: "COMPLETED",
      successes: 1,
      failures: 1,
    });
  });

  it("starts a run without waiting, then shows and lists it", async () => {
    const started = await sundial(["scanner", "execute", "sunset", "--json"]);
    expect(started.code).toBe(0);
    const run = JSON.parse(started.stdout) as ScanRun;
    expect(run.schedule).toBe("sunset");
    const text = await sundial(["scanner", "execute", "sunset"]);
    expect(text.stdout).toMatch(
      /^Started scan run \S+ of schedule sunset; follow it with: sundial scanner show \S+\n$/,
    );

    const shown = await sundial(["scanner", "show", run.id], tokens.viewer);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`id          ${run.id}\n`);
    const list = await sundial(["scanner", "list", "--schedule", "sunrise"], tokens.viewer);
    expect(list.stdout).toMatch(
      /^ID +SCHEDULE +STATE +PROCESSED +SUCCESSES +FAILURES +SKIPPED +CREATED\n\S+ +sunrise +COMPLETED +2\/2 +1 +1 +0 /,
    );
    const json = JSON.parse((await sundial(["scanner", "list", "--json", "--size", "2"])).stdout);
    expect(json.resultCount).toBe(2);
  });

  it("cancels a run that has not ended, and only such a run", async () => {
    tasks.hold();
    let id = "";
    try {
      id = JSON.parse((await sundial(["scanner", "execute", "held", "--json"])).stdout).id;
      await waitFor("a task under way", () => (tasks.inFlight > 0 ? true : undefined));
      const cancelled = await sundial(["scanner", "cancel", id]);
      expect(cancelled).toMatchObject({ code: 0, stderr: "" });
      expect(cancelled.stdout).toMatch(
        new RegExp(`^Scan run ${id} is now CANCELLED; 0 of 2 processed`),
      );
    } finally {
      tasks.release();
    }
    const again = await sundial(["scanner", "cancel", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/has already ended \(CANCELLED\)/);
  });

  it("refuses what the user may not do, or got wrong, with advice", async () => {
    const viewer = await sundial(["scanner", "execute", "sunset"], tokens.viewer);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/^sundial scanner: vic may not start taskScanner jobs/);
    const unknown = await sundial(["scanner", "execute", "nothing"]);
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/No schedule is named "nothing"/),
    });
    const state = await sundial(["scanner", "list", "--state", "done"]);
    expect(state.code).toBe(2);
    expect(state.stderr).toMatch(
      /--state: "DONE" is not one of INITIALIZED, ACTIVE, COMPLETED, CANCELLED, ERROR/,
    );
    const missing = await sundial(["scanner", "execute"]);
    expect(missing).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/scanner execute needs the schedule's name/),
    });
  });
});
