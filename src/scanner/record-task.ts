/**
 * One record's task, run by the invoker this node defined for its type (`script`,
 * `command` or `http`: the same handler, options and checks as their own jobs), inside
 * the scan's job: its log lines are the scan's, its signal the scan's. What the task is
 * given of the record depends on what it is:
 *
 * - a script: `input` (the record) and `objectID` (its id), as globals;
 * - a command: the environment variables `SUNDIAL_OBJECT_ID` and `SUNDIAL_INPUT` (the
 *   record as JSON);
 * - a request: `${objectID}` in its URL (percent-encoded), and, for POST, PUT and PATCH
 *   without a body of its own, the body `{ "objectID": …, "input": … }`.
 */
import { SundialError } from "../errors.js";
import { jsonReplacer } from "../exports/cell-text.js";
import type { Job } from "../jobs/job.js";
import type { JobHandler, JobLogger } from "../jobs/job-context.js";
import type { JobRegistry } from "../jobs/job-registry.js";
import type { RecordTask } from "./scan-context.js";
import type { ScanRecord } from "./scan-database.js";

/** Methods whose request carries the record when the task gives no body. */
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

/**
 * The record as JSON values: dates as ISO text, integers beyond 2^53 as their digits,
 * bytes as base64 (what an export's JSON file holds).
 */
export function jsonRecord(record: ScanRecord): Record<string, unknown> {
  return JSON.parse(JSON.stringify(record, jsonReplacer)) as Record<string, unknown>;
}

/**
 * The invoke context `task` runs with for one record.
 * @example recordInvokeContext({ type: "command", context: { command: "notify" } }, { id: 7 }, "7")
 *   // { command: "notify", env: { SUNDIAL_OBJECT_ID: "7", SUNDIAL_INPUT: '{"id":7}' } }
 */
export function recordInvokeContext(
  task: RecordTask,
  input: Record<string, unknown>,
  objectID: string,
): Record<string, unknown> {
  const context = task.context;
  switch (task.type) {
    case "script":
      return { ...context, input, objectID };
    case "command":
      return {
        ...context,
        env: {
          ...(context.env as Record<string, string> | undefined),
          SUNDIAL_OBJECT_ID: objectID,
          SUNDIAL_INPUT: JSON.stringify(input),
        },
      };
    case "http": {
      const method = (context.method as string | undefined) ?? "GET";
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the placeholder users write in a URL.
      const url = (context.url as string).replaceAll("${objectID}", encodeURIComponent(objectID));
      const carries = context.body === undefined && BODY_METHODS.has(method);
      return { ...context, url, ...(carries ? { body: { objectID, input } } : {}) };
    }
  }
}

/**
 * The handler this node defined for the task's type.
 * @throws SundialError `badRequest` naming `invokeContext.task` when it defined none.
 */
export function recordTaskHandler(registry: JobRegistry, task: RecordTask): JobHandler {
  const definition = registry.get(task.type);
  if (definition === undefined) {
    throw new SundialError(
      "badRequest",
      `invokeContext.task: this node has no ${task.type} invoker (its invokers settings turned it off), so it can't run the task`,
      { field: "invokeContext.task" },
    );
  }
  return definition.handler;
}

/** What a record's task is run within: the scan's job, signal and log. */
export interface RecordRun {
  readonly job: Job;
  readonly signal: AbortSignal;
  readonly log: JobLogger;
}

/**
 * Runs `task` for one record with `handler` (see {@link recordTaskHandler}) and resolves
 * with what it returned.
 * @throws what the invoker throws when the task fails (an `InvokerError`, a `SundialError`
 *   for a context it refuses), the signal's reason when stopped.
 */
export async function runRecordTask(
  handler: JobHandler,
  run: RecordRun,
  task: RecordTask,
  input: Record<string, unknown>,
  objectID: string,
): Promise<unknown> {
  return handler({
    job: run.job,
    data: recordInvokeContext(task, input, objectID),
    signal: run.signal,
    checkpoint: null,
    log: run.log,
    // A record's task is a part of the scan: the scan reports progress, and has no checkpoint.
    progress: async () => {},
    saveCheckpoint: async () => {},
  });
}
