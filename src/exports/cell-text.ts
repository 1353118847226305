/**
 * How values are written into text files (CSV cells, text lines) and JSON, the same way in
 * every format, and which characters an encoding can hold.
 */
import { civilFromDays } from "../calendar/civil.js";
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
      if (value instanceof Date) return instantText(value.getTime());
      if (value instanceof Uint8Array) return base64(value);
      return JSON.stringify(value, jsonReplacer) ?? "";
    default:
      return "";
  }
}

/**
 * An instant (milliseconds since 1970) as ISO 8601 in UTC, as `Date.toISOString` writes it,
 * or "" when it is not a time. Written here by arithmetic: `toISOString` took three times
 * as long, and an export of a table with an instant column spent a tenth of its time in it
 * (bench/export).
 * @example instantText(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) // "2026-01-02T03:04:05.006Z"
 */
export function instantText(ms: number): string {
  if (!(ms >= FIRST_FOUR_DIGIT_YEAR && ms < FIRST_FIVE_DIGIT_YEAR)) {
    return Number.isNaN(ms) ? "" : new Date(ms).toISOString();
  }
  const days = Math.floor(ms / DAY_MS);
  let rest = ms - days * DAY_MS;
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  civilFromDays(days, civil);
  const milli = rest - second * 1000;
  return utcFieldsText(
    civil[0] as number,
    civil[1] as number,
    civil[2] as number,
    hour,
    minute,
    second,
    milli,
  );
}

/** civilFromDays' answer, reused: an array per value would cost more than the text. */
const civil = [0, 0, 0];

/**
 * The text {@link instantText} gives the instant of these fields in UTC, for a year of four
 * digits and fields in their ranges (month 1-12, hour 0-23…).
 */
export function utcFieldsText(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  milli: number,
): string {
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000),
    ZERO + (Math.floor(year / 100) % 10),
    ZERO + (Math.floor(year / 10) % 10),
    ZERO + (year % 10),
    DASH,
    ZERO + Math.floor(month / 10),
    ZERO + (month % 10),
    DASH,
    ZERO + Math.floor(day / 10),
    ZERO + (day % 10),
    T,
    ZERO + Math.floor(hour / 10),
    ZERO + (hour % 10),
    COLON,
    ZERO + Math.floor(minute / 10),
    ZERO + (minute % 10),
    COLON,
    ZERO + Math.floor(second / 10),
    ZERO + (second % 10),
    DOT,
    ZERO + Math.floor(milli / 100),
    ZERO + (Math.floor(milli / 10) % 10),
    ZERO + (milli % 10),
    Z,
  );
}

const DAY_MS = 86_400_000;
/** Years 0000 to 9999 have four digits; toISOString writes others with a sign and six. */
const FIRST_FOUR_DIGIT_YEAR = Date.parse("0000-01-01T00:00:00Z");
const FIRST_FIVE_DIGIT_YEAR = Date.parse("+010000-01-01T00:00:00Z");
const ZERO = 0x30;
const DASH = 0x2d;
const T = 0x54;
const COLON = 0x3a;
const DOT = 0x2e;
const Z = 0x5a;

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
