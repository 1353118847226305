/**
 * The error log: a failed job's line in `<dataDir>/errors.log` of a real server, a missed
 * fire's line, and the size cap (one old file kept, no line lost at the switch).
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ErrorLog } from "../../src/api/error-log.js";
import { type RunningServer, startServer } from "../../src/api/server.js";
import { loadServerConfig } from "../../src/api/server-config.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { waitFor } from "../helpers/wait-for.js";
import { type TestApi, testApi } from "./helpers.js";

let dir: string;
let server: RunningServer | undefined;
let api: TestApi | undefined;
let errorLog: ErrorLog | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-error-log-"));
});

afterEach(async () => {
  await server?.close();
  await errorLog?.close();
  await api?.close();
  server = undefined;
  errorLog = undefined;
  api = undefined;
  await rm(dir, { recursive: true, force: true });
});

type Line = Record<string, unknown> & { errors?: { message: string }[] };

async function linesOf(file: string): Promise<Line[]> {
  if (!existsSync(file)) return [];
  const text = await readFile(file, "utf8");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Line);
}

describe("the error log", () => {
  it("gets a line, with the job's error, when a job fails on a running server", async () => {
    const conf = join(dir, "conf");
    await mkdir(conf);
    const config = await loadServerConfig({
      flags: { port: "0", "data-dir": join(dir, "data"), conf },
      env: { SUNDIAL_ADMIN_PASSWORD: "long enough password" },
      cwd: dir,
    });
    server = await startServer(config, pino({ level: "silent" }), { stderr: () => undefined });
    const file = join(dir, "data", "errors.log");
    expect(config.errorLog).toBe(file);
    const ok = await server.sundial.jobs.enqueue("command", { command: "true" });
    const job = await server.sundial.jobs.enqueue("command", {
      command: "sh",
      args: ["-c", "echo 'the vendor SFTP is full' >&2; exit 3"],
    });
    await server.sundial.jobs.waitForJob(ok.id, ["FINISHED"], 30_000);
    const [line] = await waitFor("the failed job's line", async () => {
      const lines = await linesOf(file);
      return lines.length > 0 ? lines : undefined;
    });
    expect(line).toMatchObject({
      level: "error",
      msg: "job failed",
      node: server.sundial.node,
      job: job.id,
      type: "command",
      status: "FINISHED",
      hasErrors: true,
      attempt: 1,
    });
    expect(Date.parse(line?.time as string)).not.toBeNaN();
    expect(line?.errors?.map((e) => e.message).join("\n")).toContain("exited with code 3");
    // The job that succeeded has no line.
    await server.close();
    server = undefined;
    expect((await linesOf(file)).map((l) => l.job)).toEqual([job.id]);
  });

  it("gets a line for a fire recorded as missed", async () => {
    const clock = new FakeClock("2026-11-23T09:00:30.000Z");
    api = await testApi({ start: false, clock });
    const file = join(dir, "errors.log");
    errorLog = ErrorLog.open({ file, maxBytes: 2 ** 20 });
    errorLog.follow(api.sundial);
    await api.sundial.schedules.put("nightly", {
      schedule: "0 * * * * ?",
      invokeService: "noop",
      misfirePolicy: "doNothing",
    });
    await clock.advance(10 * 60_000); // the node was down
    await api.sundial.start();
    const lines = await waitFor("the missed fire's line", async () => {
      const written = await linesOf(file);
      return written.length > 0 ? written : undefined;
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        msg: "fire missed",
        type: "noop",
        status: "CANCELED",
        reason: "missed",
        schedule: "nightly",
        fireTime: "2026-11-23T09:01:00.000Z",
      }),
    ]);
  });

  it("starts a new file past its size, keeping one old one, and loses no line", async () => {
    api = await testApi();
    const file = join(dir, "errors.log");
    const maxBytes = 2000;
    errorLog = ErrorLog.open({ file, maxBytes });
    errorLog.follow(api.sundial);
    const failed: string[] = [];
    for (let i = 0; i < 10; i++) {
      const job = await api.sundial.jobs.enqueue("fail", { i });
      await api.sundial.jobs.waitForJob(job.id, ["FINISHED"], 30_000);
      failed.push(job.id);
      // Each line is written once its error lines are read: wait, so the order is the jobs'.
      await waitFor("its line", async () => {
        const all = [...(await linesOf(`${file}.1`)), ...(await linesOf(file))];
        return all.some((line) => line.job === job.id) ? true : undefined;
      });
    }
    await errorLog.close();
    errorLog = undefined;
    const old = await linesOf(`${file}.1`);
    const current = await linesOf(file);
    expect(old.length).toBeGreaterThan(0);
    expect(existsSync(`${file}.2`)).toBe(false);
    expect((await stat(file)).size).toBeLessThan(maxBytes);
    // The lines of the last two files, in order, end with the last job's.
    const kept = [...old, ...current].map((line) => line.job);
    expect(kept).toEqual(failed.slice(failed.length - kept.length));
    expect(
      [...old, ...current].every((line) => line.errors?.[0]?.message.includes("always fails")),
    ).toBe(true);
  });

  it("refuses a file it cannot write, naming the setting", async () => {
    const notAFolder = join(dir, "not-a-folder");
    await writeFile(notAFolder, "");
    expect(() => ErrorLog.open({ file: join(notAFolder, "errors.log"), maxBytes: 1000 })).toThrow(
      /^errorLog: cannot write .*not-a-folder\/errors.log \(ENOTDIR\); choose another --error-log$/,
    );
  });
});
