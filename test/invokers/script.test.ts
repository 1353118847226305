import { mkdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkScriptContext, type ScriptInvokeContext } from "../../src/invokers/index.js";
import { ended, type Harness, invalid, logLine, openHarness, runJob } from "./helpers.js";

let h: Harness;

beforeAll(async () => {
  h = await openHarness((dir) => ({
    script: { scriptsDir: join(dir, "scripts"), killGraceMs: 300, maxOldGenerationSizeMb: 32 },
  }));
  await mkdir(join(h.dir, "scripts", "reports"), { recursive: true });
});
afterAll(() => h.close());

function inline(source: string, extra: Partial<ScriptInvokeContext> = {}): ScriptInvokeContext {
  return { script: { type: "text/javascript", source }, ...extra };
}

describe("the script invoker", () => {
  it("runs a script that finds its job, logs, reports progress and returns results", async () => {
    const { job, logs, messages } = await runJob(
      h.sundial,
      "script",
      inline(
        `
        const job = await sys.jobs.getCurrentJob();
        log.info("running " + job.type() + " as " + job.status());
        console.log("input is", input);
        await progress(40);
        let refused;
        try { await progress(150); } catch (e) { refused = e.message; }
        await job.logInfo("via the job object", { step: 1 });
        const again = await sys.jobs.findById(sys.jobs.getCurrentJobId());
        const lines = await job.logs({ message: "via the job" });
        return {
          id: job.id(),
          status: again.status(),
          progress: again.progress(),
          lines: lines.length,
          refused,
          context: { jobId: context.jobId, scheduleId: context.scheduleId },
          input,
        };`,
        { input: { n: 1 } },
      ),
    );
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: false, progress: 40 });
    expect(job.results).toEqual({
      id: job.id,
      status: "RUNNING",
      progress: 40,
      lines: 1,
      refused: "progress: 150 is not from 0 to 100",
      context: { jobId: job.id, scheduleId: null },
      input: { n: 1 },
    });
    // In the order the script wrote them, though `log` is batched and logInfo a call.
    expect(messages).toEqual([
      "running script as RUNNING",
      "input is { n: 1 }",
      "via the job object",
    ]);
    expect(logs[2]?.additionalInfo).toEqual({ step: 1 });
  });

  it("gives sys.jobs over other jobs: find, logs, priority, waitForJob, and their errors", async () => {
    const other = await h.sundial.jobs.enqueue(
      "http",
      { url: "http://127.0.0.1:9/" },
      { delayMs: 3_600_000, label: "later" },
    );
    const { job } = await runJob(
      h.sundial,
      "script",
      inline(
        `
        const id = input.id;
        const low = await sys.jobs.setLowPriority(id);
        const found = await sys.jobs.find({ type: "http", status: "PENDING" });
        await sys.jobs.logError(id, "flagged by a script");
        const waited = await sys.jobs.waitForJob(id, ["PENDING"], 1000);
        const normal = await sys.jobs.removeLowPriority(id);
        const lines = await sys.jobs.logs(id, { level: "ERROR" });
        let missing;
        try { await sys.jobs.findById("no-such-job"); } catch (e) { missing = { name: e.name, code: e.code }; }
        let timedOut;
        try { await sys.jobs.waitForJob(id, "FINISHED", 0); } catch (e) { timedOut = e.code; }
        return {
          low: low.toJSON().lowPriority,
          normal: normal.toJSON().lowPriority,
          found: found.map((j) => j.label()),
          waited: waited.status(),
          hasErrors: (await waited.refresh()).hasErrors(),
          lines: lines.map((l) => l.message),
          missing,
          timedOut,
        };`,
        { input: { id: other.id } },
      ),
    );
    expect(job.results).toEqual({
      low: true,
      normal: false,
      found: ["later"],
      waited: "PENDING",
      hasErrors: true,
      lines: ["flagged by a script"],
      missing: { name: "SundialError", code: "notFound" },
      timedOut: "timeout",
    });
    await h.sundial.jobs.cancel(other.id);
  });

  it("takes setResult when the script returns nothing", async () => {
    const { job } = await runJob(
      h.sundial,
      "script",
      inline(`setResult({ partial: 1 }); setResult({ done: true, big: 10n });`),
    );
    expect(job.results).toEqual({ done: true, big: "10" });
  });

  it("fails the job with the message and line of what the script threw", async () => {
    const { job, logs } = await runJob(
      h.sundial,
      "script",
      inline(`const x = 1;\nif (x) {\n  throw new RangeError("bad input " + x);\n}`),
    );
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: true });
    const failure = logs.at(-1);
    expect(failure?.message).toBe(
      "failed: RangeError: bad input 1 (invokeContext.script.source:3:9)",
    );
    expect(failure?.additionalInfo).toMatchObject({
      error: {
        code: "scriptFailed",
        stack: expect.stringContaining("invokeContext.script.source:3:9"),
      },
    });
  });

  it("fails the job with the line of a syntax error", async () => {
    const { job, messages } = await runJob(
      h.sundial,
      "script",
      inline(`log.info("ok");\nlet = = 2;`),
    );
    expect(job.hasErrors).toBe(true);
    expect(messages.at(-1)).toBe(
      "failed: SyntaxError: Unexpected token '=' (invokeContext.script.source:2)",
    );
  });

  it("terminates `while (true) {}` when the job is stopped", async () => {
    const { id } = await h.sundial.jobs.enqueue(
      "script",
      inline(`log.info("looping"); await progress(5); while (true) {}`),
    );
    await logLine(h.sundial, id, /^looping$/);
    await h.sundial.jobs.stop(id);
    const { job, messages } = await ended(h.sundial, id);
    expect(job.status).toBe("STOPPED");
    expect(
      messages.some((m) => /still running 300 ms after .*worker thread was terminated/.test(m)),
    ).toBe(true);
  });

  it("terminates it when its timeoutMs passes, ending with reason timeout", async () => {
    const { job, messages } = await runJob(
      h.sundial,
      "script",
      inline(`while (true) {}`, { timeoutMs: 200 }),
    );
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: true, reason: "timeout" });
    expect(messages.at(-1)).toBe(
      "failed: invokeContext.script.source timed out after 200 ms (invokeContext.timeoutMs)",
    );
  });

  it("lets a script that watches its signal save a checkpoint and carry on when resumed", async () => {
    const source = `
      if (checkpoint) return { resumedFrom: checkpoint };
      log.info("waiting");
      await new Promise((resolve) => signal.addEventListener("abort", resolve));
      await saveCheckpoint({ step: 7 });
      throw signal.reason;`;
    const { id } = await h.sundial.jobs.enqueue("script", inline(source));
    await logLine(h.sundial, id, /^waiting$/);
    await h.sundial.jobs.stop(id);
    const stopped = await ended(h.sundial, id);
    expect(stopped.job.status).toBe("STOPPED");
    expect(stopped.messages.some((m) => /terminated/.test(m))).toBe(false);
    await h.sundial.jobs.resume(id);
    const { job } = await ended(h.sundial, id);
    expect(job).toMatchObject({ status: "FINISHED", results: { resumedFrom: { step: 7 } } });
  });

  it("fails a script that runs out of memory", async () => {
    const { job, messages } = await runJob(
      h.sundial,
      "script",
      inline(
        `const all = []; while (true) all.push({ n: Math.random(), s: "x".repeat(64) + Math.random() });`,
      ),
    );
    expect(job.hasErrors).toBe(true);
    expect(messages.at(-1)).toMatch(/ran out of memory: its heap is limited to 32 MB/);
  });

  it("reads a file from the scripts folder, which may require modules", async () => {
    await writeFile(
      join(h.dir, "scripts", "reports", "daily.js"),
      `#!/usr/bin/env node\nconst path = require("node:path");\nreturn { base: path.basename("/a/b.csv"), twice: input.n * 2 };\n`,
    );
    const { job } = await runJob(h.sundial, "script", {
      script: { type: "text/javascript", file: "reports/daily.js" },
      input: { n: 21 },
    });
    expect(job.results).toEqual({ base: "b.csv", twice: 42 });
  });

  it("names the file and line when a file script throws", async () => {
    await writeFile(join(h.dir, "scripts", "broken.js"), `\n\nnull.x;\n`);
    const { messages } = await runJob(h.sundial, "script", {
      script: { type: "text/javascript", file: "broken.js" },
    });
    expect(messages.at(-1)).toMatch(/^failed: TypeError: .* \(broken\.js:3:6\)$/);
  });

  it("refuses paths that lead out of the scripts folder, links included", async () => {
    await writeFile(join(h.dir, "outside.js"), "return 'escaped';");
    await symlink(join(h.dir, "outside.js"), join(h.dir, "scripts", "link.js"));
    for (const file of ["../outside.js", join(h.dir, "outside.js"), "link.js"]) {
      const { job, messages } = await runJob(h.sundial, "script", {
        script: { type: "text/javascript", file },
      });
      expect(job.hasErrors, file).toBe(true);
      expect(messages.at(-1)).toMatch(
        /invokeContext\.script\.file: .* leads out of the scripts folder/,
      );
    }
    const { messages } = await runJob(h.sundial, "script", {
      script: { type: "text/javascript", file: "nope.js" },
    });
    expect(messages.at(-1)).toMatch(
      /invokeContext\.script\.file: "nope\.js" is not in the scripts folder/,
    );
  });

  it("refuses bad invoke contexts, naming the field", async () => {
    const { messages } = await runJob(
      h.sundial,
      "script",
      invalid<ScriptInvokeContext>({ script: { type: "text/python", source: "print(1)" } }),
    );
    expect(messages.at(-1)).toBe(
      'failed: invokeContext.script.type: "text/python" is not one of "text/javascript"',
    );
    const both = await runJob(h.sundial, "script", {
      script: { type: "text/javascript", source: "1", file: "a.js" },
    });
    expect(both.messages.at(-1)).toMatch(
      /^failed: invokeContext\.script: give either source .* not both$/,
    );
    const cases: [unknown, string][] = [
      [{}, "invokeContext.script"],
      [{ script: { type: "text/javascript", source: 1 } }, "invokeContext.script.source"],
      [{ script: { type: "text/javascript" }, inputs: {} }, "invokeContext.inputs"],
    ];
    for (const [data, field] of cases) {
      expect(() => checkScriptContext(data), field).toThrow(expect.objectContaining({ field }));
    }
  });
});
