/**
 * A schedule: a trigger, the policies that decide what happens to each fire, and what a
 * fire invokes. The words (`misfirePolicy`, `concurrentExecution`, `invokeService`, …) are
 * the ones users of the systems Sundial replaces already know; keep them.
 *
 * Vocabulary: a *fire* is one instant the trigger yields; a fire is *missed* when it could
 * not start within `misfireThreshold` of its time (server down, paused, blocked by the
 * schedule's previous job).
 */
import { type Static, Type } from "typebox";

export const MISFIRE_POLICIES = ["fireAndProceed", "doNothing"] as const;
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;

const Instant = Type.Union([Type.String(), Type.Number()]);

/** Log levels, least to most severe (pino's). */
export const LogLevelSchema = Type.Union([
  Type.Literal("trace"),
  Type.Literal("debug"),
  Type.Literal("info"),
  Type.Literal("warn"),
  Type.Literal("error"),
  Type.Literal("fatal"),
]);

/** A schedule as users write it: in `conf/schedule-<name>.json`, API bodies and the library. */
export const ScheduleInputSchema = Type.Object(
  {
    _id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    enabled: Type.Optional(Type.Boolean()),
    // The trigger: any type of the calendar engine; `schedule` is the expression's old name.
    type: Type.Optional(Type.String()),
    schedule: Type.Optional(Type.String()),
    expression: Type.Optional(Type.String()),
    every: Type.Optional(Type.Number()),
    unit: Type.Optional(Type.String()),
    anchor: Type.Optional(Instant),
    at: Type.Optional(Instant),
    timeZone: Type.Optional(Type.String()),
    startTime: Type.Optional(Instant),
    endTime: Type.Optional(Instant),
    dst: Type.Optional(
      Type.Union([Type.String(), Type.Object({}, { additionalProperties: true })]),
    ),
    misfirePolicy: Type.Optional(
      Type.Union([Type.Literal("fireAndProceed"), Type.Literal("doNothing")]),
    ),
    /** How late (ms) a fire may start before it counts as missed; default 60 000. */
    misfireThreshold: Type.Optional(Type.Integer({ minimum: 0 })),
    concurrentExecution: Type.Optional(Type.Boolean()),
    persisted: Type.Optional(Type.Boolean()),
    invokeService: Type.String({ minLength: 1 }),
    invokeContext: Type.Optional(Type.Unknown()),
    invokeLogLevel: Type.Optional(LogLevelSchema),
    /** User names; "my schedules" are those a user owns. Default: whoever created it. */
    owners: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
        maxItems: 100,
        uniqueItems: true,
      }),
    ),
  },
  { additionalProperties: false },
);
export type ScheduleInput = Static<typeof ScheduleInputSchema>;

/** A schedule as Sundial reports it: the input with its defaults, and where firing has got to. */
export interface Schedule {
  readonly _id: string;
  readonly enabled: boolean;
  readonly type: string;
  readonly schedule?: string;
  readonly every?: number;
  readonly unit?: string;
  readonly anchor?: string;
  readonly at?: string;
  readonly timeZone: string;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly dst?: unknown;
  readonly misfirePolicy: MisfirePolicy;
  readonly misfireThreshold: number;
  readonly concurrentExecution: boolean;
  readonly persisted: boolean;
  readonly invokeService: string;
  readonly invokeContext?: unknown;
  readonly invokeLogLevel: (typeof LOG_LEVELS)[number];
  /** The users whose schedule it is: who created it, unless the input named others. */
  readonly owners: readonly string[];
  /** ISO UTC instants; `null` when it will not fire again. */
  readonly nextFireTime: string | null;
  readonly lastFireTime: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export const DEFAULT_MISFIRE_THRESHOLD = 60_000;
