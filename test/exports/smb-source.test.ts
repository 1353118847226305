/**
 * Files read from an SMB share (Samba's own smbd, SMB3 only, encryption required) as a
 * remote file source feeding real export runs: a wildcard picks the newest matching file
 * (whatever its case, as SMB names go), which is re-formatted and delivered back to the
 * share; a missing file, no match, a refused login and a size limit are named; and a task
 * whose share can't be reached fails its run, so that its retry is queued.
 */
import { mkdir, readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExportSpec, runExport } from "../../src/exports/index.js";
import type { Job } from "../../src/jobs/job.js";
import { type Samba, sambaAvailable, smbLogin, startSamba } from "../helpers/samba.js";
import { failureOf } from "../projects/helpers.js";
import { type ProjectWorld, projectWorld } from "../projects/project-world.js";
import { closedPort } from "./destinations/helpers.js";
import { type RunWorld, runContext, runWorld } from "./runs/helpers.js";

/** Writes `content` at `path` on the share, modified at `iso`. */
async function dropFile(path: string, content: string, iso: string): Promise<void> {
  await writeFile(path, content);
  const when = new Date(iso);
  await utimes(path, when, when);
}

if (sambaAvailable("the SMB source tests")) {
  describe("remote files on an SMB share", () => {
    let world: RunWorld;
    let samba: Samba;
    let out: string;
    const url = (path: string) =>
      `smb://${samba.username}@127.0.0.1:${samba.port}/${samba.share}${path}`;

    beforeAll(async () => {
      samba = await startSamba();
      world = await runWorld();
      await world.connections.create({ name: "share", type: "smb", settings: smbLogin(samba) });
      out = join(samba.folder, "out");
      await mkdir(out);
      await mkdir(join(samba.folder, "in"));
    });
    afterAll(async () => {
      await world?.close();
      await samba?.stop();
    });

    const spec = (
      path: string,
      extra: { connection?: string; maxBytes?: number } = {},
    ): ExportSpec => ({
      source: {
        type: "remoteFile",
        connection: "share",
        path,
        format: { type: "csv", delimiter: ";" },
        ...extra,
      },
      output: { fileName: "sales.csv", format: { type: "csv", delimiter: "|" } },
    });

    it("takes the newest file a wildcard matches, re-formats it, and delivers it back to the share", async () => {
      await dropFile(join(out, "sales_20260326.csv"), "id;name\n0;old\n", "2026-03-26T06:00:00Z");
      const newest = 'id;name\n1;"Ada; Countess"\n2;Grace\n';
      await dropFile(join(out, "sales_20260327.csv"), newest, "2026-03-27T06:00:00Z");
      // Newer, but not matching, hidden, or a folder: none of them is taken.
      await dropFile(join(out, "other_20260328.csv"), "id\n9\n", "2026-03-28T06:00:00Z");
      await dropFile(join(out, ".sales_partial.csv"), "id\n9\n", "2026-03-28T06:00:00Z");
      await mkdir(join(out, "sales_folder.csv"));
      const { ctx, lines } = await runContext(world);
      const result = await runExport(
        {
          ...spec("/out/SALES_*.CSV"),
          destinations: [{ type: "smb", connection: "share", directory: "/in" }],
        },
        ctx,
      );
      expect(result.rows).toBe(2);
      expect(lines[0]).toBe(
        `INFO downloaded ${url("/out/sales_20260327.csv")} (${newest.length} bytes, the newest of 2 files matching SALES_*.CSV)`,
      );
      expect(await readFile(join(samba.folder, "in", "sales.csv"), "utf8")).toBe(
        "id|name\n1|Ada; Countess\n2|Grace\n",
      );
      expect(result.deliveries).toMatchObject([
        {
          destination: "smb share:/in",
          status: "sent",
          detail: `uploaded ${result.file?.size} bytes to /in/sales.csv`,
        },
      ]);
    });

    it("reads a file by its exact name, under the connection's path", async () => {
      await world.connections.create({
        name: "share-out",
        type: "smb",
        settings: smbLogin(samba, { path: "/out" }),
      });
      await writeFile(join(out, "exact.csv"), "id;name\n7;Lin\n");
      const { ctx, lines } = await runContext(world);
      const result = await runExport(spec("exact.csv", { connection: "share-out" }), ctx);
      expect(await readFile(result.file?.path ?? "", "utf8")).toBe("id|name\n7|Lin\n");
      expect(lines[0]).toBe(`INFO downloaded ${url("/out/exact.csv")} (14 bytes)`);
    });

    it("names a file that isn't there, a pattern nothing matches, and a file over its size limit", async () => {
      const missing = await failureOf(
        runExport(spec("/out/none.csv"), (await runContext(world)).ctx),
      );
      expect(missing).toMatchObject({ code: "sourceFailed", field: "path" });
      expect(missing.message).toBe(
        `connection "share" (smb, ${url("/out/none.csv")}): no such file on the share (NT_STATUS_OBJECT_NAME_NOT_FOUND)`,
      );
      const unmatched = await failureOf(
        runExport(spec("/out/nothing_*.csv"), (await runContext(world)).ctx),
      );
      expect(unmatched).toMatchObject({ code: "sourceFailed", field: "path" });
      expect(unmatched.message).toBe(
        `connection "share" (smb, ${url("/out/nothing_*.csv")}): no file in /out/ matches nothing_*.csv`,
      );
      const noFolder = await failureOf(
        runExport(spec("/gone/*.csv"), (await runContext(world)).ctx),
      );
      expect(noFolder.message).toMatch(
        /\/gone\): the folder can't be opened \(NT_STATUS_OBJECT_(NAME|PATH)_NOT_FOUND\)$/,
      );
      await writeFile(join(out, "big.csv"), "id\n".repeat(100));
      const big = await failureOf(
        runExport(spec("/out/big.csv", { maxBytes: 50 }), (await runContext(world)).ctx),
      );
      expect(big.message).toBe(
        `connection "share" (smb, ${url("/out/big.csv")}): is larger than 50 bytes`,
      );
    });

    it("names a refused login as the SMB destination does", async () => {
      await world.connections.create({
        name: "share-wrong",
        type: "smb",
        settings: smbLogin(samba, { password: "wrong" }),
      });
      const error = await failureOf(
        runExport(spec("/out/*.csv", { connection: "share-wrong" }), (await runContext(world)).ctx),
      );
      expect(error).toMatchObject({ code: "sourceFailed", field: "connection" });
      expect(error.message).toBe(
        `connection "share-wrong" (smb, ${url("/out")}): refused the login as ${samba.username} (NT_STATUS_LOGON_FAILURE: wrong user name or password); check the connection's username, password and domain`,
      );
    });
  });

  describe("a task whose share can't be reached", () => {
    let world: ProjectWorld;
    let samba: Samba;

    beforeAll(async () => {
      samba = await startSamba();
      world = await projectWorld("sqlite", { start: true });
    });
    afterAll(async () => {
      await world?.close();
      await samba?.stop();
    });

    it("fails its run with the reason, and queues its retry", async () => {
      const port = await closedPort();
      await world.connections.create({ name: "share", type: "smb", settings: smbLogin(samba) });
      await world.connections.create({
        name: "vendor-share",
        type: "smb",
        settings: smbLogin(samba, { port }),
      });
      await writeFile(join(samba.folder, "sales.csv"), "id\n1\n");
      await world.projects.create({ name: "finance" });
      const task = await world.tasks.create({
        project: "finance",
        name: "to-vendor",
        source: {
          type: "remoteFile",
          connection: "share",
          path: "/sales.csv",
          format: { type: "csv" },
        },
        output: { fileName: "sales.csv", format: { type: "csv" } },
        destinations: [{ type: "smb", connection: "vendor-share", directory: "/in" }],
        retries: { count: 2, delayMs: 3_600_000 },
      });
      const first = await world.runs.run(task.id);
      const ended = await world.sundial.jobs.waitForJob(
        first.id,
        ["FINISHED", "STOPPED", "CANCELED"],
        30_000,
      );
      expect(ended).toMatchObject({ status: "FINISHED", hasErrors: true });
      const errors = await world.sundial.jobs.logs(first.id, { level: "ERROR" });
      expect(errors.map((line) => line.message).join("\n")).toContain(
        `smb vendor-share:/in: smb://${samba.username}@127.0.0.1:${port}/drop/in: can't be reached at 127.0.0.1:${port} (NT_STATUS_CONNECTION_REFUSED: nothing listens on that port)`,
      );
      const runs = await world.runs.runs(task.id);
      expect(runs.map((run) => [run.attempt, run.status])).toEqual([
        [2, "queued"],
        [1, "failed"],
      ]);
      expect(runs[0]?.job as Job).toMatchObject({
        status: "PENDING",
        data: { taskId: task.id, attempt: 2, retryOf: first.id },
      });
      await world.runs.cancelRetry(task.id);
    });
  });
}
