import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CommandInvokeContext,
  checkCommandContext,
  InvokerError,
} from "../../src/invokers/index.js";
import type { Store } from "../../src/store/store.js";
import { ended, type Harness, invalid, logLine, openHarness, runJob } from "./helpers.js";

const node = process.execPath;
let h: Harness;

beforeAll(async () => {
  h = await openHarness((dir) => ({ command: { killGraceMs: 300, cwd: dir } }));
});
afterAll(() => h.close());

describe("the command invoker", () => {
  it("runs a program without a shell: stdout lines INFO, stderr lines ERROR, results", async () => {
    const { job, logs } = await runJob(h.sundial, "command", {
      command: node,
      // Without a shell, `$HOME` and the quotes reach the program as they are.
      args: [
        "-e",
        "console.log('one\\ntwo'); console.error('warned'); console.log(process.argv[1])",
        "$HOME 'x'",
      ],
    });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: true });
    expect(job.results).toMatchObject({ exitCode: 0, signal: null });
    expect((job.results as { durationMs: number }).durationMs).toBeGreaterThanOrEqual(0);
    const output = logs.filter((line) => !/^started |exited with code/.test(line.message));
    expect(output.map((line) => [line.level, line.message])).toEqual(
      expect.arrayContaining([
        ["INFO", "one"],
        ["INFO", "two"],
        ["ERROR", "warned"],
        ["INFO", "$HOME 'x'"],
      ]),
    );
  });

  it("gives the program its env and working directory", async () => {
    await mkdir(join(h.dir, "work"), { recursive: true });
    const { job, messages } = await runJob(h.sundial, "command", {
      command: node,
      args: ["-e", "console.log(process.env.GREETING + ' from ' + process.cwd())"],
      env: { GREETING: "hello" },
      cwd: "work",
    });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: false });
    expect(messages).toContain(`hello from ${join(h.dir, "work")}`);
  });

  it("stores a flood of output in batches, every line in order", async () => {
    const store = h.sundial.store as { appendLogs: Store["appendLogs"] };
    const original = store.appendLogs;
    let inserts = 0;
    store.appendLogs = (lines) => {
      inserts++;
      return original.call(h.sundial.store, lines);
    };
    try {
      const { job, logs } = await runJob(h.sundial, "command", {
        command: node,
        args: ["-e", "for (let i = 0; i < 3000; i++) console.log('line ' + i)"],
      });
      expect(job.status).toBe("FINISHED");
      const lines = logs.filter((line) => line.message.startsWith("line "));
      expect(lines.map((line) => line.message)).toEqual(
        Array.from({ length: 3000 }, (_, i) => `line ${i}`),
      );
      expect(inserts).toBeLessThan(3000 / 20);
    } finally {
      store.appendLogs = original;
    }
  });

  it("fails the job on a non-zero exit, with the code and the last stderr line", async () => {
    const { job, logs } = await runJob(h.sundial, "command", {
      command: node,
      args: ["-e", "console.error('disk full'); process.exit(3)"],
    });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: true, results: null });
    const failure = logs.at(-1);
    expect(failure?.level).toBe("ERROR");
    expect(failure?.message).toMatch(/^failed: .* exited with code 3: disk full$/);
    expect(failure?.additionalInfo).toMatchObject({
      error: { name: "InvokerError", code: "commandFailed" },
    });
  });

  it("fails the job when the program can't be started", async () => {
    const { job, messages } = await runJob(h.sundial, "command", {
      command: "no-such-program-sundial",
    });
    expect(job.hasErrors).toBe(true);
    expect(messages.at(-1)).toMatch(/could not start no-such-program-sundial .*no such program/);
  });

  it("does not wait for a background process that keeps the output open", async () => {
    const { job, messages } = await runJob(h.sundial, "command", {
      command: "sh",
      args: ["-c", "sleep 5 & echo left running"],
    });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: false, results: { exitCode: 0 } });
    expect(messages).toContain("left running");
    expect(messages.some((m) => /exited but its output stayed open/.test(m))).toBe(true);
  });

  it("kills `sleep 30` when the job is stopped", async () => {
    const { id } = await h.sundial.jobs.enqueue("command", { command: "sleep", args: ["30"] });
    const started = await logLine(h.sundial, id, /^started sleep \(pid \d+\)$/);
    const pid = Number(/pid (\d+)/.exec(started.message)?.[1]);
    await h.sundial.jobs.stop(id);
    const { job, messages } = await ended(h.sundial, id);
    expect(job.status).toBe("STOPPED");
    expect(messages).toContain(`stopping: sent SIGTERM to sleep (pid ${pid})`);
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: "ESRCH" }));
  });

  it("kills it when its timeoutMs passes, and the job ends with reason timeout", async () => {
    const { job, messages } = await runJob(h.sundial, "command", {
      command: "sleep",
      args: ["30"],
      timeoutMs: 200,
    });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: true, reason: "timeout" });
    expect(messages.at(-1)).toBe("failed: sleep timed out after 200 ms (invokeContext.timeoutMs)");
  });

  it("sends SIGKILL to a program that ignores SIGTERM, after the grace", async () => {
    const { id } = await h.sundial.jobs.enqueue("command", {
      command: node,
      args: [
        "-e",
        "process.on('SIGTERM', () => console.log('ignored')); setInterval(() => {}, 1000); console.log('ready')",
      ],
    });
    await logLine(h.sundial, id, /^ready$/);
    await h.sundial.jobs.stop(id);
    const { job, messages } = await ended(h.sundial, id);
    expect(job.status).toBe("STOPPED");
    expect(messages).toContain("ignored");
    expect(messages.some((m) => /still ran 300 ms after SIGTERM: sent SIGKILL/.test(m))).toBe(true);
  });

  it("refuses bad invoke contexts, naming the field", async () => {
    const { job, messages } = await runJob(
      h.sundial,
      "command",
      invalid<CommandInvokeContext>({ command: "ls", args: ["-l", 2] }),
    );
    expect(job.hasErrors).toBe(true);
    expect(messages.at(-1)).toBe("failed: invokeContext.args[1]: 2 must be string");

    const cases: [unknown, string][] = [
      [null, "invokeContext"],
      [{}, "invokeContext.command"],
      [{ command: "ls", env: { PATH: 1 } }, "invokeContext.env.PATH"],
      [{ command: "ls", env: { "A=B": "x" } }, "invokeContext.env"],
      [{ command: "ls", args: ["a\0b"] }, "invokeContext.args[0]"],
      [{ command: "ls", timeoutMs: 0 }, "invokeContext.timeoutMs"],
      [{ command: "ls", shell: true }, "invokeContext.shell"],
    ];
    for (const [data, field] of cases) {
      expect(() => checkCommandContext(data), field).toThrow(expect.objectContaining({ field }));
    }
  });

  it("refuses a working directory that does not exist", async () => {
    const { job, messages } = await runJob(h.sundial, "command", { command: "ls", cwd: "missing" });
    expect(job.hasErrors).toBe(true);
    expect(messages.at(-1)).toMatch(/invokeContext\.cwd: .*missing is not a directory/);
    expect(new InvokerError("commandFailed", "x").code).toBe("commandFailed");
  });
});
