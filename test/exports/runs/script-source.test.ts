/**
 * The script data source: a module's table or list becomes the file; a row missing a
 * header's key, a throw, a time limit and a memory limit each fail the run clearly.
 */
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ExportSpec, runExport } from "../../../src/exports/index.js";
import { failureOf } from "../../projects/helpers.js";
import { type RunWorld, runContext, runWorld } from "./helpers.js";

describe("the script data source", () => {
  let world: RunWorld;
  beforeAll(async () => {
    world = await runWorld();
  });
  afterAll(() => world?.close());

  const spec = (script: string, format: "csv" | "json" = "csv", extra = {}): ExportSpec => ({
    source: { type: "script", script, ...extra },
    output: { fileName: `out.${format}`, format: { type: format } },
  });
  const run = async (s: ExportSpec, parameters: Record<string, string> = {}) =>
    runExport(s, (await runContext(world, { parameters })).ctx);

  it("writes a table's header row and rows, in the header's order, given the parameters", async () => {
    const result = await run(
      spec(`export default async ({ parameters }) => ({
        headerRow: ["id", "name"],
        data: [{ name: "Ada", id: 1, extra: "left out" }, { id: 2, name: parameters.who }],
      });`),
      { who: "Grace" },
    );
    expect(await readFile(result.file?.path ?? "", "utf8")).toBe("id,name\n1,Ada\n2,Grace\n");
    expect(result.rows).toBe(2);
  });

  it("writes a list of objects as JSON, and has no access to the server's environment", async () => {
    process.env.SUNDIAL_TEST_SECRET = "hidden";
    const result = await run(
      spec("export default [{ id: 1, secret: process.env.SUNDIAL_TEST_SECRET ?? null }];", "json"),
    );
    delete process.env.SUNDIAL_TEST_SECRET;
    expect(JSON.parse(await readFile(result.file?.path ?? "", "utf8"))).toEqual([
      { id: 1, secret: null },
    ]);
  });

  it("fails naming the row and the key an object lacks", async () => {
    const error = await failureOf(
      run(
        spec(
          'export default { headerRow: ["id", "amount"], data: [{ id: 1, amount: 2 }, { id: 2 }] };',
        ),
      ),
    );
    expect(error.code).toBe("invalidRow");
    expect(error.message).toBe('row 2: has no key "amount" (the header row names id, amount)');
  });

  it("fails a script that throws, gives something else, runs too long or out of memory", async () => {
    const thrown = await failureOf(run(spec('throw new Error("no data today");')));
    expect(thrown.code).toBe("sourceFailed");
    expect(thrown.message).toMatch(/^the script failed: no data today/);
    const other = await failureOf(run(spec("export default 42;")));
    expect(other.message).toBe(
      "the script gave a number; give { headerRow, data } for a table, or an array of objects",
    );
    const slow = await failureOf(
      run(
        spec("export default new Promise((done) => setTimeout(done, 60000));", "csv", {
          timeoutMs: 300,
        }),
      ),
    );
    expect(slow.message).toBe("the script did not finish within 0.3 s");
    const stuck = await failureOf(run(spec("export default new Promise(() => {});")));
    expect(stuck.message).toBe(
      "the script ended (exit code 0) without giving its data: it awaited something that can never settle",
    );
    const hungry = await failureOf(
      run(
        spec(
          "const a = []; for (;;) a.push(new Array(100000).fill(a.length)); export default a;",
          "csv",
          {
            maxMemoryMb: 32,
            timeoutMs: 60_000,
          },
        ),
      ),
    );
    expect(hungry.message).toBe(
      "the script ran out of memory (its limit is 32 MB; raise maxMemoryMb)",
    );
  });
});
