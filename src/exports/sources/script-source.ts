/**
 * The script data source: a JavaScript module whose default export is the data, or a
 * function of `{ parameters }` giving it (awaited):
 *
 * - `{ headerRow: ["id", "name"], data: [{ id: 1, name: "Ada" }, …] }` for a table (CSV):
 *   every object in `data` must have a key for every name of `headerRow`, or the run fails
 *   naming the row and the key; other keys are left out;
 * - `[{ id: 1, name: "Ada" }, …]`, objects as they are (JSON).
 *
 * It runs in a worker thread with a time and a memory limit, and an empty environment (the
 * server's variables hold its secrets); its result comes back whole, so it suits data a
 * script can hold in memory.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { type Static, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { validate } from "../../validation.js";
import type { SourceContext } from "../export-run-context.js";
import type { Row } from "../row-source.js";

export const ScriptSourceSchema = Type.Object(
  {
    type: Type.Literal("script"),
    /** The module's source text (ESM): `export default async ({ parameters }) => ({ headerRow, data })`. */
    script: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    /** How long it may run; default 60,000. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 3_600_000 })),
    /** Its heap; default 256 MB. */
    maxMemoryMb: Type.Optional(Type.Integer({ minimum: 16, maximum: 8192 })),
  },
  { additionalProperties: false },
);
export type ScriptSource = Static<typeof ScriptSourceSchema>;

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MEMORY_MB = 256;

/**
 * Checks a script source's settings (not the script: it is compiled when it runs).
 * @throws SundialError `badRequest` naming the field, e.g. `source.timeoutMs`.
 * @example checkScriptSource({ type: "script", script: "export default [{ id: 1 }]" }, "source");
 */
export function checkScriptSource(value: unknown, field = ""): ScriptSource {
  const source = validate(ScriptSourceSchema, value, field);
  if (source.script.trim() === "") {
    const at = field === "" ? "script" : `${field}.script`;
    throw new SundialError("badRequest", `${at}: is blank; give the module's source`, {
      field: at,
    });
  }
  return source;
}

/**
 * The worker's program, started from text (a worker file would have to exist as
 * JavaScript both from the TypeScript sources and from dist/): it imports the module,
 * calls its default export if it is a function, and posts the result or the failure.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  try {
    const module = await import(workerData.url);
    if (!("default" in module)) throw new Error("the module has no default export; export default the data, or a function giving it");
    const value = typeof module.default === "function"
      ? await module.default({ parameters: workerData.parameters })
      : await module.default;
    try {
      parentPort.postMessage({ ok: true, value });
    } catch (error) {
      parentPort.postMessage({ ok: false, message: "its result can't be passed back (" + error.message + "); return plain data: objects, arrays, strings, numbers, dates" });
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = error instanceof Error && typeof error.stack === "string"
      ? (error.stack.split("\\n").find((line) => line.includes(workerData.url)) || "").trim()
      : "";
    parentPort.postMessage({ ok: false, message: at === "" ? message : message + " (" + at.replace(workerData.url, "the script") + ")" });
  }
})();
`;

type WorkerAnswer = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * The script's rows.
 * @throws SundialError `sourceFailed` when the script throws, times out, runs out of memory
 *   or returns something else than a table or a list; `invalidRow` naming the row and the
 *   key an object of `data` lacks.
 */
export async function scriptRows(
  source: ScriptSource,
  context: SourceContext,
): Promise<Generator<Row>> {
  const file = join(context.workDirectory, `.sundial-script-${process.hrtime.bigint()}.mjs`);
  await writeFile(file, source.script);
  const timeoutMs = source.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const memoryMb = source.maxMemoryMb ?? DEFAULT_MEMORY_MB;
  context.log("INFO", "running the script");
  const value = await runInWorker(file, context, timeoutMs, memoryMb);
  return rowsOf(value);
}

function failed(reason: string, cause?: unknown): SundialError {
  return new SundialError("sourceFailed", `the script ${reason}`, {
    field: "source.script",
    ...(cause === undefined ? {} : { cause }),
  });
}

function runInWorker(
  file: string,
  context: SourceContext,
  timeoutMs: number,
  memoryMb: number,
): Promise<unknown> {
  const { signal } = context;
  signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { url: pathToFileURL(file).href, parameters: { ...context.parameters } },
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: memoryMb },
      stdout: true,
      stderr: true,
    });
    // Its console goes nowhere: a script reports through its result or by throwing.
    worker.stdout.resume();
    worker.stderr.resume();
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      void worker.terminate();
      outcome();
    };
    const timer = setTimeout(
      () => finish(() => reject(failed(`did not finish within ${timeoutMs / 1000} s`))),
      timeoutMs,
    );
    const onAbort = () => finish(() => reject(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.once("message", (answer: WorkerAnswer) =>
      finish(() =>
        answer.ok ? resolve(answer.value) : reject(failed(`failed: ${answer.message}`)),
      ),
    );
    worker.once("error", (error: Error & { code?: string }) =>
      finish(() =>
        reject(
          error.code === "ERR_WORKER_OUT_OF_MEMORY"
            ? failed(`ran out of memory (its limit is ${memoryMb} MB; raise maxMemoryMb)`, error)
            : failed(`failed: ${error.message}`, error),
        ),
      ),
    );
    worker.once("exit", (code) =>
      finish(() =>
        reject(
          failed(
            `ended (exit code ${code}) without giving its data: it awaited something that can never settle`,
          ),
        ),
      ),
    );
  });
}

/** The rows of what the script gave: a table's header row and arrays, or a list's objects. */
function* rowsOf(value: unknown): Generator<Row> {
  if (Array.isArray(value)) {
    yield* value as Row[];
    return;
  }
  const table = value as { headerRow?: unknown; data?: unknown } | null;
  if (table === null || typeof table !== "object" || !("headerRow" in table)) {
    throw failed(
      `gave ${describe(value)}; give { headerRow, data } for a table, or an array of objects`,
    );
  }
  const { headerRow, data } = table;
  if (!Array.isArray(headerRow) || headerRow.some((name) => typeof name !== "string")) {
    throw failed("gave a headerRow that is not a list of column names (strings)");
  }
  if (!Array.isArray(data)) throw failed(`gave data that is ${describe(data)}, not an array`);
  const names = headerRow as string[];
  yield names;
  for (const [i, item] of data.entries()) {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      throw new SundialError("invalidRow", `row ${i + 1}: is ${describe(item)}, not an object`, {
        field: "source.script",
      });
    }
    const missing = names.find((name) => !Object.hasOwn(item, name));
    if (missing !== undefined) {
      throw new SundialError(
        "invalidRow",
        `row ${i + 1}: has no key "${missing}" (the header row names ${names.join(", ")})`,
        { field: "source.script" },
      );
    }
    yield names.map((name) => (item as Record<string, unknown>)[name]);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
