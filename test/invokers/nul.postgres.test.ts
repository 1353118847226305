/**
 * PostgreSQL refuses NUL (U+0000) in text and jsonb; output and results that hold one must
 * still let their job finish, with the character replaced by U+FFFD.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sundial } from "../../src/index.js";
import { freshSchemaName, postgresAvailable, TEST_DATABASE_URL } from "../helpers/postgres.js";
import { ended, runJob } from "./helpers.js";

const available = await postgresAvailable("the NUL character tests");

describe.runIf(available)("NUL characters on PostgreSQL", () => {
  const schema = freshSchemaName("sundial_nul");
  let sundial: Sundial;

  beforeAll(async () => {
    sundial = await Sundial.open({ database: TEST_DATABASE_URL, schema, node: "nul-test" });
    sundial.define("nul-results", async ({ log }) => {
      await log.info("handler \u0000 line", { "detail\u0000": "x\u0000y" });
      return { text: "a\u0000b", "key\u0000": ["\u0000"] };
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
});
