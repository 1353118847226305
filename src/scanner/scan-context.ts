/**
 * The invoke context of the `taskScanner` job type, as a schedule holds it: which records
 * to scan (`scan`), what to run for each (`task`) and how (`numberOfThreads`, `maxRecords`,
 * `waitForCompletion`). One schema, checked when the schedule is saved, with every message
 * naming its field (`invokeContext.scan.property: …`).
 *
 * @example
 * checkScanContext({
 *   scan: {
 *     connection: "hr", table: "users", property: "sunset_date",
 *     condition: { before: "${Time.now + 1d}" },
 *     taskState: { started: "sunset_started", completed: "sunset_completed" },
 *     recovery: { timeout: "10m" },
 *   },
 *   task: { script: { type: "text/javascript", file: "sunset.js" } },
 * });
 */
import { type Static, Type } from "typebox";
import { TriggerError, validateDelay, type WorkingCalendar } from "../calendar/index.js";
import { SundialError } from "../errors.js";
import { ConnectionRefSchema } from "../exports/connection-ref.js";
import { checkCommandContext } from "../invokers/command-invoker.js";
import { checkHttpContext } from "../invokers/http-invoker.js";
import { checkScriptContext } from "../invokers/script-invoker.js";
import { validate } from "../validation.js";
import { checkCondition } from "./scan-condition.js";
import { checkColumnName, checkTableName } from "./scan-sql.js";

const ConditionValue = Type.Union([Type.String({ minLength: 1, maxLength: 200 }), Type.Number()]);
const Name = Type.String({ minLength: 1, maxLength: 200 });

