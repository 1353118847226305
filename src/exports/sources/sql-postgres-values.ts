/**
 * What the SQL source makes of each PostgreSQL value, read from the bytes of the server's
 * text form (UTF-8), by the column's type:
 *
 * - integers as numbers when exact, else bigints; `numeric` as text (exact);
 * - `timestamptz` as instants (Dates);
 * - `date` and `timestamp` (without zone) as the text the server gives, since they name no
 *   instant and a Date would invent one in the local zone;
 * - every other type as pg's own parser makes it of the text.
 *
 * For a reader that writes nothing of a value but its text (`RowBatchOptions.text`), some
 * types give that text rather than the value, made straight from the server's bytes:
 * integers as the server writes them, booleans as `true`/`false`, instants in ISO 8601 UTC.
 * Each is the text `cellText` gives the value; test/exports/sources/sql.postgres.test.ts
 * holds them to it.
 */
import pg from "pg";
import { cellText, instantText, utcFieldsText } from "../cell-text.js";
import { exactInteger } from "./sql-cursor.js";

/** A column's value from the bytes `start` to `end` of `bytes`. */
export type ValueReader = (bytes: Buffer, start: number, end: number) => unknown;

const BOOL = 16;
const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
/** No type has oid 0. */
const NO_TYPE: number = 0;

/** How the server writes `true`. */
const TRUE = 0x74;
const ZERO = 0x30;
const MINUS = 0x2d;
const PLUS = 0x2b;
const SPACE = 0x20;
const DOT = 0x2e;
const COLON = 0x3a;

/** Digits a double holds exactly, whatever they are. */
const EXACT_DIGITS = 15;
/** Up to this many bytes, characters are made in JavaScript: a call to a decoder costs more. */
const SHORT = 8;

/**
 * How a column of type `oid` is read; `text` for a reader that writes only values' text.
 * @example valueReader(20, false)(Buffer.from("42"), 0, 2) // 42
 */
export function valueReader(oid: number, text: boolean): ValueReader {
  const own = (text ? TEXTS[oid] : undefined) ?? VALUES[oid];
  if (own !== undefined) return own;
  const parse = pg.types.getTypeParser(oid, "text") as (text: string) => unknown;
  if (parse === keepText) return textOf;
  return (bytes, start, end) => parse(textOf(bytes, start, end) as string);
}

// Buffer's own decoders: toString looks the encoding up on every call, which was a fifth
// of reading a row (bench/export). Node has had them for years; elsewhere, toString.
type Decoders = Record<"utf8Slice" | "latin1Slice", (start: number, end: number) => string>;
const decoders = typeof (Buffer.prototype as Partial<Decoders>).utf8Slice === "function";
const utf8Of: ValueReader = decoders
  ? (bytes, start, end) => (bytes as Buffer & Decoders).utf8Slice(start, end)
  : (bytes, start, end) => bytes.toString("utf8", start, end);
const latin1Of: ValueReader = decoders
  ? (bytes, start, end) => (bytes as Buffer & Decoders).latin1Slice(start, end)
  : (bytes, start, end) => bytes.toString("latin1", start, end);

/** Text in UTF-8. */
const textOf: ValueReader = (bytes, start, end) => {
  if (end - start > SHORT) return utf8Of(bytes, start, end);
  let bits = 0;
  for (let at = start; at < end; at++) bits |= bytes[at] as number;
  return bits < 0x80 ? short(bytes, start, end) : utf8Of(bytes, start, end);
};

/** Text the server writes in ASCII (numbers, instants): a character per byte. */
const asciiOf: ValueReader = (bytes, start, end) =>
  end - start > SHORT ? latin1Of(bytes, start, end) : short(bytes, start, end);

/** The bytes of a message are all there: its length was checked. */
const chars = String.fromCharCode as (...codes: (number | undefined)[]) => string;

