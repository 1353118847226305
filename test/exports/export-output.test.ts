import { describe, expect, it } from "vitest";
import { checkExportOutput } from "../../src/exports/index.js";

const csv = (format: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  fileName: "sales_%Y%m%d.csv",
  format: { type: "csv", ...format },
  ...extra,
});

describe("checking a task's output", () => {
  it("accepts a full output and returns it typed", () => {
    const output = {
      fileName: "sales_{yesterday:%Y%m%d}.csv",
      format: {
        type: "csv",
        delimiter: ";",
        quote: "'",
        quoting: "strings",
        header: false,
        lineEnding: "\r\n",
        encoding: "latin1",
      },
      maxRows: 500_000,
      append: "~",
      encrypt: { publicKey: "-----BEGIN PGP PUBLIC KEY BLOCK-----" },
      zip: true,
      zipLevel: 9,
    };
    expect(checkExportOutput(output, "output")).toEqual(output);
  });

  it.each([
    [{ fileName: "x.csv" }, "output.format", "output.format: is required"],
    [
      csv({ delimeter: ";" }),
      "output.format.delimeter",
      "is not a known setting; check its spelling",
    ],
    [
      { fileName: "x", format: { type: "xml" } },
      "output.format.type",
      '"xml" is not one of "csv", "json", "ndjson", "text"',
    ],
    [
      csv({ quoting: "some" }),
      "output.format.quoting",
      '"some" is not one of "minimal", "all", "strings", "never"',
    ],
    [csv({ lineEnding: "\r" }), "output.format.lineEnding", "is not one of"],
    [
      csv({ encoding: "utf-16" }),
      "output.format.encoding",
      '"utf-16" is not one of "utf8", "utf16le", "latin1"',
    ],
    [csv({ quote: "''" }), "output.format.quote", "output.format.quote:"],
    [
      { fileName: "x", format: { type: "json", header: true } },
      "output.format.header",
      "is not a known setting",
    ],
    [csv({}, { maxRows: 0 }), "output.maxRows", "output.maxRows: 0"],
    [csv({}, { zip: "yes" }), "output.zip", "output.zip:"],
    [csv({}, { zip: true, zipLevel: 10 }), "output.zipLevel", "output.zipLevel: 10"],
    [csv({}, { zip: true, zipLevel: 1.5 }), "output.zipLevel", "output.zipLevel:"],
    [csv({}, { encrypt: {} }), "output.encrypt.publicKey", "is required"],
    [
      csv({}, { fileName: "sales_%Q.csv" }),
      "output.fileName",
      'output.fileName: "%Q" at character 7 is not a date code',
    ],
    [
      { fileName: "x", format: { type: "json" }, append: "~" },
      "output.append",
      "can't be used with format json (the file would no longer be JSON); use ndjson",
    ],
    [csv({}, { append: "\n" }), "output.append", "holds a line break"],
    [
      csv({ delimiter: '"' }),
      "output.format.delimiter",
      'holds the quote character "\\""; choose another delimiter or quote',
    ],
    [csv({ delimiter: "\n" }), "output.format.delimiter", "holds a line break"],
    [csv({ encoding: "latin1", bom: true }), "output.format.bom", "latin1 has no byte order mark"],
    [
      csv({ encoding: "latin1", delimiter: "→" }),
      "output.format.delimiter",
      '"→" (U+2192) can\'t be written in latin1',
    ],
    [
      { fileName: "x", format: { type: "text", encoding: "latin1" }, append: "✓" },
      "output.append",
      "can't be written in latin1",
    ],
  ])("%j fails on %s", (value, field, message) => {
    expect(() => checkExportOutput(value, "output")).toThrow(
      expect.objectContaining({
        code: "badRequest",
        field,
        message: expect.stringContaining(message),
      }),
    );
  });
});
