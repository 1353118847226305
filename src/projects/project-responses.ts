/**
 * What the project and task routes answer, as TypeBox schemas: the OpenAPI document shows
 * them, and Fastify serializes each answer through its schema (so a field left out here
 * never leaves the server). Configs and export settings are open objects: their shape is
 * the input's (project-input.ts, docs/exports.md).
 */
import { type Static, type TSchema, Type } from "typebox";
import { RUN_MODES, RUN_STATUSES } from "./project.js";
import { EXPORT_SETTINGS, ParametersSchema, RetriesSchema } from "./project-input.js";

/**
 * `schema` or null as one `type` list: the serializer writes a union (`anyOf`) by trying
 * branches, and a literal by its schema's value rather than the data's.
 */
const Nullable = <S extends TSchema & { readonly type: string }>(schema: S) =>
  Type.Unsafe<Static<S> | null>({ ...schema, type: [schema.type, "null"] });
const StringEnum = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values] });
const Instant = Type.Number({ description: "ms since 1970-01-01 UTC" });
const AnyObject = Type.Object({}, { additionalProperties: true });

const ScheduleView = Type.Object(
  {
    _id: Type.String({ description: "The schedule's id in /schedules" }),
    nextFireTime: Nullable(Type.String()),
  },
  { additionalProperties: true },
);

const stamps = {
  version: Type.Integer({ description: "The newest config version: the one that runs" }),
  createdAt: Instant,
  updatedAt: Instant,
  createdBy: Nullable(Type.String()),
  updatedBy: Nullable(Type.String()),
};

const projectFields = {
  id: Type.String(),
  name: Type.String(),
  description: Nullable(Type.String()),
  owners: Type.Array(Type.String()),
  runMode: StringEnum(RUN_MODES),
  timeZone: Type.String(),
  taskCount: Type.Integer(),
  ...stamps,
};

export const ProjectSchema = Type.Object({
  ...projectFields,
  parameters: ParametersSchema,
  schedules: Type.Array(ScheduleView),
});

export const ProjectListSchema = Type.Object({
  result: Type.Array(Type.Object(projectFields)),
  resultCount: Type.Integer(),
});

export const TaskSchema = Type.Object(
  {
    id: Type.String(),
    projectId: Type.String(),
    project: Type.String({ description: "The project's name" }),
    name: Type.String(),
    enabled: Type.Boolean(),
    rank: Type.Integer(),
    parameters: ParametersSchema,
    timeZone: Nullable(Type.String()),
    schedules: Type.Array(ScheduleView),
    retries: RetriesSchema,
    ...Object.fromEntries(EXPORT_SETTINGS.map((key) => [key, Type.Optional(Type.Unknown())])),
    ...stamps,
  },
  { additionalProperties: true },
);

export const TaskPageSchema = Type.Object({
  result: Type.Array(TaskSchema),
  resultCount: Type.Integer(),
  totalPagedResults: Type.Integer({ description: "How many tasks match, on every page" }),
  remainingPagedResults: Type.Integer({ description: "How many come after this page" }),
});

export const ConfigVersionSchema = Type.Object({
  version: Type.Integer(),
  savedBy: Nullable(Type.String()),
  savedAt: Instant,
  config: AnyObject,
});

export const ConfigVersionListSchema = Type.Object({
  result: Type.Array(ConfigVersionSchema),
  resultCount: Type.Integer(),
});

export const ConfigDiffSchema = Type.Object({
  from: Type.Integer(),
  to: Type.Integer(),
  changes: Type.Array(
    Type.Object({
      path: Type.String({ description: "e.g. `output.format.delimiter`, `destinations[1]`" }),
      change: StringEnum(["added", "removed", "changed"]),
      from: Type.Optional(Type.Unknown()),
      to: Type.Optional(Type.Unknown()),
    }),
  ),
});

export const AuditEventSchema = Type.Object({
  id: Type.String(),
  taskId: Type.String(),
  projectId: Type.String(),
  jobId: Type.String(),
  startingUser: Nullable(Type.String()),
  operations: Type.Array(Type.String()),
  description: Type.String(),
  dataSource: Nullable(Type.String()),
  outcome: StringEnum(["succeeded", "failed"]),
  timestamp: Instant,
});

export const TaskRunSchema = Type.Object({
  jobId: Type.String(),
  taskId: Type.String(),
  projectId: Type.String(),
  attempt: Type.Integer(),
  retryOf: Nullable(Type.String()),
  status: StringEnum(RUN_STATUSES),
  queuedAt: Instant,
  startedAt: Nullable(Instant),
  endedAt: Nullable(Instant),
  message: Nullable(Type.String()),
  job: Nullable(AnyObject),
});

/** `{ result, resultCount }` of `item`. */
export const listOf = <T extends TSchema>(item: T) =>
  Type.Object({ result: Type.Array(item), resultCount: Type.Integer() });

export const TaskOverviewSchema = Type.Object({
  task: TaskSchema,
  runs: Type.Array(TaskRunSchema),
  files: Type.Array(Type.Unknown()),
  versions: Type.Array(ConfigVersionSchema),
  audit: Type.Array(AuditEventSchema),
});

/** A 204 answer: no body. */
export const NoContent = Type.Null({ description: "No content" });

/** A job, as the job routes answer it. */
export const JobAnswerSchema = AnyObject;
export const AnyAnswerSchema = Type.Unknown();