/** Bytes `start` to `end` (at most {@link SHORT}) as the characters of the same codes. */
function short(b: Buffer, s: number, end: number): string {
  // Indexed one by one: a helper closure was allocated on every call.
  switch (end - s) {
    case 0:
      return "";
    case 1:
      return chars(b[s]);
    case 2:
      return chars(b[s], b[s + 1]);
    case 3:
      return chars(b[s], b[s + 1], b[s + 2]);
    case 4:
      return chars(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5:
      return chars(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6:
      return chars(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7:
      return chars(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    default:
      return chars(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
  }
}

/** An integer's text, `-` and digits, as a number, or through exactInteger when it is long. */
const integer: ValueReader = (bytes, start, end) => {
  const negative = bytes[start] === MINUS;
  let at = negative ? start + 1 : start;
  if (end - at > EXACT_DIGITS) return exactInteger(asciiOf(bytes, start, end) as string);
  let value = 0;
  for (; at < end; at++) value = value * 10 + ((bytes[at] as number) - ZERO);
  return negative ? -value : value;
};

/** The parser pg gives a type it has none for (text, numeric…): it keeps the text. */
const keepText = pg.types.getTypeParser(NO_TYPE, "text");
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ, "text") as (
  text: string,
) => Date | number;

const VALUES: Readonly<Record<number, ValueReader>> = {
  // The server writes a boolean as `t` or `f`.
  [BOOL]: (bytes, start) => bytes[start] === TRUE,
  [INT2]: integer,
  [INT4]: integer,
  [INT8]: integer,
  [DATE]: textOf,
  [TIMESTAMP]: textOf,
  [TIMESTAMPTZ]: (bytes, start, end) =>
    readTimestamptz(bytes, start, end)
      ? new Date(timestamptzMs())
      : parseTimestamptz(asciiOf(bytes, start, end) as string),
};

const TEXTS: Readonly<Record<number, ValueReader>> = {
  [BOOL]: (bytes, start) => (bytes[start] === TRUE ? "true" : "false"),
  // The server writes integers as String() does: no `+`, no leading zeros.
  [INT2]: asciiOf,
  [INT4]: asciiOf,
  [INT8]: asciiOf,
  [TIMESTAMPTZ]: (bytes, start, end) => {
    if (!readTimestamptz(bytes, start, end)) {
      return cellText(parseTimestamptz(asciiOf(bytes, start, end) as string));
    }
    // On a server whose zone is UTC the fields are the instant's own.
    return offset === 0
      ? utcFieldsText(year, month, day, hour, minute, second, milli)
      : instantText(timestamptzMs());
  },
};

// The fields of the last timestamptz read: returning them would allocate an object a value.
let year = 0;
let month = 0;
let day = 0;
let hour = 0;
let minute = 0;
let second = 0;
let milli = 0;
/** Seconds east of UTC. */
let offset = 0;

/**
 * Reads a `timestamptz` in the server's ISO output (`2026-03-27 06:00:00.123456+01:30`)
 * into the fields above, digit by digit: pg's parser, a regular expression a value, was
 * the largest cost of reading rows (bench/export). Microseconds are cut to milliseconds,
 * as pg's parser does. False for the forms left to pg's parser: BC, infinity, years before
 * 1000 or after 9999, another DateStyle.
 */
function readTimestamptz(bytes: Buffer, start: number, end: number): boolean {
  // "YYYY-MM-DD HH:MM:SS" then optional ".f…", then "±HH", optional ":MM", optional ":SS".
  if (
    end - start < 22 ||
    bytes[start + 4] !== MINUS ||
    bytes[start + 10] !== SPACE ||
    bytes[start] === ZERO
  ) {
    return false;
  }
  let at = start + 19;
  milli = 0;
  if (bytes[at] === DOT) {
    at++;
    for (let scale = 100; at < end && digitAt(bytes, at) >= 0; at++, scale /= 10) {
      if (scale >= 1) milli += digitAt(bytes, at) * scale;
    }
  }
  const sign = bytes[at];
  if ((sign !== PLUS && sign !== MINUS) || at + 3 > end) return false;
  offset = two(bytes, at + 1) * 3600;
  at += 3;
  if (at < end && bytes[at] === COLON) {
    offset += two(bytes, at + 1) * 60;
    at += 3;
  }
  if (at < end && bytes[at] === COLON) {
    offset += two(bytes, at + 1);
    at += 3;
  }
  if (sign === MINUS) offset = -offset;
  year = two(bytes, start) * 100 + two(bytes, start + 2);
  month = two(bytes, start + 5);
  day = two(bytes, start + 8);
  hour = two(bytes, start + 11);
  minute = two(bytes, start + 14);
  second = two(bytes, start + 17);
  // NaN (a character that is not a digit) fails the sum's test as well.
  return at === end && Number.isFinite(year + month + day + hour + minute + second + offset);
}

/** The instant of the last timestamptz read. */
function timestamptzMs(): number {
  return Date.UTC(year, month - 1, day, hour, minute, second, milli) - offset * 1000;
}

/** The digit at `at`, or -1. */
function digitAt(bytes: Buffer, at: number): number {
  const digit = (bytes[at] as number) - ZERO;
  return digit >= 0 && digit <= 9 ? digit : -1;
}

/** Two decimal digits at `at`, or NaN. */
function two(bytes: Buffer, at: number): number {
  const tens = digitAt(bytes, at);
  const ones = digitAt(bytes, at + 1);
  return tens >= 0 && ones >= 0 ? tens * 10 + ones : Number.NaN;
}
