import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sundial } from "../../src/index.js";
import { registerInvokers } from "../../src/invokers/index.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { waitFor } from "../helpers/wait-for.js";

let dir: string;
let sundial: Sundial;
let clock: FakeClock;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-invokers-e2e-"));
  clock = new FakeClock("2026-11-23T09:00:30.000Z");
  sundial = await Sundial.open({
    database: join(dir, "sundial.db"),
    clock,
    node: "e2e",
    invokers: false,
  });
});

afterEach(async () => {
  await sundial.close({ graceMs: 0 });
  await rm(dir, { recursive: true, force: true });
});

describe("invokers through Sundial.open", () => {
  it("a schedule with invokeService command fires, and the pool runs the program", async () => {
    expect(registerInvokers(sundial)).toEqual(["script", "command", "http"]);
    await sundial.schedules.put("nightly-export", {
      schedule: "0 * * * * ?",
      invokeService: "command",
      invokeContext: {
        command: process.execPath,
        args: ["-e", "console.log('exported ' + process.argv[1])", "sales.csv"],
      },
    });
    await sundial.start({ concurrency: 2 });
    await clock.untilSleeping();
    await clock.advance(60_000);
    const fired = await waitFor(
      "the fire's job",
      async () => (await sundial.jobs.find({ type: "command" }))[0],
    );
    const job = await sundial.jobs.waitForJob(fired.id, ["FINISHED"], 60_000);
    expect(job).toMatchObject({
      status: "FINISHED",
      hasErrors: false,
      scheduleId: "nightly-export",
      fireTime: Date.parse("2026-11-23T09:01:00.000Z"),
      results: { exitCode: 0, signal: null },
    });
    const messages = (await sundial.jobs.logs(job.id)).map((line) => line.message);
    expect(messages).toContain("exported sales.csv");
  });

  it("type-checks invoke contexts through JobTypes", () => {
    // Compiled, never run: the type checker is the assertion.
    const typed = async () => {
      await sundial.jobs.enqueue("command", { command: "ls", args: ["-l"] });
      await sundial.jobs.enqueue("http", { method: "POST", url: "https://example.com/" });
      await sundial.jobs.enqueue("script", { script: { type: "text/javascript", source: "1" } });
      // @ts-expect-error `cmd` is not a command context's field
      await sundial.jobs.enqueue("command", { cmd: "ls" });
      // @ts-expect-error args are text
      await sundial.jobs.enqueue("command", { command: "ls", args: [1] });
      // @ts-expect-error a script needs its script
      await sundial.jobs.enqueue("script", { input: {} });
    };
    expect(typeof typed).toBe("function");
  });

  it("leaves out an invoker given false, and refuses unknown options by name", () => {
    expect(registerInvokers(sundial.jobs, { command: false, http: false })).toEqual(["script"]);
    expect(() =>
      registerInvokers(sundial, { script: false, command: { killGrace: 1 } as never }),
    ).toThrow("options.command.killGrace: is not a known setting");
    // All or none: script is taken, so command and http are not defined either.
    expect(() => registerInvokers(sundial)).toThrow(expect.objectContaining({ code: "conflict" }));
    expect(sundial.jobs.registry.types()).toEqual(["script"]);
  });
});
