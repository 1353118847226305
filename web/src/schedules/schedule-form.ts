/**
 * The schedule form's values (text, as inputs hold it) and their translation to and from
 * the API's schedule input, and to a trigger preview as the user types.
 */
import type { Schedule, ScheduleInput, TriggerPreviewInput } from "../api/types.js";

export const TRIGGER_TYPES = ["cron", "unix", "calendar", "interval", "once"] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];
export const INTERVAL_UNITS = ["seconds", "minutes", "hours", "days", "weeks", "months", "years"];
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const TRIGGER_HELP: Readonly<
  Record<TriggerType, { label: string; placeholder: string; hint: string }>
> = {
  cron: {
    label: "Quartz cron",
    placeholder: "0 0 6 ? * MON-FRI",
    hint: "Seconds minutes hours day-of-month month day-of-week [year]; L, W, # and ? work as in Quartz.",
  },
  unix: {
    label: "Unix cron",
    placeholder: "*/15 * * * *",
    hint: "Minute hour day-of-month month day-of-week, or @daily, @hourly…",
  },
  calendar: {
    label: "Calendar",
    placeholder: "hour=6; minute=0; dayOfWeek=Mon-Fri",
    hint: "EJB-style: second, minute, hour, dayOfMonth, month, dayOfWeek, year.",
  },
  interval: { label: "Interval", placeholder: "", hint: "Every N units, counted from the anchor." },
  once: { label: "Once", placeholder: "", hint: "One instant." },
};

/** Invoke contexts to start from when a job type is picked. */
export const CONTEXT_TEMPLATES: Readonly<Record<string, unknown>> = {
  script: {
    script: {
      type: "text/javascript",
      source: "log.info('hello from Sundial');\nreturn { ok: true };",
    },
  },
  command: { command: "/usr/bin/env", args: ["date"], timeoutMs: 60_000 },
  http: { url: "https://example.com/health", method: "GET" },
};

export interface ScheduleForm {
  readonly id: string;
  readonly type: TriggerType;
  readonly expression: string;
  readonly every: number | string;
  readonly unit: string;
  /** `datetime-local` text: a wall time in the schedule's zone. */
  readonly anchor: string;
  readonly at: string;
  readonly timeZone: string;
  readonly startTime: string;
  readonly endTime: string;
  readonly invokeService: string;
  /** JSON text. */
  readonly invokeContext: string;
  readonly invokeLogLevel: LogLevel;
  readonly misfirePolicy: "fireAndProceed" | "doNothing";
  /** Seconds, as people think of it; the API takes ms. */
  readonly misfireThresholdSeconds: number | string;
  readonly concurrentExecution: boolean;
  readonly enabled: boolean;
  readonly owners: string[];
}

export function browserZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC";
}

export function emptyForm(): ScheduleForm {
  return {
    id: "",
    type: "cron",
    expression: "",
    every: 1,
    unit: "hours",
    anchor: "",
    at: "",
    timeZone: browserZone(),
    startTime: "",
    endTime: "",
    invokeService: "script",
    invokeContext: JSON.stringify(CONTEXT_TEMPLATES.script, null, 2),
    invokeLogLevel: "info",
    misfirePolicy: "fireAndProceed",
    misfireThresholdSeconds: 60,
    concurrentExecution: false,
    enabled: true,
    owners: [],
  };
}

