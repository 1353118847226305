/**
 * `sundial next --batch`: JSON Lines requests on stdin, one JSON line answered per request,
 * in order, so another program (a migration script, a test harness, a peer comparison)
 * can check thousands of expressions with one process start.
 *
 * A request that cannot be answered gets an error line and the batch goes on; only a
 * failure to read stdin or write stdout ends it.
 */
import { createInterface } from "node:readline";
import {
  type DstOption,
  MAX_COUNT,
  nextFireTimes,
  parseDstText,
  parseTrigger,
  type Trigger,
  type TriggerSpec,
} from "../../calendar/index.js";
import { type ErrorCode, errorCodeOf } from "../../errors.js";
import type { CliIo } from "../command.js";
import { LineWriter } from "../line-writer.js";

type Id = string | number | null;

/** Thrown for a request that is malformed before any trigger is looked at. */
class BadRequest extends Error {}

/** Keys a request may have beyond its trigger spec; the rest is the spec. */
const REQUEST_KEYS = new Set(["id", "from", "count"]);
const TRIGGER_FORMS = ["expression", "every", "at"] as const;

/**
 * Parsed triggers by spec. Batches tend to repeat a handful of expressions over many
 * `from`s; the bound keeps a batch of all-different expressions from holding them all.
 */
class TriggerCache {
  private readonly entries = new Map<string, Trigger | Error>();
  constructor(private readonly limit: number) {}

  get(spec: Record<string, unknown>): Trigger {
    const key = JSON.stringify(spec);
    let entry = this.entries.get(key);
    if (entry === undefined) {
      try {
        entry = parseTrigger(toTriggerSpec(spec));
      } catch (error) {
        entry = error instanceof Error ? error : new Error(String(error));
      }
      if (this.entries.size >= this.limit) {
        this.entries.delete(this.entries.keys().next().value as string);
      }
    } else {
      // Re-inserting moves the key to the end, so the oldest key is the least recently used.
      this.entries.delete(key);
    }
    this.entries.set(key, entry);
    if (entry instanceof Error) throw entry;
    return entry;
  }
}

/** The spec as parseTrigger takes it; `dst` may also come in its CLI text form. */
function toTriggerSpec(spec: Record<string, unknown>): TriggerSpec {
  const dst = spec.dst;
  if (typeof dst !== "string" || dst === "quartz" || dst === "default") return spec as TriggerSpec;
  return { ...(spec as TriggerSpec), dst: parseDstText(dst) as DstOption };
}

function idOf(request: Record<string, unknown>): Id {
  const id = request.id;
  if (typeof id === "string" || (typeof id === "number" && Number.isFinite(id))) return id;
  return null;
}

function describeJson(value: unknown): string {
  return value === undefined ? "missing" : JSON.stringify(value);
}

/** Answers one request line with the JSON line to write. */
function answer(
  text: string,
  lineNumber: number,
  cache: TriggerCache,
  debug: CliIo["stderr"] | undefined,
): string {
  let id: Id = null;
  try {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch (error) {
      throw new BadRequest(`line ${lineNumber}: not valid JSON (${(error as Error).message})`);
    }
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      throw new BadRequest(
        `line ${lineNumber}: a request must be a JSON object, e.g. {"id":1,"expression":"0 0 6 * * ?","from":"2026-01-01T00:00:00Z","count":5}`,
      );
    }
    const fields = request as Record<string, unknown>;
    id = idOf(fields);
    if (id === null) {
      throw new BadRequest(
        `line ${lineNumber}: id is ${describeJson(fields.id)}; give a string or a number`,
      );
    }
    const { from, count } = fields;
    if (typeof from !== "string" && typeof from !== "number") {
      throw new BadRequest(
        `from is ${describeJson(from)}; give an ISO 8601 instant such as "2026-01-01T00:00:00Z"`,
      );
    }
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
      throw new BadRequest(
        `count is ${describeJson(count)}; give a whole number from 1 to ${MAX_COUNT}`,
      );
    }
    if (!TRIGGER_FORMS.some((key) => fields[key] !== undefined)) {
      throw new BadRequest(
        "expression is missing; give an expression (or every + unit + anchor, or at)",
      );
    }
    const spec: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(fields)) {
      if (!REQUEST_KEYS.has(key)) spec[key] = value;
    }
    const next = nextFireTimes(cache.get(spec), { from, count });
    return JSON.stringify({ id, next: next.map((fire) => fire.toISOString()) });
  } catch (error) {
    return JSON.stringify({ id, error: errorOf(error, debug) });
  }
}

function errorOf(
  error: unknown,
  debug: CliIo["stderr"] | undefined,
): { code: ErrorCode; message: string } {
  if (error instanceof BadRequest) return { code: "badRequest", message: error.message };
  const code = errorCodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === "internal" && debug !== undefined)
    debug.write(`${(error as Error)?.stack ?? message}\n`);
  return { code, message };
}

/** Reads requests from stdin until it ends; resolves to the exit code (0: the batch ran). */
export async function runBatch(io: CliIo): Promise<number> {
  const cache = new TriggerCache(1024);
  const out = new LineWriter(io.stdout);
  const debug = io.env.SUNDIAL_DEBUG === "1" ? io.stderr : undefined;
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      // Blank lines (often a stray one at the end of a file) are not requests.
      if (line.trim() === "") continue;
      await out.line(answer(line, lineNumber, cache, debug));
      if (out.closed) break;
    }
  } finally {
    lines.close();
  }
  await out.flush();
  return 0;
}
