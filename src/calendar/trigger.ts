/**
 * Triggers: when something fires. A spec (plain JSON, as stored and as sent over the API)
 * is parsed once into a {@link Trigger}, which answers "when is the next fire after t?".
 *
 * Vocabulary: a *trigger* is the rule; a *fire* is one instant it yields; *wall time* is
 * what the clocks of the trigger's zone show (see civil.ts).
 */

import {
  type CalendarExpression,
  looksLikeCalendarExpression,
  parseCalendarExpression,
} from "./calendar-expression.js";
import { type CalendarFields, DayMaskCache, MAX_YEAR } from "./calendar-fields.js";
import { DAY } from "./civil.js";
import { parseCronExpression } from "./cron-expression.js";
import { type DstOption, type DstPolicy, resolveDst } from "./dst.js";
import { coversRange } from "./field-set.js";
import { type InstantInput, parseInstant } from "./instant.js";
import {
  firstIntervalFireAtOrAfter,
  INTERVAL_UNITS,
  type IntervalSearch,
  type IntervalUnit,
} from "./interval.js";
import { invalid, TriggerError } from "./trigger-error.js";
import { parseUnixExpression } from "./unix-expression.js";
import { Zone } from "./zone.js";
import { firstFireAtOrAfter, type OverlapMode, type ZonedSearch } from "./zoned-search.js";

export const TRIGGER_TYPES = ["cron", "unix", "calendar", "interval", "once"] as const;
/** `cron`: Quartz; `unix`: 5-field cron; `calendar`: EJB-style; `interval`: every N units; `once`: one instant. */
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** A trigger as users write it, in config files, API bodies and CLI flags. */
export interface TriggerSpec {
  /** May be left out when the expression tells: 5 fields → unix, 6-7 → cron, `name=value` → calendar. */
  readonly type?: TriggerType;
  /** For cron, unix and calendar triggers. */
  readonly expression?: string;
  /** For interval triggers: a whole number ≥ 1 of `unit`s, counted from `anchor`. */
  readonly every?: number;
  readonly unit?: IntervalUnit;
  /** The first fire of an interval trigger; defaults to `startTime`. */
  readonly anchor?: InstantInput;
  /** For once triggers: the instant. */
  readonly at?: InstantInput;
  /** An IANA zone; default UTC. Wall times in the spec and the expression are in this zone. */
  readonly timeZone?: string;
  /** No fire before this instant. */
  readonly startTime?: InstantInput;
  /** No fire after this instant. */
  readonly endTime?: InstantInput;
  /** Daylight-saving policy; default `{ gap: "shift", overlap: "auto" }`. */
  readonly dst?: DstOption;
}

/** A parsed trigger. Immutable, and safe to share. */
export interface Trigger {
  readonly type: TriggerType;
  /** The canonical zone name. */
  readonly timeZone: string;
  readonly dst: DstPolicy;
  readonly startTime: number | undefined;
  readonly endTime: number | undefined;
  /** For cron, unix and calendar triggers: the fields they match. */
  readonly fields: CalendarFields | undefined;
  /** The spec, normalised (type filled in, instants as ISO strings). */
  readonly spec: TriggerSpec;
  /**
   * The first fire strictly after `after`, or `null` when the trigger has no more fires.
   * @example parseTrigger("0 0 6 ? * MON-FRI").next(new Date("2026-11-21T00:00:00Z"))
   *   // 2026-11-23T06:00:00.000Z
   */
  next(after: Date | number): Date | null;
  /** {@link next} in epoch milliseconds, sparing the Date of each answer. */
  nextMs(after: number): number | undefined;
}

const SPEC_KEYS: Readonly<Record<TriggerType, readonly string[]>> = {
  cron: ["expression"],
  unix: ["expression"],
  calendar: ["expression"],
  interval: ["every", "unit", "anchor"],
  once: ["at"],
};
const COMMON_KEYS = ["type", "timeZone", "startTime", "endTime", "dst"];

function inferType(spec: TriggerSpec): TriggerType {
  if (spec.type !== undefined) {
    if (!(TRIGGER_TYPES as readonly string[]).includes(spec.type)) {
      invalid(
        "type",
        String(spec.type),
        "is not a trigger type; allowed:",
        TRIGGER_TYPES.join(", "),
      );
    }
    return spec.type;
  }
  if (spec.every !== undefined) return "interval";
  if (spec.at !== undefined) return "once";
  const expression = spec.expression;
  if (typeof expression !== "string" || expression.trim() === "") {
    return invalid(
      "expression",
      String(expression ?? ""),
      "is missing; give an expression, or every + unit, or at",
    );
  }
  if (looksLikeCalendarExpression(expression)) return "calendar";
  const trimmed = expression.trim();
  if (trimmed.startsWith("@")) return "unix";
  const count = trimmed.split(/\s+/).length;
  if (count === 5) return "unix";
  if (count === 6 || count === 7) return "cron";
  return invalid(
    "expression",
    expression,
    `has ${count} field${count === 1 ? "" : "s"}; expected`,
    "5 (Unix cron), 6-7 (Quartz cron) or name=value pairs (calendar)",
  );
}

