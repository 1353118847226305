/**
 * PostgreSQL refuses NUL (U+0000) in text and jsonb, and lone surrogates in jsonb; output
 * and results that hold one must still let their job finish, with the character replaced
 * by U+FFFD.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sundial } from "../../src/index.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { ended, runJob } from "./helpers.js";

const available = await postgresAvailable("the tests of characters PostgreSQL refuses");

describe.runIf(available)("characters PostgreSQL refuses (NUL, lone surrogates)", () => {
  const schema = freshSchemaName("sundial_nul");
  let sundial: Sundial;

  beforeAll(async () => {
    sundial = await Sundial.open({ database: TEST_DATABASE_URL, schema, node: "nul-test" });
    sundial.define("nul-results", async ({ log }) => {
      await log.info("handler \u0000 line", { "detail\u0000": "x\u0000y" });
      return { text: "a\u0000b", "key\u0000": ["\u0000"] };
    });
    sundial.define("cut-emoji", async ({ data }) => {
      const { text } = data as { text: string };
      return { preview: text.slice(0, 1), [text.slice(1)]: text };
    });
    await sundial.start({ concurrency: 2 });
  });

  afterAll(async () => {
    await sundial?.close({ graceMs: 0 });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });

  it("a command printing a NUL byte finishes, its line logged with U+FFFD", async () => {
    const { job, messages } = await runJob(sundial, "command", {
      command: process.execPath,
      args: ["-e", "process.stdout.write('before\\u0000after\\n')"],
    });
    expect(job).toMatchObject({ status: "FINISHED", hasErrors: false });
    expect(messages).toContain("before\uFFFDafter");
  });

  it("a script whose results and log hold NUL finishes with them replaced", async () => {
    const { job, messages } = await runJob(sundial, "script", {
      script: {
        type: "text/javascript",
        source: "log.info('script \\u0000 line'); return { out: 'x\\u0000y' };",
      },
    });
    expect(job).toMatchObject({
      status: "FINISHED",
      hasErrors: false,
      results: { out: "x\uFFFDy" },
    });
    expect(messages).toContain("script \uFFFD line");
  });

  it("a handler's results, log details, data and label keep their place with U+FFFD", async () => {
    const { id } = await sundial.jobs.enqueue(
      "nul-results",
      { "in\u0000": "\u0000" },
      { label: "label \u0000" },
    );
    const { job, logs } = await ended(sundial, id);
    expect(job).toMatchObject({
      status: "FINISHED",
      hasErrors: false,
      label: "label \uFFFD",
      data: { "in\uFFFD": "\uFFFD" },
      results: { text: "a\uFFFDb", "key\uFFFD": ["\uFFFD"] },
    });
    expect(logs[0]).toMatchObject({
      message: "handler \uFFFD line",
      additionalInfo: { "detail\uFFFD": "x\uFFFDy" },
    });
  });

  it("a handler whose results hold a lone surrogate finishes, the surrogate as U+FFFD", async () => {
    const { id } = await sundial.jobs.enqueue("cut-emoji", { text: "\u{1F600}" });
    const { job } = await ended(sundial, id);
    expect(job).toMatchObject({
      status: "FINISHED",
      hasErrors: false,
      data: { text: "\u{1F600}" },
      results: { preview: "\uFFFD", "\uFFFD": "\u{1F600}" },
    });
  });
});
