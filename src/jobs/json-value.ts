/**
 * Turning what users hand us (job data, results, checkpoints, a log line's details) into
 * the JSON and text that will be stored, so what they read back is what was stored, on
 * either database.
 */
import { SundialError } from "../errors.js";

/** Errors keep their name, message, code and stack (JSON.stringify would give `{}`); bigints become text. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      ...(code === undefined ? {} : { code }),
      ...(value.stack === undefined ? {} : { stack: value.stack }),
    };
  }
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * `text` with each NUL character (U+0000) replaced by U+FFFD. PostgreSQL refuses NUL in
 * text and jsonb where SQLite takes it, so a program printing one would fail its job with
 * a database error; replacing it on both keeps them alike.
 * @example withoutNul("a\u0000b") // "a\uFFFDb"
 */
export function withoutNul(text: string): string {
  return text.includes("\0") ? text.replaceAll("\0", "\uFFFD") : text;
}

/** A UTF-16 surrogate without its other half: no character, so no UTF-8 either. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/**
 * How JSON.stringify writes a lone surrogate (ES2019): an escape, which PostgreSQL's jsonb
 * refuses ("Unicode low surrogate must follow a high surrogate") where SQLite keeps it.
 * Paired surrogates are written as the character itself.
 */
const ESCAPED_SURROGATE = /\\ud[89a-f]/;

/**
 * `text` as it can be stored as JSON on both databases: NUL as {@link withoutNul}, and each
 * lone surrogate (a string cut inside an emoji, say) replaced by U+FFFD, as UTF-8
 * encoding already does to text columns.
 */
function storableText(text: string): string {
  return withoutNul(text).replace(LONE_SURROGATE, "\uFFFD");
}

/** JSON.parse's reviver: strings and keys {@link storableText}. */
function reviveStorable(_key: string, value: unknown): unknown {
  if (typeof value === "string") return storableText(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.every((key) => storableText(key) === key)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [storableText(key), v]));
}

/**
 * `value` as stored JSON would give it back: `undefined` becomes `null`, errors become
 * plain objects, NUL characters and lone surrogates in strings and keys become U+FFFD
 * ({@link storableText}).
 * @throws SundialError `badRequest` naming `field` when it can't be JSON (a cycle).
 * @example jsonValue({ at: new Date(0) }, "data") // { at: "1970-01-01T00:00:00.000Z" }
 */
export function jsonValue(value: unknown, field: string): unknown {
  if (value === undefined || value === null) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value, replacer);
  } catch (error) {
    throw new SundialError(
      "badRequest",
      `${field}: cannot be stored as JSON (${(error as Error).message})`,
      { field, cause: error },
    );
  }
  if (text === undefined) return null;
  // JSON.stringify escapes both: without an escape, the reviver's walk is saved.
  return text.includes("\\u0000") || ESCAPED_SURROGATE.test(text)
    ? JSON.parse(text, reviveStorable)
    : JSON.parse(text);
}