/** Refuses settings that do not belong to the type; `spec` is already known to be an object. */
function checkKeys(spec: TriggerSpec, type: TriggerType): void {
  const allowed = [...COMMON_KEYS, ...SPEC_KEYS[type]];
  for (const key of Object.keys(spec)) {
    if ((spec as Record<string, unknown>)[key] === undefined) continue;
    if (!allowed.includes(key)) {
      const article = type === "interval" || type === "once" ? "an" : "a";
      invalid(
        key,
        key,
        `is not a setting of ${article} ${type} trigger; allowed:`,
        allowed.join(", "),
      );
    }
  }
}

function overlapFor(policy: DstPolicy, everyHour: boolean): OverlapMode {
  if (policy.overlap === "auto") return everyHour ? "both" : "first";
  return policy.overlap;
}

const isoOf = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

class ParsedTrigger implements Trigger {
  constructor(
    readonly type: TriggerType,
    readonly timeZone: string,
    readonly dst: DstPolicy,
    readonly startTime: number | undefined,
    readonly endTime: number | undefined,
    readonly fields: CalendarFields | undefined,
    readonly spec: TriggerSpec,
    private readonly firstAtOrAfter: (from: number) => number | undefined,
  ) {}

  nextMs(after: number): number | undefined {
    let from = Math.floor(after) + 1;
    if (this.startTime !== undefined && from < this.startTime) from = this.startTime;
    const fire = this.firstAtOrAfter(from);
    if (fire === undefined || (this.endTime !== undefined && fire > this.endTime)) return undefined;
    return fire;
  }

  next(after: Date | number): Date | null {
    const ms = typeof after === "number" ? after : after.getTime();
    if (!Number.isFinite(ms)) invalid("after", String(after), "is not a valid instant");
    const fire = this.nextMs(ms);
    return fire === undefined ? null : new Date(fire);
  }
}

/** The start/end window an EJB expression's `start=`/`end=` dates give, in the zone. */
function calendarWindow(expr: CalendarExpression, zone: Zone): { start?: number; end?: number } {
  const midnight = (d: { year: number; month: number; day: number }, plusDays: number): number => {
    const wall = Date.UTC(d.year, d.month - 1, d.day) + plusDays * DAY;
    const { instants, before } = zone.instantsOfWall(wall);
    return instants[0] ?? wall - before;
  };
  return {
    ...(expr.start ? { start: midnight(expr.start, 0) } : {}),
    // `end` names the last day on which the trigger may fire.
    ...(expr.end ? { end: midnight(expr.end, 1) - 1 } : {}),
  };
}

/**
 * Parses and validates a trigger spec (or a bare expression).
 * @throws TriggerError with code `invalidTrigger` or `invalidTimeZone`, naming the field.
 * @example
 * const trigger = parseTrigger({ expression: "0 30 6 ? * MON-FRI", timeZone: "Europe/London" });
 * trigger.next(new Date("2026-03-27T12:00:00Z")); // 2026-03-30T05:30:00.000Z (06:30 BST)
 */
