// biome-ignore-all lint/suspicious/noTemplateCurlyInString: file name templates write parameters as ${name}
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ExportOutput,
  type ExportRun,
  type Row,
  writeExportFile,
} from "../../src/exports/index.js";
import { type BatchedRows, rowBatches } from "../../src/exports/row-source.js";
import { gc, memoryInUse } from "../helpers/memory.js";
import { entriesOf, generatedRows, peer, stopAfter, tempFolder } from "./helpers.js";

let folder: Awaited<ReturnType<typeof tempFolder>>;
let run: ExportRun;
beforeEach(async () => {
  folder = await tempFolder("export-file");
  run = { directory: folder.dir, instant: Date.UTC(2026, 2, 28, 6), timeZone: "Europe/London" };
});
afterEach(() => folder.remove());

const csv: ExportOutput = { fileName: "sales_%Y%m%d.csv", format: { type: "csv" } };

/** A source that says whether it was closed (a database cursor would be released then). */
function trackedSource(count: number, onRow?: (index: number) => void) {
  const state = { closed: false, read: 0 };
  async function* rows(): AsyncGenerator<Row> {
    try {
      for await (const row of generatedRows(count, onRow)) {
        state.read++;
        yield row;
      }
    } finally {
      state.closed = true;
    }
  }
  return { rows: rows(), state };
}

describe("writing an export file", () => {
  it("names the file from the template and describes it in the manifest, with hashes md5sum and sha256sum agree on", async () => {
    const manifest = await writeExportFile(
      generatedRows(1000),
      { ...csv, fileName: "sales_${region}_{yesterday:%Y%m%d}.csv" },
      { ...run, parameters: { region: "north" } },
    );
    const path = join(folder.dir, "sales_north_20260327.csv");
    expect(manifest).toEqual({
      name: "sales_north_20260327.csv",
      path,
      size: (await stat(path)).size,
      rows: 1000,
      empty: false,
      md5: expect.stringMatching(/^[0-9a-f]{32}$/),
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await peer("md5sum", [path])).toString().split(" ")[0]).toBe(manifest.md5);
    expect((await peer("sha256sum", [path])).toString().split(" ")[0]).toBe(manifest.sha256);
    // Only the finished file is there: no temporary file left behind.
    expect(await entriesOf(folder.dir)).toEqual(["sales_north_20260327.csv"]);
  });

  it("reports progress every progressEvery rows, and the total at the end", async () => {
    const seen: number[] = [];
    await writeExportFile(generatedRows(2500), csv, {
      ...run,
      progressEvery: 1000,
      onProgress: (rows) => seen.push(rows),
    });
    expect(seen).toEqual([1000, 2000, 2500]);
  });

  it("creates the folder when it is missing", async () => {
    const directory = join(folder.dir, "runs", "42");
    const manifest = await writeExportFile([{ a: 1 }], csv, { ...run, directory });
    expect(await readFile(manifest.path, "utf8")).toBe("a\n1\n");
  });
});

describe("the row limit", () => {
  it("writes exactly maxRows rows", async () => {
    const manifest = await writeExportFile(generatedRows(10), { ...csv, maxRows: 10 }, run);
    expect(manifest.rows).toBe(10);
  });

  it("fails past maxRows, writes no file, keeps the earlier one and closes the source", async () => {
    const earlier = join(folder.dir, "sales_20260328.csv");
    await writeFile(earlier, "yesterday's good file\n");
    const { rows, state } = trackedSource(1_000);
    await expect(writeExportFile(rows, { ...csv, maxRows: 10 }, run)).rejects.toMatchObject({
      code: "rowLimitExceeded",
      field: "maxRows",
      message:
        "maxRows: the output has more than 10 data rows, so no file was written; raise maxRows or narrow the query",
    });
    expect(await entriesOf(folder.dir)).toEqual(["sales_20260328.csv"]);
    expect(await readFile(earlier, "utf8")).toBe("yesterday's good file\n");
    expect(state).toEqual({ closed: true, read: 11 });
  });

  it("does not count the header row", async () => {
    const rows: Row[] = [["id"], [1], [2]];
    await expect(writeExportFile(rows, { ...csv, maxRows: 2 }, run)).resolves.toMatchObject({
      rows: 2,
    });
  });

  it("has a default of 100,000", async () => {
    await expect(writeExportFile(generatedRows(100_001), csv, run)).rejects.toMatchObject({
      code: "rowLimitExceeded",
      message: expect.stringContaining("more than 100,000 data rows"),
    });
    expect(await entriesOf(folder.dir)).toEqual([]);
  });
});

