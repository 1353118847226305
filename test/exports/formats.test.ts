import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ExportOutput,
  type FileFormat,
  type Row,
  writeExportFile,
} from "../../src/exports/index.js";
import { parseCsv, tempFolder } from "./helpers.js";

let folder: Awaited<ReturnType<typeof tempFolder>>;
beforeAll(async () => {
  folder = await tempFolder("formats");
});
afterAll(() => folder.remove());

let files = 0;
/** Writes `rows` in `format` through the real pipeline, and gives the file's bytes. */
async function write(
  rows: Iterable<Row> | AsyncIterable<Row>,
  format: FileFormat,
  extra: Partial<ExportOutput> = {},
) {
  const manifest = await writeExportFile(
    rows,
    { fileName: `file-${++files}.out`, format, ...extra },
    { directory: folder.dir, instant: 0, timeZone: "UTC" },
  );
  return { manifest, bytes: await readFile(manifest.path) };
}

const text = async (...args: Parameters<typeof write>) =>
  (await write(...args)).bytes.toString("utf8");

/** Each format, and how to read its file back into objects. */
const contract: Record<string, { format: FileFormat; read: (bytes: Buffer) => unknown[] }> = {
  csv: {
    format: { type: "csv" },
    read: (bytes) => {
      const [header = [], ...rows] = parseCsv(bytes.toString("utf8"));
      return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
    },
  },
  "csv (semicolons, CRLF, every value quoted)": {
    format: { type: "csv", delimiter: ";", lineEnding: "\r\n", quoting: "all" },
    read: (bytes) => {
      const [header = [], ...rows] = parseCsv(bytes.toString("utf8"), ";", '"', "\r\n");
      return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
    },
  },
  json: { format: { type: "json" }, read: (bytes) => JSON.parse(bytes.toString("utf8")) },
  ndjson: {
    format: { type: "ndjson" },
    read: (bytes) =>
      bytes
        .toString("utf8")
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line)),
  },
  "text (with a header line)": {
    format: { type: "text", header: true },
    read: (bytes) => {
      const [header = [], ...rows] = bytes
        .toString("utf8")
        .split("\n")
        .slice(0, -1)
        .map((line) => line.split("\t"));
      return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
    },
  },
};

const people = [
  { id: "1", name: "Ada Lovelace", city: "London" },
  { id: "2", name: "Grace Hopper", city: "New York" },
  { id: "3", name: "Zoë Ångström", city: "Malmö" },
];
const asArrays = [["id", "name", "city"], ...people.map((p) => [p.id, p.name, p.city])];

describe.each(Object.entries(contract))("the %s format", (_, { format, read }) => {
  it("writes objects so that they read back the same, and counts them", async () => {
    const { manifest, bytes } = await write(people, format);
    expect(read(bytes)).toEqual(people);
    expect(manifest).toMatchObject({ rows: 3, empty: false, size: bytes.length });
  });

  it("writes arrays led by a header row the same as objects", async () => {
    const fromObjects = await write(people, format);
    const fromArrays = await write(asArrays, format);
    expect(fromArrays.bytes.equals(fromObjects.bytes)).toBe(true);
    expect(fromArrays.manifest.rows).toBe(3);
  });

  it("reads rows from an async source", async () => {
    async function* source() {
      yield* asArrays;
    }
    expect(read((await write(source(), format)).bytes)).toEqual(people);
  });

  it("flags an output without data rows as empty, a header row alone included", async () => {
    for (const rows of [[], [["id", "name"]]]) {
      const { manifest, bytes } = await write(rows, format);
      expect(manifest).toMatchObject({ rows: 0, empty: true });
      expect(read(bytes)).toEqual([]);
    }
  });

  it("refuses rows that mix objects and arrays, naming the row", async () => {
    await expect(write([{ a: 1 }, { a: 2 }, [3]], format)).rejects.toMatchObject({
      code: "invalidRow",
      message: "row 3: is an array, expected an object like the rows before it",
    });
    await expect(write([["a"], [1], { a: 2 }], format)).rejects.toMatchObject({
      code: "invalidRow",
      message: "row 2: is an object, expected an array like the header row",
    });
  });

  it("refuses an array row whose width is not the header row's", async () => {
    await expect(write([["a", "b"], [1, 2], [3]], format)).rejects.toMatchObject({
      code: "invalidRow",
      message: "row 2: has 1 values but the header row has 2 columns",
    });
  });

  it("refuses a header row that is not a list of names, and a row that is not a row", async () => {
    await expect(write([["a", 2]], format)).rejects.toMatchObject({
      code: "invalidRow",
      message: "the header row: value 2 is a number, not a column name (a string)",
    });
    await expect(write(["just text"] as never, format)).rejects.toMatchObject({
      code: "invalidRow",
      message: "the first row: is a string, expected an object or an array",
    });
  });
});

