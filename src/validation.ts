/**
 * Checking input against its schema (TypeBox: the same schema is the validation, the
 * TypeScript type and, later, the OpenAPI document). A failure becomes one `badRequest`
 * error that names the field and the reason, the way every Sundial message does.
 */
import { readFile } from "node:fs/promises";
import type { Static, TSchema } from "typebox";
import { Compile } from "typebox/compile";
import { Value } from "typebox/value";
import { SundialError } from "./errors.js";

interface SchemaError {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

/** `/invokeContext/script` → `invokeContext.script`, with `prefix` (a file, say) in front. */
function fieldOf(path: string, prefix: string): string {
  const dotted = path
    .split("/")
    .filter((part) => part !== "")
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join("")
    .replace(/^\./, "");
  return [prefix, dotted].filter((part) => part !== "").join(".") || "(the whole value)";
}

function valueAt(value: unknown, path: string): unknown {
  let here: unknown = value;
  for (const part of path.split("/").filter((p) => p !== "")) {
    here =
      here !== null && typeof here === "object"
        ? (here as Record<string, unknown>)[part]
        : undefined;
  }
  return here;
}

const shown = (value: unknown): string =>
  typeof value === "string" ? `"${value}"` : (JSON.stringify(value) ?? "undefined");

/** The most useful message among a value's schema errors. */
function explain(
  errors: readonly SchemaError[],
  value: unknown,
  prefix: string,
): { field: string; message: string } {
  const extra = errors.find((e) => e.keyword === "additionalProperties");
  if (extra) {
    const key = (extra.params.additionalProperties as string[] | undefined)?.[0] ?? "?";
    const field = fieldOf(`${extra.instancePath}/${key}`, prefix);
    return { field, message: `${field}: is not a known setting; check its spelling` };
  }
  const required = errors.find((e) => e.keyword === "required");
  if (required) {
    const missing = (required.params.requiredProperties as string[] | undefined)?.[0] ?? "?";
    const field = fieldOf(`${required.instancePath}/${missing}`, prefix);
    return { field, message: `${field}: is required` };
  }
  // For a union of constants, list the allowed values rather than each failed branch.
  const consts = errors.filter((e) => e.keyword === "const");
  const first = consts[0];
  if (first) {
    const path = first.instancePath;
    const allowed = consts
      .filter((e) => e.instancePath === path)
      .map((e) => shown(e.params.allowedValue));
    const field = fieldOf(path, prefix);
    return {
      field,
      message: `${field}: ${shown(valueAt(value, path))} is not one of ${allowed.join(", ")}`,
    };
  }
  const error = errors.find((e) => e.keyword !== "anyOf" && e.keyword !== "boolean") ?? errors[0];
  if (!error) return { field: prefix || "(the whole value)", message: "is invalid" };
  const field = fieldOf(error.instancePath, prefix);
  return {
    field,
    message: `${field}: ${shown(valueAt(value, error.instancePath))} ${error.message}`,
  };
}

/**
 * Checkers of the schemas used more than once, compiled at their second use: Value.Check
 * walks the schema on every call, which was a tenth of enqueueing a batch of jobs
 * (bench/queue). A schema made for one call is walked, as compiling it would cost more.
 */
const checkers = new WeakMap<TSchema, { Check(value: unknown): boolean } | "seen">();

function check(schema: TSchema, value: unknown): boolean {
  const checker = checkers.get(schema);
  if (checker === undefined || checker === "seen") {
    checkers.set(schema, checker === undefined ? "seen" : Compile(schema));
    return Value.Check(schema, value);
  }
  return checker.Check(value);
}

/**
 * Returns `value` typed by `schema`, or throws `badRequest` naming the first bad field.
 * @example const input = validate(ScheduleInputSchema, JSON.parse(text), "conf/schedule-a.json");
 */
export function validate<S extends TSchema>(schema: S, value: unknown, prefix = ""): Static<S> {
  if (check(schema, value)) return value as Static<S>;
  const { field, message } = explain(
    [...Value.Errors(schema, value)] as SchemaError[],
    value,
    prefix,
  );
  throw new SundialError("badRequest", message, { field });
}

/**
 * A JSON file a user wrote (a configuration file): its parsed content, or `undefined` when
 * it does not exist and is not `required`.
 * @throws SundialError `badRequest` naming `source` (the flag or variable that named the
 *   file, else the file) when it can't be read, or the file when it is not JSON.
 */
export async function readJsonFile(
  file: string,
  options: { readonly required?: boolean; readonly source?: string } = {},
): Promise<unknown> {
  const source = options.source ?? file;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && options.required !== true) return undefined;
    throw new SundialError(
      "badRequest",
      `${source}: cannot read ${file}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`,
      { field: source, cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SundialError(
      "badRequest",
      `${file}: is not valid JSON: ${(error as Error).message}`,
      {
        field: file,
      },
    );
  }
}
