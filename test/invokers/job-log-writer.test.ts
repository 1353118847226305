import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JobLogWriter } from "../../src/invokers/job-log-writer.js";
import { LineSplitter } from "../../src/invokers/line-splitter.js";
import { type Harness, openHarness } from "./helpers.js";

describe("LineSplitter", () => {
  it("cuts chunks into lines, whatever their boundaries, and ends with the rest", () => {
    const lines = new LineSplitter(100);
    expect(lines.push("one\r\ntw")).toEqual(["one"]);
    expect(lines.push("o\n\nthr")).toEqual(["two", ""]);
    expect(lines.end()).toEqual(["thr"]);
    expect(lines.end()).toEqual([]);
  });

  it("cuts a line longer than the limit into pieces, even before its newline arrives", () => {
    const lines = new LineSplitter(4);
    expect(lines.push("abcdefghij")).toEqual(["abcd", "efgh"]);
    expect(lines.push("k\nxy")).toEqual(["ijk"]);
    expect(lines.end()).toEqual(["xy"]);
  });
});

describe("JobLogWriter", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await openHarness(() => ({ command: false, http: false, script: false }));
    h.sundial.define("held", async () => null);
  });
  afterAll(() => h.close());

  /** A job that stays PENDING for the test to write to. */
  async function aJob(): Promise<string> {
    return (await h.sundial.jobs.enqueue("held", {}, { delayMs: 3_600_000 })).id;
  }

  it("keeps lines in order, marks the job hasErrors for an ERROR line, and stops at maxLines", async () => {
    const id = await aJob();
    const writer = new JobLogWriter(h.sundial.jobs, id, { maxLines: 3, batchLines: 2 });
    writer.write("INFO", "a");
    writer.write("ERROR", "b", { detail: 1 });
    writer.write("INFO", "c");
    writer.write("INFO", "d");
    writer.write("ERROR", "e");
    await writer.close();
    writer.write("INFO", "after close");
    await writer.flush();
    const logs = await h.sundial.jobs.logs(id);
    expect(logs.map((l) => [l.level, l.message])).toEqual([
      ["INFO", "a"],
      ["ERROR", "b"],
      ["INFO", "c"],
      [
        "INFO",
        "2 more output lines were not logged: a job keeps at most 3 (the invoker's maxLogLines)",
      ],
    ]);
    expect(logs[1]?.additionalInfo).toEqual({ detail: 1 });
    expect((await h.sundial.jobs.findById(id)).hasErrors).toBe(true);
    await h.sundial.jobs.cancel(id);
  });

  it("cuts a message longer than maxMessageChars", async () => {
    const id = await aJob();
    const writer = new JobLogWriter(h.sundial.jobs, id, { maxLines: 10, maxMessageChars: 5 });
    writer.write("INFO", "abcdefgh");
    await writer.close();
    expect((await h.sundial.jobs.logs(id)).map((l) => l.message)).toEqual(["abcd…"]);
    expect((await h.sundial.jobs.findById(id)).hasErrors).toBe(false);
    await h.sundial.jobs.cancel(id);
  });
});
