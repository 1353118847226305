/**
 * Turning what users hand us (job data, results, checkpoints, a log line's details) into
 * the JSON that will be stored, so what they read back is what was stored.
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
 * `value` as stored JSON would give it back: `undefined` becomes `null`, errors become
 * plain objects.
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
  return text === undefined ? null : JSON.parse(text);
}