describe("CSV", () => {
  const tricky: Row[] = [
    ["id", "text"],
    [1, 'He said "hi"'],
    [2, "a,b"],
    [3, "two\nlines"],
    [4, "carriage\rreturn"],
    [5, ""],
    [6, null],
    [7, "  spaced  "],
    [8, "日本語 ✓ €"],
  ];

  it("quotes only what needs it, doubling quotes, keeping line breaks inside quotes", async () => {
    expect(await text(tricky, { type: "csv" })).toBe(
      'id,text\n1,"He said ""hi"""\n2,"a,b"\n3,"two\nlines"\n4,"carriage\rreturn"\n5,\n6,\n7,  spaced  \n8,日本語 ✓ €\n',
    );
  });

  it("quotes a line break inside a value with CRLF line endings too", async () => {
    const csv = await text(tricky, { type: "csv", lineEnding: "\r\n" });
    expect(csv).toContain('3,"two\nlines"\r\n4,"carriage\rreturn"\r\n');
    expect(parseCsv(csv, ",", '"', "\r\n").map((row) => row[1])).toEqual([
      "text",
      'He said "hi"',
      "a,b",
      "two\nlines",
      "carriage\rreturn",
      "",
      "",
      "  spaced  ",
      "日本語 ✓ €",
    ]);
  });

  it("quoting: all quotes every value, strings quotes strings (an empty one too, not a null)", async () => {
    const rows: Row[] = [
      ["n", "s", "e", "z"],
      [1, "x", "", null],
    ];
    expect(await text(rows, { type: "csv", quoting: "all" })).toBe(
      '"n","s","e","z"\n"1","x","",""\n',
    );
    expect(await text(rows, { type: "csv", quoting: "strings" })).toBe(
      '"n","s","e","z"\n1,"x","",\n',
    );
  });

  it("quoting: never writes values bare, and fails on one that needs quotes", async () => {
    const format: FileFormat = { type: "csv", delimiter: "|", quoting: "never" };
    expect(
      await text(
        [
          ["a", "b"],
          ['say "x"', "1,2"],
        ],
        format,
      ),
    ).toBe('a|b\nsay "x"|1,2\n');
    await expect(
      write(
        [
          ["a", "note"],
          [1, "x"],
          [2, "x|y"],
        ],
        format,
      ),
    ).rejects.toMatchObject({
      code: "invalidRow",
      message:
        'row 2, column "note": the value holds the delimiter "|", which needs quotes but quoting is "never"; choose quoting "minimal"',
    });
    await expect(write([{ a: "two\nlines" }], format)).rejects.toMatchObject({
      message: expect.stringContaining('row 1, column "a": the value holds a line break'),
    });
  });

  it("takes another delimiter (several characters too) and quote character", async () => {
    expect(
      await text(
        [
          ["a", "b"],
          ["x;y", "it's"],
        ],
        { type: "csv", delimiter: ";", quote: "'" },
      ),
    ).toBe("a;b\n'x;y';'it''s'\n");
    expect(
      await text(
        [
          ["a", "b"],
          ["x|", "y"],
        ],
        { type: "csv", delimiter: "||" },
      ),
    ).toBe('a||b\n"x|"||y\n');
  });

  it("leaves the header line out on request, and still counts only data rows", async () => {
    const { manifest, bytes } = await write(asArrays, { type: "csv", header: false });
    expect(bytes.toString()).toBe(
      "1,Ada Lovelace,London\n2,Grace Hopper,New York\n3,Zoë Ångström,Malmö\n",
    );
    expect(manifest.rows).toBe(3);
  });

  it("writes values of every type the same way", async () => {
    const row = {
      text: "x",
      integer: 42,
      decimal: 1.5,
      big: 12345678901234567890n,
      yes: true,
      no: false,
      when: new Date(Date.UTC(2026, 2, 29, 1, 30)),
      bytes: Buffer.from("hi"),
      nested: { a: [1, 2] },
      nothing: null,
      missing: undefined,
    };
    expect(await text([row], { type: "csv" })).toBe(
      'text,integer,decimal,big,yes,no,when,bytes,nested,nothing,missing\nx,42,1.5,12345678901234567890,true,false,2026-03-29T01:30:00.000Z,aGk=,"{""a"":[1,2]}",,\n',
    );
  });

  it("uses the first object's keys as columns, by name (a dotted name is not a path)", async () => {
    const csv = await text(
      [
        { "a.b": 1, c: 2 },
        { c: 4, "a.b": 3, extra: 5 },
      ],
      { type: "csv" },
    );
    expect(csv).toBe("a.b,c\n1,2\n3,4\n");
  });

  it("encodes utf16le, with a byte order mark on request", async () => {
    const { bytes } = await write(tricky.slice(0, 2).concat([[9, "Zoë €"]]), {
      type: "csv",
      encoding: "utf16le",
      bom: true,
    });
    expect([...bytes.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(new TextDecoder("utf-16le").decode(bytes.subarray(2))).toBe(
      'id,text\n1,"He said ""hi"""\n9,Zoë €\n',
    );
  });

  it("encodes latin1 byte for byte, and names the row and column of a character it lacks", async () => {
    const { bytes } = await write([["name"], ["Zoë"], ["Ångström"]], {
      type: "csv",
      encoding: "latin1",
    });
    expect([...bytes]).toEqual([...Buffer.from("name\nZo\xeb\n\xc5ngstr\xf6m\n", "latin1")]);
    expect(new TextDecoder("latin1").decode(bytes)).toBe("name\nZoë\nÅngström\n");
    await expect(
      write(
        [
          ["name", "price"],
          ["a", "1"],
          ["b", "5 €"],
        ],
        { type: "csv", encoding: "latin1" },
      ),
    ).rejects.toMatchObject({
      code: "invalidRow",
      message:
        'row 2, column "price": "€" (U+20AC) can\'t be written in latin1; choose encoding utf8 or utf16le',
    });
    await expect(write([["prix €"]], { type: "csv", encoding: "latin1" })).rejects.toMatchObject({
      message: expect.stringMatching(/^the header row, column "prix €": "€" \(U\+20AC\)/),
    });
  });

  it("starts utf8 with a byte order mark on request", async () => {
    const { bytes } = await write([{ a: 1 }], { type: "csv", bom: true });
    expect([...bytes]).toEqual([0xef, 0xbb, 0xbf, ...Buffer.from("a\n1\n")]);
  });

  it("appends characters at each line's end, before the line ending, never inside a value", async () => {
    const csv = await text(
      [
        ["id", "text"],
        [1, "two\nlines"],
        [2, "x"],
      ],
      {
        type: "csv",
        lineEnding: "\r\n",
      },
      { append: "~" },
    );
    expect(csv).toBe('id,text~\r\n1,"two\nlines"~\r\n2,x~\r\n');
  });
});

describe("JSON and NDJSON", () => {
  it("writes a JSON array an object a line, and [] when empty", async () => {
    expect(await text([["id"], [1], [2]], { type: "json" })).toBe('[\n{"id":1},\n{"id":2}\n]\n');
    expect(await text([], { type: "json" })).toBe("[]\n");
  });

  it("keeps types JSON has, and writes the others as text", async () => {
    const row = {
      n: 1.5,
      yes: true,
      none: null,
      big: 9007199254740993n,
      when: new Date(Date.UTC(2026, 9, 25, 1)),
      bytes: Buffer.from([0, 255]),
      nested: { list: [1, "two"], deeper: { x: 12n } },
    };
    for (const type of ["json", "ndjson"] as const) {
      const written = await text([row], { type });
      const [back] = type === "json" ? JSON.parse(written) : [JSON.parse(written)];
      expect(back).toEqual({
        n: 1.5,
        yes: true,
        none: null,
        big: "9007199254740993",
        when: "2026-10-25T01:00:00.000Z",
        bytes: "AP8=",
        nested: { list: [1, "two"], deeper: { x: "12" } },
      });
    }
  });

  it("keys array rows by the header row, a missing value as null, __proto__ as a plain key", async () => {
    const rows: Row[] = [
      ["__proto__", "b"],
      ["x", undefined],
    ];
    const [back] = JSON.parse(await text(rows, { type: "json" }));
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.entries(back)).toEqual([
      ["__proto__", "x"],
      ["b", null],
    ]);
  });

  it("refuses a header row naming a column twice, which JSON objects can't hold", async () => {
    await expect(
      write(
        [
          ["id", "id"],
          [1, 2],
        ],
        { type: "ndjson" },
      ),
    ).rejects.toMatchObject({
      code: "invalidRow",
      message: expect.stringContaining('the header row: names the column "id" twice'),
    });
  });

  it("NDJSON: an object a line, characters appended, nothing at all when empty", async () => {
    expect(await text([{ a: 1 }, { a: 2 }], { type: "ndjson" }, { append: " " })).toBe(
      '{"a":1} \n{"a":2} \n',
    );
    const { bytes } = await write([], { type: "ndjson" });
    expect(bytes.length).toBe(0);
  });
});

describe("plain text", () => {
  it("writes a line per row, values joined by the delimiter, nothing quoted", async () => {
    expect(await text([["line"], ["first, with comma"], ['"quoted"']], { type: "text" })).toBe(
      'first, with comma\n"quoted"\n',
    );
    expect(
      await text([{ a: 1, b: "x" }], {
        type: "text",
        delimiter: " | ",
        header: true,
        lineEnding: "\r\n",
      }),
    ).toBe("a | b\r\n1 | x\r\n");
  });

  it("refuses a value holding a line break, naming the row and column", async () => {
    await expect(
      write(
        [
          { id: 1, note: "ok" },
          { id: 2, note: "two\nlines" },
        ],
        { type: "text" },
      ),
    ).rejects.toMatchObject({
      code: "invalidRow",
      message:
        'row 2, column "note": the value holds a line break, which would split the row in a text file; choose csv or ndjson',
    });
  });

  it("encodes latin1 and utf16le like CSV", async () => {
    const { bytes } = await write([["l"], ["façade"]], { type: "text", encoding: "latin1" });
    expect([...bytes]).toEqual([...Buffer.from("fa\xe7ade\n", "latin1")]);
    const wide = await write([["l"], ["façade"]], { type: "text", encoding: "utf16le" });
    expect(new TextDecoder("utf-16le").decode(wide.bytes)).toBe("façade\n");
  });
});
