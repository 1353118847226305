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

/** JSON.parse's reviver: strings and keys {@link withoutNul}. */
function reviveWithoutNul(_key: string, value: unknown): unknown {
  if (typeof value === "string") return withoutNul(value);
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  if (!Object.keys(value).some((key) => key.includes("\0"))) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [withoutNul(key), v]));
}

/**
 * `value` as stored JSON would give it back: `undefined` becomes `null`, errors become
 * plain objects, NUL characters in strings and keys become U+FFFD ({@link withoutNul}).
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
  // JSON.stringify writes NUL as \u0000: without one, the reviver's walk is saved.
  return text.includes("\\u0000") ? JSON.parse(text, reviveWithoutNul) : JSON.parse(text);
}