const ScanSchema = Type.Object(
  {
    /** A stored `postgres`, `mysql` or `sqlite` connection. */
    connection: ConnectionRefSchema,
    /** The table whose records are claimed (`schema.table` allowed): it holds the taskState columns. */
    table: Name,
    /** A SELECT narrowing the records (it gives idColumn and property); default the whole table. */
    query: Type.Optional(Type.String({ minLength: 1, maxLength: 100_000 })),
    /** The record's id, handed to the task as `objectID`; default `id`. */
    idColumn: Type.Optional(Name),
    /** The column the condition compares. */
    property: Name,
    condition: Type.Object(
      { before: Type.Optional(ConditionValue), after: Type.Optional(ConditionValue) },
      { additionalProperties: false },
    ),
    taskState: Type.Object({ started: Name, completed: Name }, { additionalProperties: false }),
    /** How property and taskState hold instants; default `timestamp` (the database's date-time type). */
    timeFormat: Type.Optional(
      Type.Union([
        Type.Literal("timestamp"),
        Type.Literal("epochMillis"),
        Type.Literal("epochSeconds"),
      ]),
    ),
    recovery: Type.Optional(
      Type.Object(
        { timeout: Type.Union([Type.String({ minLength: 1, maxLength: 50 }), Type.Integer()]) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const ScanContextSchema = Type.Object(
  {
    scan: ScanSchema,
    /** A script (`{ "script": … }`), a command (`{ "command": … }`) or a request (`{ "url": … }`). */
    task: Type.Record(Type.String(), Type.Unknown()),
    /** How many records' tasks run at once; default 10. */
    numberOfThreads: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
    /** At most this many matching records per run; default all. */
    maxRecords: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** `execute` waits for the run's end unless told otherwise; default false. */
    waitForCompletion: Type.Optional(Type.Boolean()),
    /** The zone of `d`, `wd`, `M` and `y` in conditions; default the schedule's, else UTC. */
    timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** The working days of `wd`: weekend days (0 Sunday … 6 Saturday) and holidays (YYYY-MM-DD). */
    workingDays: Type.Optional(
      Type.Object(
        {
          weekend: Type.Optional(
            Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
              maxItems: 6,
              uniqueItems: true,
            }),
          ),
          holidays: Type.Optional(Type.Array(Type.String({ maxLength: 10 }), { maxItems: 10_000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** The schedule a run was executed for (`execute` sets it; a fired job knows its schedule). */
    schedule: Type.Optional(Name),
  },
  { additionalProperties: false },
);
export type ScanContext = Static<typeof ScanContextSchema>;

declare module "../jobs/job.js" {
  interface JobTypes {
    taskScanner: ScanContext;
  }
}

/** The job type that runs one scan. */
export const SCANNER_JOB_TYPE = "taskScanner";
export const DEFAULT_THREADS = 10;
export const DEFAULT_RECOVERY_MS = 3_600_000;

/** A record's task: which invoker runs it, and that invoker's context (less input and objectID). */
export interface RecordTask {
  readonly type: "script" | "command" | "http";
  readonly context: Record<string, unknown>;
}

/** The task scanner gives these to a task; written in the task they would be overwritten. */
const GIVEN_BY_SCANNER = ["input", "objectID"];

/**
 * Which invoker `task` names (by the key it has) and its context, checked by that invoker's
 * own check under `field`.
 * @throws SundialError `badRequest` naming the field, e.g. `invokeContext.task.script.type`.
 */
export function recordTaskOf(task: Record<string, unknown>, field: string): RecordTask {
  for (const key of GIVEN_BY_SCANNER) {
    if (Object.hasOwn(task, key)) {
      throw new SundialError(
        "badRequest",
        `${field}.${key}: is given by the scanner (the record, and its id); leave it out`,
        { field: `${field}.${key}` },
      );
    }
  }
  if (Object.hasOwn(task, "script")) {
    checkScriptContext(task, field);
    return { type: "script", context: task };
  }
  if (Object.hasOwn(task, "command")) {
    checkCommandContext(task, field);
    return { type: "command", context: task };
  }
  if (Object.hasOwn(task, "url")) {
    checkHttpContext(task, field);
    return { type: "http", context: task };
  }
  throw new SundialError(
    "badRequest",
    `${field}: must be a script ({ "script": { "type": "text/javascript", … } }), a command ({ "command": … }) or an http request ({ "url": … })`,
    { field },
  );
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** Ten years: a longer claim would never expire in practice, and instants must stay in range. */
const MAX_DURATION_MS = 3650 * 86_400_000;

/**
 * `10m`, `1h30m`, `45s`, or a whole number of ms, in ms.
 * @throws SundialError `badRequest` naming `field`.
 * @example durationMs("1h30m", "recovery.timeout") // 5_400_000
 */
export function durationMs(value: string | number, field: string): number {
  let ms = typeof value === "number" ? value : Number.NaN;
  if (typeof value === "string" && /^(\d{1,9}(ms|[smhd]))+$/.test(value.trim())) {
    ms = 0;
    for (const [, amount, unit] of value.trim().matchAll(/(\d+)(ms|[smhd])/g)) {
      ms += Number(amount) * (DURATION_UNITS[unit as string] as number);
    }
  }
  if (ms >= 1 && ms <= MAX_DURATION_MS) return ms;
  throw new SundialError(
    "badRequest",
    `${field}: ${JSON.stringify(value)} is not a duration from 1 ms to 3650 days: use ms, s, m, h or d, e.g. "10m" or "1h30m"`,
    { field },
  );
}

/**
 * Checks a `taskScanner` job's data; `field` is what it is known by. The connection, table
 * and columns are checked when the scan runs, on the database.
 * @throws SundialError `badRequest` naming the field, such as `invokeContext.scan.property`.
 */
export function checkScanContext(data: unknown, field = "invokeContext"): ScanContext {
  const context = validate(ScanContextSchema, data, field);
  const scan = context.scan;
  const at = `${field}.scan`;
  checkTableName(scan.table, `${at}.table`);
  checkColumnName(scan.idColumn ?? "id", `${at}.idColumn`);
  checkColumnName(scan.property, `${at}.property`);
  checkColumnName(scan.taskState.started, `${at}.taskState.started`);
  checkColumnName(scan.taskState.completed, `${at}.taskState.completed`);
  if (scan.taskState.started === scan.taskState.completed) {
    throw new SundialError(
      "badRequest",
      `${at}.taskState.completed: must be another column than taskState.started`,
      { field: `${at}.taskState.completed` },
    );
  }
  const { before, after } = scan.condition;
  if (before === undefined && after === undefined) {
    throw new SundialError(
      "badRequest",
      `${at}.condition: give "before", "after" or both, e.g. { "before": "\${Time.now}" }`,
      { field: `${at}.condition` },
    );
  }
  if (before !== undefined) checkCondition(before, `${at}.condition.before`);
  if (after !== undefined) checkCondition(after, `${at}.condition.after`);
  if (scan.recovery !== undefined) durationMs(scan.recovery.timeout, `${at}.recovery.timeout`);
  checkCalendar(workingCalendarOf(context, context.timeZone ?? "UTC"), field);
  recordTaskOf(context.task, `${field}.task`);
  return context;
}

/** The calendar conditions are read in: the zone given, and the context's working days. */
export function workingCalendarOf(context: ScanContext, timeZone: string): WorkingCalendar {
  return { timeZone, ...context.workingDays };
}

/** The calendar's own check, its messages under the context's field names. */
function checkCalendar(calendar: WorkingCalendar, field: string): void {
  try {
    validateDelay(0, "days", calendar);
  } catch (error) {
    if (!(error instanceof TriggerError)) throw error;
    const at = error.field === "timeZone" ? field : `${field}.workingDays`;
    throw new SundialError("badRequest", `${at}.${error.message}`, {
      field: `${at}.${error.field}`,
      cause: error,
    });
  }
}
