/**
 * What users write for projects and tasks: one TypeBox schema per input (the API's body
 * schemas, and what the services check), and the checks a schema can't express (names,
 * parameter names, time zones), each naming the field. Read-only fields (`id`, `version`,
 * `createdAt`, a schedule's `_id` and `nextFireTime`, …) are accepted and left out, so
 * that what a read answers can be edited and sent back whole.
 */
import { type Static, type TSchema, Type } from "typebox";
import { SundialError } from "../errors.js";
import { ScheduleInputSchema } from "../schedules/schedule.js";
import { validate } from "../validation.js";
import type { Parameters, ScheduleEntry } from "./project.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]*$/;
export const NAME_MAX = 100;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_SCHEDULES = 20;
export const MAX_RETRIES = 100;
export const MAX_RETRY_DELAY_MS = 7 * 86_400_000;
export const DEFAULT_RETRIES = Object.freeze({ count: 0, delayMs: 60_000 });

/**
 * The export settings of a task (docs/exports.md), flattened into the task object and
 * checked as a whole by the exports' own check when the task is saved.
 */
export const EXPORT_SETTINGS = [
  "source",
  "processing",
  "output",
  "destinations",
  "notifications",
  "sendEmptyFiles",
] as const;

export const ProjectNameSchema = Type.String({
  minLength: 1,
  maxLength: NAME_MAX,
  description: "Letters, digits, spaces, `.`, `_` and `-`, starting with a letter or digit",
});

const Owners = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), {
  maxItems: 100,
  uniqueItems: true,
  description: "User names; a user's `owner=me` lists are what they own. Default: who created it",
});

export const ParametersSchema = Type.Record(Type.String(), Type.String({ maxLength: 10_000 }), {
  maxProperties: 200,
  description:
    "Named text values for queries (bound as query parameters, `:region`), file names and messages",
});

/** A schedule's settings (docs/schedules.md), less what the project or task sets itself. */
const SET_BY_OWNER = ["_id", "invokeService", "invokeContext", "owners", "persisted"];
const scheduleFields: Record<string, TSchema> = Object.fromEntries(
  Object.entries(ScheduleInputSchema.properties).filter(([key]) => !SET_BY_OWNER.includes(key)),
);
export const ScheduleEntrySchema = Type.Object(
  {
    ...scheduleFields,
    // Read back with the entry; ignored when sent.
    _id: Type.Optional(Type.String()),
    nextFireTime: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  {
    additionalProperties: false,
    description:
      "A trigger and its policies, as a schedule (docs/schedules.md) without `invokeService`, `invokeContext`, `owners` or `persisted`; `timeZone` defaults to the task's",
  },
);
const Schedules = Type.Array(ScheduleEntrySchema, { maxItems: MAX_SCHEDULES });

export const RetriesSchema = Type.Object(
  {
    count: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_RETRIES, description: "default 0: no retry" }),
    ),
    delayMs: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_RETRY_DELAY_MS,
        description: `ms from a failure to its retry; default ${DEFAULT_RETRIES.delayMs}`,
      }),
    ),
  },
  { additionalProperties: false },
);

/** What a read answers besides the config: accepted in a body and left out. */
const readOnly = {
  id: Type.Optional(Type.String()),
  version: Type.Optional(
    Type.Integer({
      minimum: 1,
      description:
        "The version this edit builds on: given, a task or project changed meanwhile is refused (`conflict`) rather than overwritten",
    }),
  ),
  createdAt: Type.Optional(Type.Number()),
  updatedAt: Type.Optional(Type.Number()),
  createdBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  updatedBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
};

export const ProjectInputSchema = Type.Object(
  {
    name: ProjectNameSchema,
    description: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    owners: Type.Optional(Owners),
    parameters: Type.Optional(ParametersSchema),
    runMode: Type.Optional(
      Type.Union([Type.Literal("series"), Type.Literal("parallel")], {
        description: "`series` (default): by rank, one after the other; `parallel`: all at once",
      }),
    ),
    timeZone: Type.Optional(Type.String({ description: "IANA zone; default UTC" })),
    schedules: Type.Optional(Schedules),
    ...readOnly,
    taskCount: Type.Optional(Type.Integer()),
  },
  { additionalProperties: false },
);
export type ProjectInput = Static<typeof ProjectInputSchema>;

export const TaskInputSchema = Type.Object(
  {
    project: Type.String({ minLength: 1, description: "The project's name or id" }),
    name: ProjectNameSchema,
    enabled: Type.Optional(Type.Boolean({ description: "default true" })),
    rank: Type.Optional(
      Type.Integer({
        minimum: -1_000_000,
        maximum: 1_000_000,
        description: "Order in a series run, lowest first; default after the project's last task",
      }),
    ),
    parameters: Type.Optional(ParametersSchema),
    timeZone: Type.Optional(
      Type.Union([Type.String(), Type.Null()], { description: "default the project's" }),
    ),
    schedules: Type.Optional(Schedules),
    retries: Type.Optional(RetriesSchema),
    ...Object.fromEntries(
      EXPORT_SETTINGS.map((key) => [
        key,
        Type.Optional(Type.Unknown({ description: `The export's \`${key}\` (docs/exports.md)` })),
      ]),
    ),
    ...readOnly,
    projectId: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type TaskInput = Static<typeof TaskInputSchema> & Record<string, unknown>;

/**
 * Checks `input` against `schema`, refusing anything but an object without quoting it.
 * @throws SundialError `badRequest` naming the field.
 */
export function checkBody<S extends TSchema>(schema: S, input: unknown): Static<S> {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new SundialError("badRequest", "body: must be a JSON object", { field: "body" });
  }
  return validate(schema, input);
}

/** @throws SundialError `badRequest` naming `field`. */
export function checkName(name: string, field: string, what: string): string {
  const trimmed = name.trim();
  if (!NAME.test(trimmed) || trimmed.length > NAME_MAX) {
    throw new SundialError(
      "badRequest",
      `${field}: "${name}" is not a ${what} name: 1 to ${NAME_MAX} letters, digits, spaces, ".", "_" or "-", starting with a letter or digit`,
      { field },
    );
  }
  return trimmed;
}

/** @throws SundialError `badRequest` naming the parameter (`parameters.region-name`). */
export function checkParameters(parameters: Parameters | undefined, field: string): Parameters {
  for (const name of Object.keys(parameters ?? {})) {
    if (!PARAMETER_NAME.test(name) || name.length > 100) {
      throw new SundialError(
        "badRequest",
        `${field}.${name}: is not a parameter name: letters, digits and _, not starting with a digit`,
        { field: `${field}.${name}` },
      );
    }
  }
  return { ...parameters };
}

/** @throws SundialError `invalidTimeZone` naming `field`. */
export function checkTimeZone(zone: string, field: string): string {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    throw new SundialError(
      "invalidTimeZone",
      `${field}: "${zone}" is not an IANA time zone (for example Europe/London, America/New_York, UTC)`,
      { field },
    );
  }
}

/** A schedule entry without what a read adds to it. */
export function entryOf(entry: ScheduleEntry): ScheduleEntry {
  const { _id, nextFireTime, ...config } = entry;
  return config;
}
