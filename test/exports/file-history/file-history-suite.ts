/**
 * File history on a real store, run on SQLite and on PostgreSQL: keeping a produced file
 * (moved into the files directory, its row written), listing by task and project a page
 * at a time, reading, opening, resending, and the retention purge.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ExportManifest } from "../../../src/exports/index.js";
import { FileHistoryService } from "../../../src/exports/index.js";
import type { Store } from "../../../src/store/store.js";
import { failureOf, type StoreKind, testStore } from "../../projects/helpers.js";
import { tempFolder } from "../helpers.js";

const DAY = 86_400_000;

/** A produced file in `dir`, as writeExportFile would give it. */
async function produced(
  dir: string,
  name: string,
  content: string,
  rows: number,
): Promise<ExportManifest> {
  const path = join(dir, name);
  await writeFile(path, content);
  const digest = (algorithm: string) => createHash(algorithm).update(content).digest("hex");
  return {
    name,
    path,
    size: Buffer.byteLength(content),
    rows,
    empty: rows === 0,
    md5: digest("md5"),
    sha256: digest("sha256"),
  };
}

export function fileHistorySuite(kind: StoreKind): void {
  describe(`file history on ${kind}`, () => {
    let store: Store;
    let remove: () => Promise<void>;
    let folder: Awaited<ReturnType<typeof tempFolder>>;
    let now: number;
    let files: FileHistoryService;
    let run: string;
    let kept: string;

    beforeEach(async () => {
      ({ store, remove } = await testStore(kind));
      folder = await tempFolder("file-history");
      run = join(folder.dir, "run");
      kept = join(folder.dir, "files");
      await mkdir(run);
      now = Date.UTC(2026, 2, 30, 6);
      files = new FileHistoryService(store, {
        directory: kept,
        retentionDays: 30,
        clock: { now: () => now, sleep: async () => {} },
      });
    });
    afterEach(async () => {
      await remove();
      await folder.remove();
    });

    it("keeps a produced file: moved into the files directory, with its hashes and origin", async () => {
      const manifest = await produced(run, "sales.csv", "id\n1\n2\n", 2);
      const stored = await files.record(manifest, {
        jobId: "job_1",
        taskId: "tsk_1",
        taskName: "sales",
        projectId: "prj_1",
        projectName: "finance",
        startingUser: "olga",
      });
      expect(stored).toEqual({
        ...manifest,
        id: expect.stringMatching(/^fil_[A-Za-z0-9_-]{16}$/),
        path: join(kept, stored.id, "sales.csv"),
        jobId: "job_1",
        taskId: "tsk_1",
        taskName: "sales",
        projectId: "prj_1",
        projectName: "finance",
        startedBy: "olga",
        createdAt: now,
      });
      expect(await readdir(run)).toEqual([]);
      expect(await readFile(stored.path, "utf8")).toBe("id\n1\n2\n");
      expect(await files.get(stored.id)).toEqual(stored);

      const { file, content } = await files.open(stored.id);
      expect(file).toEqual(stored);
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe("id\n1\n2\n");
    });

    it("lists newest first, by task or project, a page at a time without repeats", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        now += 1000;
        const manifest = await produced(run, `f${i}.csv`, `id\n${i}\n`, 1);
        const stored = await files.record(manifest, {
          jobId: `job_${i}`,
          taskId: i % 2 === 0 ? "tsk_even" : "tsk_odd",
          taskName: "t",
          projectId: "prj_1",
        });
        ids.push(stored.id);
      }
      const all = await files.list();
      expect(all.result.map((file) => file.name)).toEqual([
        "f4.csv",
        "f3.csv",
        "f2.csv",
        "f1.csv",
        "f0.csv",
      ]);
      expect(all.next).toBeUndefined();
      expect((await files.list({ taskId: "tsk_even" })).result.map((f) => f.name)).toEqual([
        "f4.csv",
        "f2.csv",
        "f0.csv",
      ]);
      expect((await files.list({ projectId: "prj_2" })).resultCount).toBe(0);

      const first = await files.list({ _size: 2 });
      expect(first.result.map((f) => f.name)).toEqual(["f4.csv", "f3.csv"]);
      const second = await files.list({ _size: 2, cursor: first.next });
      expect(second.result.map((f) => f.name)).toEqual(["f2.csv", "f1.csv"]);
      const third = await files.list({ _size: 2, cursor: second.next });
      expect(third.result.map((f) => f.name)).toEqual(["f0.csv"]);
      expect(third.next).toBeUndefined();

      const bad = await failureOf(files.list({ cursor: "nonsense" }));
      expect(bad.code).toBe("badRequest");
      expect(bad.field).toBe("cursor");
    });

    it("answers notFound for an unknown id, and for a file gone from the directory", async () => {
      expect((await failureOf(files.get("fil_AAAAAAAAAAAAAAAA"))).code).toBe("notFound");
      expect((await failureOf(files.get("../../etc/passwd"))).code).toBe("notFound");
      const stored = await files.record(await produced(run, "gone.csv", "id\n", 0), {
        jobId: "job_1",
        taskName: "t",
      });
      expect(stored.empty).toBe(true);
      await import("node:fs/promises").then((fs) => fs.rm(stored.path));
      const gone = await failureOf(files.open(stored.id));
      expect(gone.code).toBe("notFound");
      expect(gone.message).toContain("gone from the files directory");
    });

    it("resends a stored file to the destinations given", async () => {
      const stored = await files.record(await produced(run, "again.csv", "id\n7\n", 1), {
        jobId: "job_1",
        taskName: "t",
      });
      const target = join(folder.dir, "target");
      await mkdir(target);
      const outcomes = await files.resend(stored.id, [{ type: "directory", directory: target }]);
      expect(outcomes).toEqual([expect.objectContaining({ status: "sent", file: "again.csv" })]);
      expect(await readFile(join(target, "again.csv"), "utf8")).toBe("id\n7\n");
      const bad = await failureOf(
        files.resend(stored.id, [{ type: "directory", directory: "rel" }]),
      );
      expect(bad.field).toBe("destinations[0].directory");
    });

    it("purges files past their retention, from the directory and the history", async () => {
      const old = await files.record(await produced(run, "old.csv", "id\n1\n", 1), {
        jobId: "job_1",
        taskName: "t",
      });
      now += 10 * DAY;
      const recent = await files.record(await produced(run, "recent.csv", "id\n1\n", 1), {
        jobId: "job_2",
        taskName: "t",
      });
      // 30 days after the first: the first is exactly at its limit, and kept.
      expect(await files.purge(Date.UTC(2026, 2, 30, 6) + 30 * DAY)).toBe(0);
      expect(await files.purge(Date.UTC(2026, 2, 30, 6) + 30 * DAY + 1)).toBe(1);
      expect((await failureOf(files.get(old.id))).code).toBe("notFound");
      expect((await readdir(kept)).sort()).toEqual([recent.id]);
      expect(await files.get(recent.id)).toEqual(recent);
      expect(await readFile(recent.path, "utf8")).toBe("id\n1\n");
      expect(await files.purge(now + 100 * DAY)).toBe(1);
      expect(await readdir(kept)).toEqual([]);
    });

    it("keeps every file when the retention is 0 (forever), and refuses one that is no number of days", async () => {
      const forever = new FileHistoryService(store, {
        directory: kept,
        retentionDays: 0,
        clock: { now: () => now, sleep: async () => {} },
      });
      const old = await forever.record(await produced(run, "old.csv", "id\n1\n", 1), {
        jobId: "job_1",
        taskName: "t",
      });
      expect(await forever.purge(now + 36_500 * DAY)).toBe(0);
      expect(await readFile(old.path, "utf8")).toBe("id\n1\n");
      for (const retentionDays of [-1, 1.5, 36_501]) {
        expect(() => new FileHistoryService(store, { directory: kept, retentionDays })).toThrow(
          /^retentionDays: .* is not a whole number of days from 0 \(forever\) to 36500$/,
        );
      }
    });

    it("keeps the last good copy of a fetched query, replaced by a newer one", async () => {
      expect(await files.queries.get("http:git:q.sql")).toBeUndefined();
      await files.queries.put("http:git:q.sql", "SELECT 1", "a".repeat(64));
      now += 1000;
      await files.queries.put("http:git:q.sql", "SELECT 2", "b".repeat(64));
      expect(await files.queries.get("http:git:q.sql")).toEqual({
        query: "SELECT 2",
        sha256: "b".repeat(64),
        fetchedAt: now,
      });
    });
  });
}