/** "2026-11-23T06:00:00.000Z" as the wall time `datetime-local` shows, in `zone`. */
export function toLocalInput(iso: string | undefined, zone: string): string {
  if (iso === undefined || iso === "") return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return iso;
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(ms);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  const seconds = get("second") === "00" ? "" : `:${get("second")}`;
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}${seconds}`;
}

export function fromSchedule(schedule: Schedule): ScheduleForm {
  const zone = schedule.timeZone;
  const type = (TRIGGER_TYPES as readonly string[]).includes(schedule.type)
    ? (schedule.type as TriggerType)
    : "cron";
  return {
    id: schedule._id,
    type,
    expression: schedule.schedule ?? "",
    every: schedule.every ?? 1,
    unit: schedule.unit ?? "hours",
    anchor: toLocalInput(schedule.anchor, zone),
    at: toLocalInput(schedule.at, zone),
    timeZone: zone,
    startTime: toLocalInput(schedule.startTime, zone),
    endTime: toLocalInput(schedule.endTime, zone),
    invokeService: schedule.invokeService,
    invokeContext:
      schedule.invokeContext === undefined ? "" : JSON.stringify(schedule.invokeContext, null, 2),
    invokeLogLevel: schedule.invokeLogLevel,
    misfirePolicy: schedule.misfirePolicy,
    misfireThresholdSeconds: schedule.misfireThreshold / 1000,
    concurrentExecution: schedule.concurrentExecution,
    enabled: schedule.enabled,
    owners: [...schedule.owners],
  };
}

const text = (value: string): string | undefined =>
  value.trim() === "" ? undefined : value.trim();

/** The trigger fields of the form, as both the preview and the schedule take them. */
function triggerOf(form: ScheduleForm): Omit<
  TriggerPreviewInput,
  "count" | "from" | "expression"
> & {
  expression?: string;
} {
  const common = {
    type: form.type,
    timeZone: text(form.timeZone),
    startTime: text(form.startTime),
    endTime: text(form.endTime),
  };
  switch (form.type) {
    case "interval":
      return { ...common, every: Number(form.every), unit: form.unit, anchor: text(form.anchor) };
    case "once":
      return { ...common, at: text(form.at) };
    default:
      return { ...common, expression: form.expression };
  }
}

/** Without the keys whose value is undefined: the API refuses nothing it doesn't know, but says less. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** The preview body, or undefined while there is nothing to preview yet. */
export function previewOf(form: ScheduleForm): TriggerPreviewInput | undefined {
  if (
    (form.type === "cron" || form.type === "unix" || form.type === "calendar") &&
    form.expression.trim() === ""
  ) {
    return undefined;
  }
  if (form.type === "once" && form.at.trim() === "") return undefined;
  return defined({ ...triggerOf(form), count: 5 });
}

/** The parse error of the invoke context's JSON, if any. */
export function contextError(form: ScheduleForm): string | undefined {
  if (form.invokeContext.trim() === "") return undefined;
  try {
    JSON.parse(form.invokeContext);
    return undefined;
  } catch (error) {
    return `Not valid JSON: ${(error as Error).message}`;
  }
}

/**
 * The schedule input for the API. `kept` carries the fields this form doesn't edit
 * (`dst`, `persisted`) over from the stored schedule, so an edit doesn't drop them.
 */
export function inputOf(form: ScheduleForm, kept: Partial<ScheduleInput> = {}): ScheduleInput {
  const { expression, ...trigger } = triggerOf(form);
  return defined({
    ...kept,
    ...trigger,
    // `schedule` is the stored name of the expression.
    schedule: expression,
    invokeService: form.invokeService.trim(),
    invokeContext: form.invokeContext.trim() === "" ? undefined : JSON.parse(form.invokeContext),
    invokeLogLevel: form.invokeLogLevel,
    misfirePolicy: form.misfirePolicy,
    misfireThreshold: Math.round(Number(form.misfireThresholdSeconds) * 1000),
    concurrentExecution: form.concurrentExecution,
    enabled: form.enabled,
    owners: form.owners.length === 0 ? undefined : form.owners,
  });
}

/** The fields a schedule takes as input; what the API adds (next fire, dates) is left out. */
const INPUT_KEYS: readonly (keyof ScheduleInput)[] = [
  "enabled",
  "type",
  "schedule",
  "every",
  "unit",
  "anchor",
  "at",
  "timeZone",
  "startTime",
  "endTime",
  "dst",
  "misfirePolicy",
  "misfireThreshold",
  "concurrentExecution",
  "persisted",
  "invokeService",
  "invokeContext",
  "invokeLogLevel",
  "owners",
];

/** A stored schedule as input again (to switch it on or off, or keep what a form doesn't edit). */
export function storedInput(schedule: Schedule): ScheduleInput {
  const all = schedule as unknown as Record<string, unknown>;
  return Object.fromEntries(
    INPUT_KEYS.filter((key) => all[key] !== undefined && all[key] !== null).map((key) => [
      key,
      all[key],
    ]),
  ) as ScheduleInput;
}
