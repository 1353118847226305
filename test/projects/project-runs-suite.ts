/**
 * Projects and tasks end to end through the API, on real peers: the app with
 * authentication on a started Sundial (SQLite or PostgreSQL store), tasks querying the
 * test PostgreSQL and writing CSV files to a local directory. Run now, the file in the
 * task's files, runs and audit events; a file resent through the stored FTP connection
 * (ftp-srv) its task names; a project in series whose failing task doesn't stop the next;
 * one in parallel; retries and cancelling them (refused while running); versions, diff
 * and duplicate over HTTP; bad input; who may edit and run.
 *
 * Long runs are held with a PostgreSQL advisory lock the test keeps: a task whose query
 * takes the lock waits, RUNNING, until the test lets it go.
 */
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { InjectOptions } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job } from "../../src/jobs/job.js";
import { type FtpServer, startFtpServer } from "../exports/destinations/ftp-server.js";
import { postgresSettings } from "../exports/sources/peers.js";
import { freshSchemaName, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait-for.js";
import type { StoreKind } from "./helpers.js";
import { type ApiWorld, apiWorld, type Role } from "./project-world.js";

/** The advisory lock a held task waits on: one per suite, as the suites share PostgreSQL. */
const lockKey = () => 4_200_000 + Math.floor(Math.random() * 1_000_000);

export function projectRunsSuite(kind: StoreKind): void {
  describe(`projects and tasks through the API, on ${kind}`, () => {
    let world: ApiWorld;
    let locker: pg.Client;
    let ftp: FtpServer;
    const schema = freshSchemaName("sundial_task_source");
    const LOCK = lockKey();
    const out = () => join(world.dir, "out");

    beforeAll(async () => {
      locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await locker.connect();
      await locker.query(`CREATE SCHEMA "${schema}"`);
      await locker.query(
        `CREATE TABLE "${schema}".sales (id int, region text, amount numeric(10,2))`,
      );
      await locker.query(
        `INSERT INTO "${schema}".sales VALUES (1, 'north', 10.50), (2, 'south', 3.25), (3, 'north', 7.00)`,
      );
      world = await apiWorld(kind);
      ftp = await startFtpServer();
      const { mkdir } = await import("node:fs/promises");
      await mkdir(out(), { recursive: true });
      await world.connections.create({
        name: "warehouse",
        type: "postgres",
        settings: postgresSettings(),
      });
    });

    afterAll(async () => {
      await world?.close();
      await ftp?.stop();
      await locker?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await locker?.end();
    });

    const api = async (role: Role | undefined, options: InjectOptions, status = 200) => {
      const response = await world.call(role, options);
      expect(response.statusCode, `${options.method} ${options.url}: ${response.body}`).toBe(
        status,
      );
      return response.body === "" ? undefined : response.json();
    };
    const task = (
      project: string,
      name: string,
      query: string,
      extra: Record<string, unknown> = {},
    ) => ({
      project,
      name,
      source: { type: "sql", connection: "warehouse", query },
      output: { fileName: `${name}_%Y%m%d.csv`, format: { type: "csv" } },
      destinations: [{ type: "directory", directory: out(), overwrite: true }],
      ...extra,
    });
    const salesOf = (region: string) =>
      `SELECT id, region, amount FROM "${schema}".sales WHERE region = ${region} ORDER BY id`;
    const held = `SELECT pg_advisory_lock(${LOCK}) IS NOT NULL AS waited, 1 AS one`;
    // Waits for the lock, then fails (random() keeps the division from being folded ahead).
    const heldThenFails = `SELECT CASE WHEN pg_advisory_lock(${LOCK}) IS NOT NULL THEN 1 / (random() * 0)::int END AS boom`;
    const ended = (id: string, timeout = 30_000) =>
      world.sundial.jobs.waitForJob(id, ["FINISHED", "STOPPED", "CANCELED"], timeout);
    const runsOf = async (taskId: string) =>
      (await api("viewer", { method: "GET", url: `/api/v1/tasks/${taskId}/runs` })).result as {
        status: string;
        attempt: number;
        jobId: string;
        job: Job | null;
      }[];

    let north: { id: string; version: number };

    it("runs a task now: a PostgreSQL query becomes a CSV in the directory, listed in its files", async () => {
      await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/projects",
          payload: { name: "sales", parameters: { region: "south", day: "x" } },
        },
        201,
      );
      north = await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/tasks",
          // The task's region wins over the project's.
          payload: task("sales", "north", salesOf(":region"), { parameters: { region: "north" } }),
        },
        201,
      );
      const job: Job = await api(
        "operator",
        { method: "POST", url: `/api/v1/tasks/${north.id}/run` },
        201,
      );
      expect(job).toMatchObject({ type: "export", status: "PENDING", runBy: { name: "operator" } });
      const done = await ended(job.id);
      expect(done).toMatchObject({ status: "FINISHED", hasErrors: false, progress: 100 });
      const names = (await readdir(out())).filter((name) => name.startsWith("north_"));
      expect(names).toHaveLength(1);
      const csv = await readFile(join(out(), names[0] as string), "utf8");
      expect(csv).toBe("id,region,amount\n1,north,10.50\n3,north,7.00\n");

      const files = await api("viewer", { method: "GET", url: `/api/v1/tasks/${north.id}/files` });
      expect(files.result).toHaveLength(1);
      expect(files.result[0]).toMatchObject({
        name: names[0],
        rows: 2,
        jobId: job.id,
        taskId: north.id,
      });
      const runs = await runsOf(north.id);
      expect(runs).toMatchObject([
        { status: "succeeded", attempt: 1, jobId: job.id, job: { status: "FINISHED" } },
      ]);
      const audit = await api("viewer", { method: "GET", url: `/api/v1/tasks/${north.id}/audit` });
      expect(audit.result).toEqual([
        expect.objectContaining({
          jobId: job.id,
          startingUser: "operator",
          outcome: "succeeded",
          dataSource: "sql warehouse",
          operations: [
            "read sql warehouse",
            `write csv north_%Y%m%d.csv`,
            `send to directory ${out()}`,
          ],
          description: expect.stringMatching(/^exported 2 rows to north_\d{8}\.csv/),
          timestamp: expect.any(Number),
        }),
      ]);
      const overview = await api("viewer", {
        method: "GET",
        url: `/api/v1/tasks/${north.id}/overview`,
      });
      expect(overview).toMatchObject({
        task: { id: north.id, name: "north" },
        runs: [{ jobId: job.id }],
        files: [{ name: names[0] }],
        versions: [{ version: 1 }],
        audit: [{ jobId: job.id }],
      });

      // Resent to the task's current destinations: the directory takes it again.
      const fileId = files.result[0].id as string;
      const resent = await api("operator", {
        method: "POST",
        url: `/api/v1/tasks/${north.id}/files/${fileId}/resend`,
      });
      expect(resent).toMatchObject([{ status: "sent" }]);
      await api(
        "operator",
        { method: "POST", url: `/api/v1/tasks/${north.id}/files/fil_nope/resend` },
        404,
      );
    });

    it("sends to the FTP server a stored connection names, and resends through it", async () => {
      await world.connections.create({
        name: "drop",
        type: "ftp",
        settings: {
          host: "127.0.0.1",
          port: ftp.port,
          username: ftp.username,
          password: ftp.password,
        },
      });
      await api(
        "operator",
        { method: "POST", url: "/api/v1/projects", payload: { name: "vendors" } },
        201,
      );
      const copy = await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/tasks",
          payload: task("vendors", "vendor copy", salesOf("'south'"), {
            destinations: [{ type: "ftp", connection: "drop", directory: "/" }],
          }),
        },
        201,
      );
      expect(JSON.stringify(copy)).not.toContain(ftp.password);
      const job: Job = await api(
        "operator",
        { method: "POST", url: `/api/v1/tasks/${copy.id}/run` },
        201,
      );
      expect(await ended(job.id)).toMatchObject({ status: "FINISHED", hasErrors: false });
      const [name] = await readdir(ftp.root);
      expect(await readFile(join(ftp.root, name as string), "utf8")).toBe(
        "id,region,amount\n2,south,3.25\n",
      );

      await rm(join(ftp.root, name as string));
      const files = await api("viewer", { method: "GET", url: `/api/v1/tasks/${copy.id}/files` });
      const url = `/api/v1/tasks/${copy.id}/files/${files.result[0].id}/resend`;
      expect(await api("operator", { method: "POST", url })).toMatchObject([
        { destination: "ftp drop:/", status: "sent" },
      ]);
      expect(await readdir(ftp.root)).toEqual([name]);

      // Its connection gone, the resend names the field that names it.
      await world.connections.delete("drop");
      const gone = await api("operator", { method: "POST", url }, 404);
      expect(gone).toMatchObject({ code: "notFound", field: "destinations[0].connection" });
    });

    it("previews the query as it will run, with the task's parameters bound", async () => {
      const preview = await api("operator", {
        method: "GET",
        url: `/api/v1/tasks/${north.id}/preview`,
      });
      expect(preview).toMatchObject({
        connection: "warehouse",
        dialect: "postgres",
        text: salesOf("$1"),
        values: ["north"],
        names: ["region"],
      });
      await api("viewer", { method: "GET", url: `/api/v1/tasks/${north.id}/preview` }, 403);
    });

    it("runs a project in series: a failing task is logged and the next one still runs", async () => {
      await api(
        "operator",
        { method: "POST", url: "/api/v1/projects", payload: { name: "mixed" } },
        201,
      );
      const broken = await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/tasks",
          payload: task("mixed", "broken", "SELECT * FROM no_such_table", { rank: 1 }),
        },
        201,
      );
      const fine = await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/tasks",
          payload: task("mixed", "fine", salesOf("'south'"), { rank: 2 }),
        },
        201,
      );
      const off = await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/tasks",
          payload: task("mixed", "off", "SELECT 1 AS one", { enabled: false }),
        },
        201,
      );
      const job: Job = await api(
        "operator",
        { method: "POST", url: "/api/v1/projects/mixed/run" },
        201,
      );
      const done = await ended(job.id);
      expect(done).toMatchObject({ status: "FINISHED", hasErrors: true });
      expect(done.results).toMatchObject({
        runMode: "series",
        tasks: [
          { name: "broken", status: "failed", message: expect.stringContaining("no_such_table") },
          { name: "fine", status: "succeeded" },
        ],
      });
      const errors = await world.sundial.jobs.logs(job.id, { level: "ERROR" });
      expect(errors.some((line) => line.message.startsWith("[broken]"))).toBe(true);
      expect((await runsOf(broken.id))[0]?.status).toBe("failed");
      expect((await runsOf(fine.id))[0]?.status).toBe("succeeded");
      expect(await runsOf(off.id)).toEqual([]);
      const audit = await api("viewer", { method: "GET", url: `/api/v1/tasks/${broken.id}/audit` });
      expect(audit.result[0]).toMatchObject({ outcome: "failed", startingUser: "operator" });
    });

    it("runs a project in parallel: a task finishes while another still waits", async () => {
      await api(
        "operator",
        { method: "POST", url: "/api/v1/projects", payload: { name: "both", runMode: "parallel" } },
        201,
      );
      // In series the slow one (rank 1) would hold the quick one back.
      await api(
        "operator",
        { method: "POST", url: "/api/v1/tasks", payload: task("both", "slow", held, { rank: 1 }) },
        201,
      );
      const quick = await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/tasks",
          payload: task("both", "quick", "SELECT 2 AS two", { rank: 2 }),
        },
        201,
      );
      await locker.query("SELECT pg_advisory_lock($1)", [LOCK]);
      let job: Job | undefined;
      try {
        job = await api("operator", { method: "POST", url: "/api/v1/projects/both/run" }, 201);
        await waitFor(
          "the quick task to succeed",
          async () => ((await runsOf(quick.id))[0]?.status === "succeeded" ? true : undefined),
          30_000,
        );
        expect((await world.sundial.jobs.findById((job as Job).id)).status).toBe("RUNNING");
      } finally {
        await locker.query("SELECT pg_advisory_unlock($1)", [LOCK]);
      }
      const done = await ended((job as Job).id);
      expect(done).toMatchObject({ status: "FINISHED", hasErrors: false });
      expect(done.results).toMatchObject({
        runMode: "parallel",
        tasks: [{ status: "succeeded" }, { status: "succeeded" }],
      });
      // As the API answers it: enums and nulls written as they are.
      expect(await api("viewer", { method: "GET", url: "/api/v1/projects/both" })).toMatchObject({
        runMode: "parallel",
        description: null,
        taskCount: 2,
        owners: ["operator"],
        schedules: [],
      });
    });

    it("retries a failed run after its delay, and cancels the retry; not while the task runs", async () => {
      await api(
        "operator",
        { method: "POST", url: "/api/v1/projects", payload: { name: "flaky" } },
        201,
      );
      const flaky = await api(
        "operator",
        {
          method: "POST",
          url: "/api/v1/tasks",
          payload: task("flaky", "flaky", heldThenFails, {
            retries: { count: 2, delayMs: 3_600_000 },
          }),
        },
        201,
      );
      // While it runs, there is no retry to cancel yet, and cancelling is refused.
      await locker.query("SELECT pg_advisory_lock($1)", [LOCK]);
      let first: Job | undefined;
      try {
        first = await api(
          "operator",
          { method: "POST", url: `/api/v1/tasks/${flaky.id}/run` },
          201,
        );
        await world.sundial.jobs.waitForJob((first as Job).id, ["RUNNING"], 30_000);
        const refused = await world.call("operator", {
          method: "POST",
          url: `/api/v1/tasks/${flaky.id}/cancel-retry`,
        });
        expect(refused.statusCode).toBe(409);
        expect(refused.json()).toMatchObject({
          code: "conflict",
          detail: expect.stringContaining("is running"),
        });
      } finally {
        await locker.query("SELECT pg_advisory_unlock($1)", [LOCK]);
      }
      const failed = await ended((first as Job).id);
      expect(failed).toMatchObject({ status: "FINISHED", hasErrors: true });
      const lines = await world.sundial.jobs.logs(failed.id, { level: "ERROR" });
      expect(lines.map((line) => line.message).join("\n")).toContain("division by zero");
      const runs = await runsOf(flaky.id);
      expect(runs.map((run) => [run.attempt, run.status])).toEqual([
        [2, "queued"],
        [1, "failed"],
      ]);
      const retry = runs[0]?.job as Job;
      expect(retry).toMatchObject({
        status: "PENDING",
        data: { taskId: flaky.id, attempt: 2, retryOf: failed.id },
      });
      expect(retry.runAt).toBeGreaterThan(Date.now() + 3_000_000);
      const canceled = await api("operator", {
        method: "POST",
        url: `/api/v1/tasks/${flaky.id}/cancel-retry`,
      });
      expect(canceled.canceled).toMatchObject([{ id: retry.id, status: "CANCELED" }]);
      expect((await runsOf(flaky.id))[0]?.status).toBe("canceled");
      expect(
        await api("operator", { method: "POST", url: `/api/v1/tasks/${flaky.id}/cancel-retry` }),
      ).toEqual({
        canceled: [],
      });
    });

    it("versions edits, diffs them, and duplicates a task disabled", async () => {
      const url = `/api/v1/tasks/${north.id}`;
      const current = await api("viewer", { method: "GET", url });
      const edited = await api("operator", {
        method: "PUT",
        url,
        payload: {
          ...current,
          output: { ...current.output, format: { type: "csv", delimiter: ";" } },
        },
      });
      expect(edited.version).toBe(2);
      const versions = await api("viewer", { method: "GET", url: `${url}/versions` });
      expect(versions.result.map((v: { version: number }) => v.version)).toEqual([2, 1]);
      expect(
        await api("viewer", { method: "GET", url: `${url}/versions/diff?from=1&to=2` }),
      ).toEqual({
        from: 1,
        to: 2,
        changes: [{ path: "output.format.delimiter", change: "added", to: ";" }],
      });
      expect(
        (await api("viewer", { method: "GET", url: `${url}/versions/1` })).config.output.format,
      ).toEqual({
        type: "csv",
      });
      // Built on version 1, which is no longer the newest.
      const stale = await world.call("operator", {
        method: "PUT",
        url,
        payload: { ...current, version: 1 },
      });
      expect(stale.json()).toMatchObject({ status: 409, code: "conflict", field: "version" });
      const copy = await api("operator", { method: "POST", url: `${url}/duplicate` }, 201);
      expect(copy).toMatchObject({
        name: "north copy",
        enabled: false,
        project: "sales",
        version: 1,
      });
      const enabled = await api("operator", {
        method: "POST",
        url: `/api/v1/tasks/${copy.id}/enable`,
      });
      expect(enabled).toMatchObject({ enabled: true, version: 2 });
      const page = await api("viewer", {
        method: "GET",
        url: "/api/v1/tasks?project=sales&_sortKeys=-name&_size=1",
      });
      expect(page).toMatchObject({
        resultCount: 1,
        totalPagedResults: 2,
        remainingPagedResults: 1,
      });
      expect(page.result[0].name).toBe("north copy");
      const mine = await api("operator", {
        method: "GET",
        url: "/api/v1/tasks?owner=me&search=north",
      });
      expect(mine.totalPagedResults).toBe(2);
    });

    it("refuses bad input naming the field, storing nothing", async () => {
      const before = await api("viewer", { method: "GET", url: "/api/v1/tasks" });
      const cases: [InjectOptions, string][] = [
        [
          {
            method: "POST",
            url: "/api/v1/tasks",
            payload: task("sales", "x", "SELECT 1", { output: { fileName: "x.csv" } }),
          },
          "output.format",
        ],
        [
          { method: "POST", url: "/api/v1/tasks", payload: task("nowhere", "x", "SELECT 1") },
          "project",
        ],
        [
          {
            method: "POST",
            url: "/api/v1/tasks",
            payload: { ...task("sales", "x", "SELECT 1"), colour: "red" },
          },
          "colour",
        ],
        [
          {
            method: "POST",
            url: "/api/v1/tasks",
            payload: task("sales", "x", "SELECT 1", { parameters: { n: 1 } }),
          },
          "parameters.n",
        ],
        [{ method: "GET", url: "/api/v1/tasks?_sortKeys=colour" }, "_sortKeys"],
        [{ method: "GET", url: "/api/v1/tasks?_size=0" }, "_size"],
        [{ method: "GET", url: "/api/v1/tasks?project=nowhere" }, "project"],
        [
          { method: "POST", url: "/api/v1/projects", payload: { name: "p", runMode: "sometimes" } },
          "runMode",
        ],
        [
          {
            method: "PUT",
            url: `/api/v1/tasks/${north.id}/schedules`,
            payload: { schedules: [{ schedule: "0 0 6 * * ?", timeZone: "Nowhere" }] },
          },
          "schedules[0].timeZone",
        ],
      ];
      for (const [options, field] of cases) {
        const response = await world.call("operator", options);
        expect([response.statusCode, response.json().field], response.body).toEqual([
          response.json().code === "notFound" ? 404 : 400,
          field,
        ]);
      }
      expect(await api("viewer", { method: "GET", url: "/api/v1/tasks" })).toEqual(before);
      expect(
        (await api("viewer", { method: "GET", url: `/api/v1/tasks/${north.id}` })).version,
      ).toBe(2);
    });

    it("documents every route in the OpenAPI document", async () => {
      const document = await api("viewer", { method: "GET", url: "/api/openapi.json" });
      for (const path of [
        "/api/v1/projects/{id}/run",
        "/api/v1/tasks",
        "/api/v1/tasks/{id}/versions/diff",
        "/api/v1/tasks/{id}/files/{fileId}/resend",
        "/api/v1/schedules/{id}/versions",
      ]) {
        expect(document.paths, path).toHaveProperty([path]);
      }
    });

    it("lets viewers read but not edit or run; a group granted export may run", async () => {
      const url = `/api/v1/tasks/${north.id}`;
      const current = await api("viewer", { method: "GET", url });
      for (const options of [
        { method: "PUT", url, payload: current },
        { method: "POST", url: `${url}/run` },
        { method: "POST", url: `${url}/disable` },
        { method: "DELETE", url },
        { method: "POST", url: "/api/v1/projects/sales/run" },
        { method: "POST", url: "/api/v1/projects", payload: { name: "mine" } },
      ] as InjectOptions[]) {
        const response = await world.call("viewer", options);
        expect(response.statusCode, `${options.method} ${options.url}`).toBe(403);
        expect(response.json().code).toBe("forbidden");
      }
      expect((await world.call(undefined, { method: "GET", url })).statusCode).toBe(401);
      const job: Job = await api("exporter", { method: "POST", url: `${url}/run` }, 201);
      expect(job.runBy?.name).toBe("exporter");
      expect(await ended(job.id)).toMatchObject({ status: "FINISHED", hasErrors: false });
      expect((await api("viewer", { method: "GET", url })).version).toBe(2);
    });
  });
}
