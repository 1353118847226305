/**
 * How values are written into text files (CSV cells, text lines) and JSON, the same way in
 * every format, and which characters an encoding can hold.
 */
import { SundialError } from "../errors.js";

export type Encoding = "utf8" | "utf16le" | "latin1";

/**
 * The text of one value: `null` and `undefined` are empty, booleans `true`/`false`, dates
 * ISO 8601 in UTC, bytes base64, other objects JSON.
 * @example cellText(new Date(Date.UTC(2026, 0, 2))) // "2026-01-02T00:00:00.000Z"
 */
export function cellText(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
    case "bigint":
    case "boolean":
      return String(value);
    case "undefined":
      return "";
    case "object":
      if (value === null) return "";
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString();
      if (value instanceof Uint8Array) return base64(value);
      return JSON.stringify(value, jsonReplacer) ?? "";
    default:
      return "";
  }
}

/**
 * A `JSON.stringify` replacer for values JSON lacks: a bigint becomes its decimal string
 * (PostgreSQL's int8 would otherwise throw), bytes become base64.
 */
export function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  // Buffer's own toJSON has already run; the holder still has the bytes.
  const raw = (this as Record<string, unknown> | null)?.[key];
  if (raw instanceof Uint8Array) return base64(raw);
  return value;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

// Everything above U+00FF: latin1 has no byte for it.
const NOT_LATIN1 = /[\u0100-\u{10ffff}]/u;

/**
 * The first character of `text` that `encoding` can't write, if any. Only latin1 lacks
 * characters; Node would silently write a wrong byte for them.
 */
export function unwritableCharacter(text: string, encoding: Encoding): string | undefined {
  if (encoding !== "latin1") return undefined;
  return NOT_LATIN1.exec(text)?.[0];
}

/** Describes a character for a message: `"€" (U+20AC)`. */
export function describeCharacter(character: string): string {
  const code = (character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0");
  return `${JSON.stringify(character)} (U+${code})`;
}

/**
 * The `invalidRow` error for a value that can't be written.
 * @param where `row 3, column "name"`, or `the header row, column 2`.
 */
export function unwritable(where: string, reason: string): SundialError {
  return new SundialError("invalidRow", `${where}: ${reason}`, { field: "rows" });
}

/** What an encoding's byte order mark is, for formats that offer `bom`. */
export function byteOrderMark(encoding: Encoding): Buffer {
  if (encoding === "utf8") return Buffer.from([0xef, 0xbb, 0xbf]);
  if (encoding === "utf16le") return Buffer.from([0xff, 0xfe]);
  return Buffer.alloc(0);
}