describe("empty outputs", () => {
  it("are written and flagged empty; post-processed unless skipEmpty says not to", async () => {
    const zipped = await writeExportFile([["id", "name"]], { ...csv, zip: true }, run);
    expect(zipped).toMatchObject({ name: "sales_20260328.csv.zip", rows: 0, empty: true });
    expect((await peer("unzip", ["-p", zipped.path])).toString()).toBe("id,name\n");

    const skipped = await writeExportFile(
      [["id", "name"]],
      { ...csv, zip: true },
      {
        ...run,
        skipEmpty: true,
      },
    );
    expect(skipped).toMatchObject({ name: "sales_20260328.csv", rows: 0, empty: true });
    expect(await readFile(skipped.path, "utf8")).toBe("id,name\n");
  });

  it("skipEmpty changes nothing for an output with rows", async () => {
    const manifest = await writeExportFile(
      [{ a: 1 }],
      { ...csv, zip: true },
      {
        ...run,
        skipEmpty: true,
      },
    );
    expect(manifest).toMatchObject({ name: "sales_20260328.csv.zip", empty: false, rows: 1 });
  });
});

describe("stopping and failing", () => {
  it("an abort mid-way rejects with its reason, leaves no partial file and closes the source", async () => {
    const { reason, options } = stopAfter(50_000);
    const { rows, state } = trackedSource(10_000_000);
    const stopping = writeExportFile(
      rows,
      { ...csv, zip: true, maxRows: 10_000_000 },
      {
        ...run,
        ...options,
      },
    );
    await expect(stopping).rejects.toBe(reason);
    expect(await entriesOf(folder.dir)).toEqual([]);
    expect(state.closed).toBe(true);
    expect(state.read).toBeLessThan(60_000);
  });

  it("an abort before the start reads nothing", async () => {
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    const { rows, state } = trackedSource(10);
    await expect(writeExportFile(rows, csv, { ...run, signal: controller.signal })).rejects.toThrow(
      "shutting down",
    );
    expect(state.read).toBe(0);
    expect(await entriesOf(folder.dir)).toEqual([]);
  });

  it("a failing source fails the run with its own error, and leaves no file", async () => {
    const failure = new Error("connection reset by peer");
    async function* rows() {
      yield* generatedRows(5000);
      throw failure;
    }
    await expect(writeExportFile(rows(), { ...csv, zip: true }, run)).rejects.toBe(failure);
    expect(await entriesOf(folder.dir)).toEqual([]);
  });

  it("refuses a bad run, output or rows, naming the field", async () => {
    await expect(writeExportFile([], csv, { ...run, directory: "" })).rejects.toMatchObject({
      code: "badRequest",
      field: "directory",
    });
    await expect(writeExportFile([], csv, { ...run, progressEvery: 0 })).rejects.toMatchObject({
      code: "badRequest",
      message: "progressEvery: 0 is not a whole number of rows of at least 1",
    });
    await expect(
      writeExportFile([], { ...csv, format: { type: "csv", delimiter: "" } }, run),
    ).rejects.toMatchObject({ code: "badRequest", field: "format.delimiter" });
    await expect(writeExportFile(42 as never, csv, run)).rejects.toMatchObject({
      code: "badRequest",
      message: "rows: is not an iterable of rows (an array, a generator)",
    });
  });
});

