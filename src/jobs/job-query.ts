/**
 * The query parameters of `find` and `logs`, in the words users already know (`status`
 * as a comma-separated list, `_size`, `period=2h 30m`), checked and turned into the
 * store's queries. Every mistake is a `badRequest` naming the parameter.
 */
import { type Static, Type } from "typebox";
import { Zone } from "../calendar/index.js";
import { SundialError } from "../errors.js";
import { JOB_STATUSES, type JobQuery, type JobStatus, type LogQuery } from "../store/store.js";
import { validate } from "../validation.js";

const Instant = Type.Integer({ description: "ms since 1970-01-01 UTC" });
const List = Type.Union([Type.String(), Type.Array(Type.String())]);

/** `find(query)`: every field optional; jobs come newest created first. */
export const JobFindQuerySchema = Type.Object(
  {
    /** Job types: a list, or one comma-separated string (`"export,script"`). */
    type: Type.Optional(List),
    /** Statuses: a list, or one comma-separated string (`"PENDING,RUNNING"`). */
    status: Type.Optional(List),
    startFrom: Type.Optional(Instant),
    startTo: Type.Optional(Instant),
    endFrom: Type.Optional(Instant),
    endTo: Type.Optional(Instant),
    createFrom: Type.Optional(Instant),
    createTo: Type.Optional(Instant),
    hasErrors: Type.Optional(Type.Boolean()),
    scheduleId: Type.Optional(Type.String()),
    /** How many at most; default 100. */
    _size: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export type JobFindQuery = Static<typeof JobFindQuerySchema>;

/** `logs(jobId, query)`: every field optional; lines come oldest first. */
export const JobLogQuerySchema = Type.Object(
  {
    level: Type.Optional(Type.Union([Type.Literal("INFO"), Type.Literal("ERROR")])),
    /** A case-sensitive substring of the message. */
    message: Type.Optional(Type.String()),
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    /**
     * `today`, `yesterday`, or a duration back from now such as `2h 30m`, `90m`, `1d`
     * (units d, h, m, s). Ignored when `from` or `to` is given.
     */
    period: Type.Optional(Type.String()),
    /** The zone whose midnight starts `today`; default the process's zone. */
    timeZone: Type.Optional(Type.String()),
    /** How many lines at most; default 1000. */
    _size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);
export type JobLogQuery = Static<typeof JobLogQuerySchema>;

const DEFAULT_JOB_PAGE = 100;
const DEFAULT_LOG_PAGE = 1000;
const DAY = 86_400_000;
const UNIT_MS: Readonly<Record<string, number>> = { d: DAY, h: 3_600_000, m: 60_000, s: 1000 };

/**
 * The store query for a user's `find` query.
 * @example toJobQuery({ status: "PENDING,RUNNING", _size: 20 })
 */
export function toJobQuery(input: JobFindQuery = {}): JobQuery {
  const query = validate(JobFindQuerySchema, input);
  const status = list(query.status).map((s) => {
    if (!(JOB_STATUSES as readonly string[]).includes(s)) {
      throw new SundialError(
        "badRequest",
        `status: "${s}" is not a job status; use ${JOB_STATUSES.join(", ")}`,
        { field: "status" },
      );
    }
    return s as JobStatus;
  });
  return {
    type: list(query.type),
    status,
    size: query._size ?? DEFAULT_JOB_PAGE,
    ...pick(query, ["startFrom", "startTo", "endFrom", "endTo", "createFrom", "createTo"]),
    ...(query.hasErrors === undefined ? {} : { hasErrors: query.hasErrors }),
    ...(query.scheduleId === undefined ? {} : { scheduleId: query.scheduleId }),
  };
}

/**
 * The store query for a user's `logs` query, with `period` resolved at `now`.
 * @example toLogQuery({ level: "ERROR", period: "2h 30m" }, Date.now())
 */
export function toLogQuery(input: JobLogQuery = {}, now: number): LogQuery {
  const query = validate(JobLogQuerySchema, input);
  let range: { from?: number; to?: number } = pick(query, ["from", "to"]);
  if (query.from === undefined && query.to === undefined && query.period?.trim()) {
    range = periodRange(query.period, now, query.timeZone);
  }
  return {
    size: query._size ?? DEFAULT_LOG_PAGE,
    ...range,
    ...(query.level === undefined ? {} : { level: query.level }),
    ...(query.message ? { message: query.message } : {}),
  };
}

/**
 * The instants a `period` covers at `now`: `today` from the zone's last midnight,
 * `yesterday` the whole day before it, a duration (`2h 30m`) back from now.
 * @example periodRange("yesterday", Date.now(), "Europe/London")
 */
export function periodRange(
  period: string,
  now: number,
  timeZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone,
): { from: number; to: number } {
  const text = period.trim().toLowerCase();
  if (text === "today") return { from: startOfDay(now, timeZone), to: now };
  if (text === "yesterday") {
    const today = startOfDay(now, timeZone);
    return { from: startOfDay(today - 1, timeZone), to: today - 1 };
  }
  const tokens = /^(?:\d+\s*[dhms]\s*)+$/.test(text) ? text.match(/\d+\s*[dhms]/g) : null;
  if (tokens === null) {
    throw new SundialError(
      "badRequest",
      `period: "${period}" is not today, yesterday or a duration such as "2h 30m" (units d, h, m, s)`,
      { field: "period" },
    );
  }
  let ms = 0;
  for (const token of tokens) {
    const unit = token.at(-1) as string;
    ms += Number.parseInt(token, 10) * (UNIT_MS[unit] as number);
  }
  return { from: now - ms, to: now };
}

function list(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const items = typeof value === "string" ? value.split(",") : value;
  return items.map((item) => item.trim()).filter((item) => item !== "");
}

function pick<T extends object, K extends keyof T>(
  value: T,
  keys: readonly K[],
): { [P in K]?: Exclude<T[P], undefined> } {
  const picked: { [P in K]?: Exclude<T[P], undefined> } = {};
  for (const key of keys) {
    if (value[key] !== undefined) picked[key] = value[key] as Exclude<T[K], undefined>;
  }
  return picked;
}

/** The instant the zone's calendar day holding `instant` began. */
function startOfDay(instant: number, timeZone: string): number {
  const zone = Zone.of(timeZone);
  const wall = zone.wallAt(instant);
  const midnight = wall - (((wall % DAY) + DAY) % DAY);
  const { instants, before } = zone.instantsOfWall(midnight);
  // Where clocks skip midnight (a DST gap), the day begins at the transition, which the
  // offset in force before it places at midnight.
  return instants[0] ?? midnight - before;
}
