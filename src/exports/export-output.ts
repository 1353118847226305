/**
 * A task's output: how its rows become a file (the file name template, the format, the row
 * limit) and what happens to the file afterwards, in this order: `append` to each line,
 * `encrypt` to a public key, `zip`. One schema, checked when the task is saved.
 */
import { type Static, type TSchema, Type } from "typebox";
import { SundialError } from "../errors.js";
import { validate } from "../validation.js";
import { describeCharacter, type Encoding, unwritableCharacter } from "./cell-text.js";
import { FILE_FORMAT_SCHEMAS, type FileFormat, FileFormatSchema } from "./file-format.js";
import { parseFileNameTemplate } from "./file-name-template.js";

const outputProperties = <F extends TSchema>(format: F) => ({
  /** The file name template, e.g. `sales_{yesterday:%Y%m%d}.csv` (docs/exports.md). */
  fileName: Type.String({ minLength: 1, maxLength: 1000 }),
  format,
  /** More data rows than this fail the run, and no file is written; default 100,000. */
  maxRows: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Characters written at the end of every line (header included), before the line ending. */
  append: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  /** Encrypts the file to this armored OpenPGP public key; `.gpg` is added to its name. */
  encrypt: Type.Optional(
    Type.Object({ publicKey: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
  ),
  /** Zips the (encrypted) file; `.zip` is added to its name. */
  zip: Type.Optional(Type.Boolean()),
  /**
   * zlib's compression level of the zip, 1 (fastest) to 9 (smallest); default 2, which
   * on CSV comes within a few percent of 6's size for less than half its time.
   */
  zipLevel: Type.Optional(Type.Integer({ minimum: 1, maximum: 9 })),
});

export const ExportOutputSchema = Type.Object(outputProperties(FileFormatSchema), {
  additionalProperties: false,
});
export type ExportOutput = Static<typeof ExportOutputSchema>;

// Checked first, so that a mistake inside `format` is reported against its own type's
// options rather than as a failed match with every format.
const OutputShapeSchema = Type.Object(
  outputProperties(
    Type.Object({
      type: Type.Union([
        Type.Literal("csv"),
        Type.Literal("json"),
        Type.Literal("ndjson"),
        Type.Literal("text"),
      ]),
    }),
  ),
  { additionalProperties: false },
);

/**
 * Checks a task's output when it is saved (and again before each run). The public key is
 * checked apart, by `readPublicKey`, since reading it is asynchronous.
 * @param field what the output is known by in messages, e.g. `output`.
 * @throws SundialError `badRequest` naming the field at fault, e.g. `output.format.delimiter`,
 *   or `output.fileName` with the character position.
 * @example
 * checkExportOutput({ fileName: "sales_%Y%m%d.csv", format: { type: "csv", delimiter: ";" }, zip: true });
 */
export function checkExportOutput(value: unknown, field = ""): ExportOutput {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  const shape = validate(OutputShapeSchema, value, field);
  const format = validate(
    FILE_FORMAT_SCHEMAS[shape.format.type],
    shape.format,
    at("format"),
  ) as FileFormat;
  const output = { ...shape, format } as ExportOutput;
  const fail = (name: string, reason: string): never => {
    throw new SundialError("badRequest", `${at(name)}: ${reason}`, { field: at(name) });
  };

  if (output.append !== undefined) {
    if (format.type === "json") {
      fail(
        "append",
        "can't be used with format json (the file would no longer be JSON); use ndjson",
      );
    }
    if (/[\r\n]/.test(output.append))
      fail("append", "holds a line break; the line ending is the format's lineEnding");
  }
  if (format.type === "csv" || format.type === "text") {
    const encoding: Encoding = format.encoding ?? "utf8";
    const delimiter = format.delimiter ?? (format.type === "csv" ? "," : "\t");
    const quote = format.type === "csv" ? (format.quote ?? '"') : undefined;
    if (/[\r\n]/.test(delimiter)) fail("format.delimiter", "holds a line break");
    if (quote !== undefined && /[\r\n]/.test(quote)) fail("format.quote", "is a line break");
    if (quote !== undefined && delimiter.includes(quote)) {
      fail(
        "format.delimiter",
        `holds the quote character ${JSON.stringify(quote)}; choose another delimiter or quote`,
      );
    }
    if (format.bom === true && encoding === "latin1") {
      fail("format.bom", "latin1 has no byte order mark; leave bom out or choose utf8 or utf16le");
    }
    const texts: [string, string | undefined][] = [
      ["format.delimiter", delimiter],
      ["format.quote", quote],
      ["append", output.append],
    ];
    for (const [name, text] of texts) {
      const bad = text === undefined ? undefined : unwritableCharacter(text, encoding);
      if (bad !== undefined)
        fail(name, `${describeCharacter(bad)} can't be written in ${encoding}`);
    }
  }
  parseFileNameTemplate(output.fileName, at("fileName"));
  return output;
}