describe("sources that hand over batches", () => {
  /** Rows in batches of `size`, led by a header row; says what it was asked for and whether it closed. */
  function batchedSource(count: number, size: number) {
    const state = { asked: [] as boolean[], read: 0, closed: false };
    async function* batches(): AsyncGenerator<Row[]> {
      try {
        yield [["id", "name"]];
        for (let first = 1; first <= count; first += size) {
          const batch: Row[] = [];
          for (let i = first; i < first + size && i <= count; i++) batch.push([i, `n${i}`]);
          state.read += batch.length;
          yield batch;
        }
      } finally {
        state.closed = true;
      }
    }
    const source: BatchedRows = {
      [rowBatches]: ({ text }) => {
        state.asked.push(text);
        return batches();
      },
      async *[Symbol.asyncIterator]() {
        for await (const batch of batches()) yield* batch;
      },
    };
    return { source, state };
  }

  it("are read a batch at a time, asked for values' text only by formats that write nothing else", async () => {
    const cases: [ExportOutput["format"], boolean][] = [
      [{ type: "csv" }, true],
      [{ type: "csv", quoting: "all" }, true],
      [{ type: "text" }, true],
      // Strings are told from other values by their quotes, and JSON keeps types.
      [{ type: "csv", quoting: "strings" }, false],
      [{ type: "json" }, false],
      [{ type: "ndjson" }, false],
    ];
    for (const [format, text] of cases) {
      const { source, state } = batchedSource(1000, 300);
      const manifest = await writeExportFile(source, { fileName: "b.out", format }, run);
      const rows: Row[] = [["id", "name"]];
      for (let i = 1; i <= 1000; i++) rows.push([i, `n${i}`]);
      const plain = await writeExportFile(rows, { fileName: "p.out", format }, run);
      expect(state.asked, JSON.stringify(format)).toEqual([text]);
      expect(manifest).toMatchObject({ rows: 1000, md5: plain.md5 });
    }
  });

  it("count every row against maxRows and for progress, and are let go at the limit", async () => {
    const seen: number[] = [];
    const { source } = batchedSource(2500, 700);
    await writeExportFile(source, csv, {
      ...run,
      progressEvery: 1000,
      onProgress: (rows) => seen.push(rows),
    });
    expect(seen).toEqual([1000, 2000, 2500]);

    const limited = batchedSource(5000, 700);
    await expect(
      writeExportFile(limited.source, { ...csv, maxRows: 1000 }, run),
    ).rejects.toMatchObject({ code: "rowLimitExceeded" });
    expect(limited.state).toMatchObject({ read: 1400, closed: true });
  });
});

describe("memory", () => {
  it("stays flat for 1,000,000 rows through CSV and zip", async () => {
    gc();
    const used = memoryInUse;
    const before = used();
    let growth = 0;
    async function* rows() {
      for (let i = 1; i <= 1_000_000; i++) {
        if (i % 100_000 === 0) {
          gc();
          growth = Math.max(growth, used() - before);
        }
        yield {
          id: i,
          name: `customer ${i}`,
          email: `customer${i}@example.com`,
          amount: i * 1.25,
          note: 'said "hello", then left',
        };
      }
    }
    const manifest = await writeExportFile(
      rows(),
      { fileName: "big.csv", format: { type: "csv" }, maxRows: 1_000_000, zip: true },
      run,
    );
    expect(manifest.rows).toBe(1_000_000);
    await peer("unzip", ["-tq", manifest.path]);
    // unzip -l: the CSV inside is some 90 MB; the heap never grew by a fraction of it.
    const listing = (await peer("unzip", ["-l", manifest.path])).toString();
    const size = Number(/^\s*(\d+)\s+\S+\s+\S+\s+big\.csv$/m.exec(listing)?.[1]);
    expect(size).toBeGreaterThan(80_000_000);
    expect(growth).toBeLessThan(16 * 1024 * 1024);
  });
});