export function parseTrigger(input: TriggerSpec | string): Trigger {
  const spec: TriggerSpec = typeof input === "string" ? { expression: input } : input;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec)) {
    invalid(
      "trigger",
      String(spec),
      "is not a trigger spec; expected an object such as",
      '{ "expression": "0 0 6 * * ?" }',
    );
  }
  const type = inferType(spec);
  checkKeys(spec, type);
  if (spec.timeZone !== undefined && typeof spec.timeZone !== "string") {
    invalid("timeZone", String(spec.timeZone), "is not a time zone name");
  }
  const dst = resolveDst(spec.dst);

  let fields: CalendarFields | undefined;
  let calendar: CalendarExpression | undefined;
  if (type === "cron" || type === "unix" || type === "calendar") {
    if (typeof spec.expression !== "string" || spec.expression.trim() === "") {
      invalid(
        "expression",
        String(spec.expression ?? ""),
        `is missing; a ${type} trigger needs an expression`,
      );
    }
    if (type === "cron") fields = parseCronExpression(spec.expression).fields;
    else if (type === "unix") fields = parseUnixExpression(spec.expression).fields;
    else {
      calendar = parseCalendarExpression(spec.expression);
      fields = calendar.fields;
      if (
        calendar.timeZone !== undefined &&
        spec.timeZone !== undefined &&
        calendar.timeZone !== spec.timeZone
      ) {
        invalid(
          "timeZone",
          spec.timeZone,
          `differs from the expression's timezone=${calendar.timeZone}; give one of them`,
        );
      }
    }
  }
  const zone = Zone.of(spec.timeZone ?? calendar?.timeZone ?? "UTC");

  let startTime =
    spec.startTime === undefined ? undefined : parseInstant(spec.startTime, "startTime", zone);
  let endTime =
    spec.endTime === undefined ? undefined : parseInstant(spec.endTime, "endTime", zone);
  if (calendar) {
    const window = calendarWindow(calendar, zone);
    if (window.start !== undefined) startTime = Math.max(startTime ?? window.start, window.start);
    if (window.end !== undefined) endTime = Math.min(endTime ?? window.end, window.end);
  }
  if (startTime !== undefined && endTime !== undefined && endTime < startTime) {
    invalid("endTime", isoOf(endTime) as string, `is before startTime ${isoOf(startTime)}`);
  }

  const normalised: Record<string, unknown> = { ...spec, type, timeZone: zone.name };
  if (startTime !== undefined) normalised.startTime = isoOf(startTime);
  if (endTime !== undefined) normalised.endTime = isoOf(endTime);

  let firstAtOrAfter: (from: number) => number | undefined;
  if (fields !== undefined) {
    const search: ZonedSearch = {
      fields,
      cache: new DayMaskCache(),
      zone,
      gap: dst.gap,
      overlap: overlapFor(dst, coversRange(fields.hour, 0, 23)),
      maxYear: MAX_YEAR,
    };
    firstAtOrAfter = (from) => firstFireAtOrAfter(search, from);
  } else if (type === "interval") {
    const every = spec.every;
    if (typeof every !== "number" || !Number.isInteger(every) || every < 1) {
      invalid("every", String(every), "is not a whole number of units ≥ 1");
    }
    if (spec.unit === undefined || !(INTERVAL_UNITS as readonly string[]).includes(spec.unit)) {
      invalid(
        "unit",
        String(spec.unit),
        "is not an interval unit; allowed:",
        INTERVAL_UNITS.join(", "),
      );
    }
    const anchorInput = spec.anchor ?? spec.startTime;
    if (anchorInput === undefined) {
      invalid(
        "anchor",
        "",
        "is missing; an interval trigger counts from its anchor (or startTime)",
      );
    }
    const anchor = parseInstant(
      anchorInput,
      spec.anchor === undefined ? "startTime" : "anchor",
      zone,
    );
    normalised.anchor = isoOf(anchor);
    const search: IntervalSearch = {
      every,
      unit: spec.unit,
      anchor,
      zone,
      gap: dst.gap,
      overlap: overlapFor(dst, false),
    };
    firstAtOrAfter = (from) => firstIntervalFireAtOrAfter(search, from);
  } else {
    if (spec.at === undefined) invalid("at", "", "is missing; a once trigger fires at one instant");
    const at = parseInstant(spec.at, "at", zone);
    normalised.at = isoOf(at);
    firstAtOrAfter = (from) => (at >= from ? at : undefined);
  }
  return new ParsedTrigger(
    type,
    zone.name,
    dst,
    startTime,
    endTime,
    fields,
    Object.freeze(normalised) as TriggerSpec,
    firstAtOrAfter,
  );
}

export interface NextFireOptions {
  /** Fires strictly after this instant; default now. */
  readonly from?: InstantInput;
  /** How many fires; default 5, at most 10,000. */
  readonly count?: number;
}

export const MAX_COUNT = 10_000;

/**
 * The next `count` fires of a trigger after `from`, as Dates (UTC instants). Fewer are
 * returned when the trigger ends.
 * @example nextFireTimes("0 0 6 ? * MON-FRI", { from: "2026-11-21T00:00:00Z", count: 2 })
 */
export function nextFireTimes(
  trigger: Trigger | TriggerSpec | string,
  options: NextFireOptions = {},
): Date[] {
  const parsed = isTrigger(trigger) ? trigger : parseTrigger(trigger);
  const count = options.count ?? 5;
  if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT) {
    invalid("count", String(count), `is not a whole number from 0 to ${MAX_COUNT}`);
  }
  let t =
    options.from === undefined
      ? Date.now()
      : parseInstant(options.from, "from", Zone.of(parsed.timeZone));
  const out: Date[] = [];
  while (out.length < count) {
    const fire = parsed.nextMs(t);
    if (fire === undefined) break;
    out.push(new Date(fire));
    t = fire;
  }
  return out;
}

function isTrigger(value: unknown): value is Trigger {
  return value instanceof ParsedTrigger;
}

export { TriggerError };
