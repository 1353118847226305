/**
 * Schedules over HTTP: the REST routes (`/schedules`), and the action style of the system
 * Sundial's users come from (`/scheduler?_action=…`, `/scheduler?_queryId=query-all-ids`),
 * which answers with the same schedule objects. Thin: each route checks its input against
 * its schema and calls the service.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { type Static, type TSchema, Type } from "typebox";
import { NoContent, Nullable, StringEnum, sameKeys } from "../api/openapi.js";
import { problemResponses } from "../api/problem.js";
import { validatorCompiler } from "../api/validator.js";
import { SundialError } from "../errors.js";
import type { Job } from "../jobs/job.js";
import { JobSchema } from "../jobs/job.routes.js";
import type { Schedule } from "./schedule.js";
import { LOG_LEVELS, MISFIRE_POLICIES, ScheduleInputSchema } from "./schedule.js";
import type { SaveOptions, ScheduleService } from "./schedule.service.js";

/** The node's scheduler, as the action-style routes command it (Sundial is one). */
export interface SchedulerControl {
  pauseJobs(): Promise<void>;
  resumeJobs(): Promise<void>;
  listCurrentlyExecutingJobs(): Promise<Job[]>;
  /** Whether firing is paused across the cluster (maintenance mode). */
  isPaused(): Promise<boolean>;
}

/** What `GET /scheduler/state` answers. */
export interface SchedulerState {
  readonly paused: boolean;
}

export interface ScheduleRoutesOptions {
  readonly schedules: ScheduleService;
  readonly scheduler: SchedulerControl;
}

/** The caller (when authentication is on) owns the schedules they create. */
function savedBy(request: FastifyRequest): SaveOptions {
  const name = request.principal?.name;
  return name === undefined ? {} : { by: name };
}

/** `owner=me` is the caller; without authentication there is no "me". */
function ownerOf(request: FastifyRequest, owner: string | undefined): string | undefined {
  if (owner !== "me") return owner;
  const name = request.principal?.name;
  if (name === undefined) {
    throw new SundialError("badRequest", "owner: `me` needs a logged-in caller; name a user", {
      field: "owner",
    });
  }
  return name;
}

/** How many fire times `GET /schedules/{id}` lists. */
const UPCOMING = 5;
const DEFAULT_PAGE = 100;
/** `query-all-ids` reads the ids this many at a time. */
const ID_PAGE = 1000;

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

const Iso = (description: string) =>
  Type.String({ description: `${description} (ISO 8601, UTC)`, format: "date-time" });
const input = ScheduleInputSchema.properties;

/**
 * A schedule as the API answers it: the input with its defaults filled in, and where
 * firing has got to. Every field of {@link Schedule}: the serializer drops any other.
 */
const ScheduleProperties = {
  _id: Type.String(),
  enabled: Type.Boolean(),
  type: Type.String({ description: "The trigger type: cron, unix, calendar, interval, once" }),
  schedule: Type.Optional(Type.String({ description: "The expression (cron, unix, calendar)" })),
  every: input.every,
  unit: input.unit,
  anchor: Type.Optional(Type.String({ description: "ISO 8601" })),
  at: Type.Optional(Type.String({ description: "ISO 8601" })),
  timeZone: Type.String(),
  startTime: Type.Optional(Type.String({ description: "ISO 8601" })),
  endTime: Type.Optional(Type.String({ description: "ISO 8601" })),
  dst: Type.Optional(Type.Unknown({ description: "The daylight-saving policy, as given" })),
  misfirePolicy: StringEnum(MISFIRE_POLICIES),
  misfireThreshold: Type.Integer({ description: "ms" }),
  concurrentExecution: Type.Boolean(),
  persisted: Type.Boolean(),
  invokeService: Type.String(),
  invokeContext: Type.Optional(Type.Unknown()),
  invokeLogLevel: StringEnum(LOG_LEVELS),
  owners: Type.Immutable(
    Type.Array(Type.String(), { description: "User names: whose schedule it is" }),
  ),
  nextFireTime: Nullable(Iso("The next fire; null when it will not fire again")),
  lastFireTime: Nullable(Iso("The last fire")),
  createdAt: Iso("When it was created"),
  updatedAt: Iso("When it was last saved"),
};
const ScheduleSchema = Type.Object(ScheduleProperties, {
  description: "A schedule (docs/schedules.md)",
});
sameKeys<Static<typeof ScheduleSchema>, Schedule>(true);

/** `GET /schedules/{id}`: the schedule and its next fire times. */
const ScheduleWithFiresSchema = Type.Object(
  {
    ...ScheduleProperties,
    nextFireTimes: Type.Array(Iso("A fire"), { description: `The next ${UPCOMING} fires` }),
  },
  { description: "A schedule, with its next fire times" },
);

/** A list item: the whole schedule, or with `fields` only those (and `_id`). */
const ScheduleFieldsSchema = Type.Object(
  {
    ...(Object.fromEntries(
      Object.entries(ScheduleProperties).map(([key, schema]) => [
        key,
        Type.Optional(schema as TSchema),
      ]),
    ) as unknown as ReturnType<typeof Type.Partial<typeof ScheduleSchema>>["properties"]),
    _id: ScheduleProperties._id,
  },
  { description: "A schedule, or with `fields` only those fields (and `_id`)" },
);

const ScheduleList = Type.Object({
  result: Type.Array(ScheduleFieldsSchema, { description: "Ordered by id" }),
  resultCount: Type.Integer(),
  pagedResultsCookie: Nullable(
    Type.String({ description: "Pass as `_pagedResultsCookie` for the next page; null: no more" }),
  ),
});

const IdList = Type.Object({
  result: Type.Array(Type.Object({ _id: Type.String() })),
  resultCount: Type.Integer(),
  pagedResultsCookie: Type.Null(),
  totalPagedResultsPolicy: Type.Literal("NONE"),
  totalPagedResults: Type.Literal(-1),
  remainingPagedResults: Type.Literal(-1),
});

const Success = Type.Object(
  { success: Type.Literal(true) },
  { description: "`pauseJobs`, `resumeJobs`" },
);

/** What `fields` may name: a schedule's input fields and what Sundial adds to them. */
const FIELDS = [
  ...Object.keys(ScheduleInputSchema.properties),
  "nextFireTime",
  "lastFireTime",
  "createdAt",
  "updatedAt",
];

const ListQuery = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    invokeService: Type.Optional(Type.String({ minLength: 1 })),
    type: Type.Optional(
      Type.Union([
        Type.Literal("cron"),
        Type.Literal("unix"),
        Type.Literal("calendar"),
        Type.Literal("interval"),
        Type.Literal("once"),
      ]),
    ),
    fields: Type.Optional(
      Type.String({
        description: `Comma-separated fields to return (\`_id\` always comes): ${FIELDS.join(", ")}`,
      }),
    ),
    owner: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Only the schedules this user owns; `me`: the caller's",
      }),
    ),
    _size: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, description: `default ${DEFAULT_PAGE}` }),
    ),
    _pagedResultsCookie: Type.Optional(
      Type.String({ description: "The previous page's `pagedResultsCookie`: the page after it." }),
    ),
  },
  { additionalProperties: false },
);

/** The query of `GET /schedules`, for typed clients (the web UI). */
export type ScheduleListQuery = Static<typeof ListQuery>;

const ActionQuery = Type.Object(
  {
    _action: Type.Union([
      Type.Literal("create"),
      Type.Literal("listCurrentlyExecutingJobs"),
      Type.Literal("pauseJobs"),
      Type.Literal("resumeJobs"),
    ]),
  },
  { additionalProperties: false },
);
const QueryIdQuery = Type.Object(
  { _queryId: Type.Literal("query-all-ids") },
  { additionalProperties: false },
);

/** The fields asked for, `_id` first. @throws SundialError `badRequest` naming `fields`. */
function fieldList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const asked = text
    .split(",")
    .map((field) => field.trim())
    .filter((field) => field !== "");
  const unknown = asked.find((field) => !FIELDS.includes(field));
  if (unknown !== undefined) {
    throw new SundialError(
      "badRequest",
      `fields: "${unknown}" is not a schedule field; use ${FIELDS.join(", ")}`,
      { field: "fields" },
    );
  }
  return ["_id", ...asked.filter((field) => field !== "_id")];
}

function project(
  schedule: Schedule,
  fields: readonly string[],
): Static<typeof ScheduleFieldsSchema> {
  const all = schedule as unknown as Record<string, unknown>;
  return Object.fromEntries(
    fields.filter((f) => all[f] !== undefined).map((f) => [f, all[f]]),
  ) as Static<typeof ScheduleFieldsSchema>;
}

function notFound(id: string): SundialError {
  return new SundialError("notFound", `No schedule has the id ${id}.`, { field: "id" });
}

export const scheduleRoutes: FastifyPluginAsyncTypebox<ScheduleRoutesOptions> = async (
  app,
  { schedules, scheduler },
) => {
  const tags = ["schedules"];

  app.put(
    "/schedules/:id",
    {
      config: { access: "operator" },
      schema: {
        summary: "Create or replace a schedule",
        description:
          "A body `_id`, if given, must equal the path's. An edit that keeps the timing keeps the next fire.",
        tags,
        params: IdParams,
        body: ScheduleInputSchema,
        response: {
          200: ScheduleSchema,
          ...problemResponses("badRequest", "invalidTrigger", "invalidTimeZone"),
        },
      },
    },
    async (request) => schedules.put(request.params.id, request.body, savedBy(request)),
  );

  app.post(
    "/schedules",
    {
      config: { access: "operator" },
      schema: {
        summary: "Create a schedule with a server-assigned id (or the body's `_id`)",
        tags,
        body: ScheduleInputSchema,
        response: {
          201: ScheduleSchema,
          ...problemResponses("badRequest", "invalidTrigger", "invalidTimeZone"),
        },
      },
    },
    async (request, reply) => {
      const schedule = await schedules.create(request.body, savedBy(request));
      return reply
        .code(201)
        .header("location", `${app.prefix}/schedules/${encodeURIComponent(schedule._id)}`)
        .send(schedule);
    },
  );

  app.get(
    "/schedules/:id",
    {
      config: { access: "viewer" },
      schema: {
        summary: `A schedule, with its next ${UPCOMING} fire times`,
        tags,
        params: IdParams,
        response: { 200: ScheduleWithFiresSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const schedule = await schedules.get(request.params.id);
      if (schedule === undefined) throw notFound(request.params.id);
      return { ...schedule, nextFireTimes: schedules.upcomingFires(schedule, UPCOMING) };
    },
  );

  app.get(
    "/schedules",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Schedules ordered by id, a page at a time",
        description:
          "Answers `{ result, resultCount, pagedResultsCookie }`; pass the cookie back as `_pagedResultsCookie` for the next page (null: no more).",
        tags,
        querystring: ListQuery,
        response: { 200: ScheduleList },
      },
    },
    async (request) => {
      const { fields, _size, _pagedResultsCookie, owner, ...filter } = request.query;
      const ownedBy = ownerOf(request, owner);
      const shown = fieldList(fields);
      const limit = _size ?? DEFAULT_PAGE;
      const page = await schedules.list({
        ...filter,
        ...(ownedBy === undefined ? {} : { owner: ownedBy }),
        limit,
        ...(_pagedResultsCookie === undefined ? {} : { afterId: _pagedResultsCookie }),
      });
      return {
        result: shown === undefined ? page : page.map((s) => project(s, shown)),
        resultCount: page.length,
        pagedResultsCookie: page.length === limit ? (page.at(-1)?._id ?? null) : null,
      };
    },
  );

  app.delete(
    "/schedules/:id",
    {
      config: { access: "operator" },
      schema: {
        summary: "Delete a schedule (a conf/ file's schedule comes back when its file changes)",
        tags,
        params: IdParams,
        response: { 204: NoContent, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      if (!(await schedules.delete(request.params.id))) throw notFound(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/scheduler",
    {
      config: { access: "operator" },
      schema: {
        summary: "Scheduler actions, in the style of the system Sundial replaces",
        description:
          "`_action=create` takes a schedule as the body and answers it as stored (201); " +
          "`listCurrentlyExecutingJobs` answers the RUNNING and STOPPING jobs of every node; " +
          "`pauseJobs` and `resumeJobs` stop and restart firing on every node (maintenance mode; running jobs carry on) and answer `{ success: true }`.",
        tags,
        querystring: ActionQuery,
        // Only `_action=create` takes a body: the schedule, which the service checks as
        // POST /schedules does. A body with the other actions is ignored, as it always was.
        body: ScheduleInputSchema,
        response: {
          200: Type.Union([
            Type.Array(JobSchema, { description: "`listCurrentlyExecutingJobs`" }),
            Success,
          ]),
          201: ScheduleSchema,
          ...problemResponses("badRequest", "invalidTrigger", "invalidTimeZone"),
        },
      },
      validatorCompiler: (route) =>
        route.httpPart === "body" ? (body) => ({ value: body }) : validatorCompiler(route),
    },
    async (request, reply) => {
      switch (request.query._action) {
        case "create":
          // Fastify hands a missing body over as null.
          if (request.body === undefined || request.body === null) {
            throw new SundialError("badRequest", "body: give the schedule as JSON", {
              field: "body",
            });
          }
          return reply.code(201).send(await schedules.create(request.body, savedBy(request)));
        case "listCurrentlyExecutingJobs":
          return scheduler.listCurrentlyExecutingJobs();
        case "pauseJobs":
          await scheduler.pauseJobs();
          return { success: true } as const;
        case "resumeJobs":
          await scheduler.resumeJobs();
          return { success: true } as const;
      }
    },
  );

  app.get(
    "/scheduler/state",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Whether firing is paused on every node (maintenance mode)",
        description: "Answers `{ paused }`; `pauseJobs` and `resumeJobs` change it.",
        tags,
        response: { 200: Type.Object({ paused: Type.Boolean() }) },
      },
    },
    async (): Promise<SchedulerState> => ({ paused: await scheduler.isPaused() }),
  );

  app.get(
    "/scheduler",
    {
      config: { access: "viewer" },
      schema: {
        summary: "The ids of every schedule (`_queryId=query-all-ids`)",
        tags,
        querystring: QueryIdQuery,
        response: { 200: IdList },
      },
    },
    async () => {
      const result: { _id: string }[] = [];
      for (;;) {
        const after = result.at(-1)?._id;
        const page = await schedules.list({
          limit: ID_PAGE,
          ...(after === undefined ? {} : { afterId: after }),
        });
        result.push(...page.map((schedule) => ({ _id: schedule._id })));
        if (page.length < ID_PAGE) break;
      }
      return {
        result,
        resultCount: result.length,
        pagedResultsCookie: null,
        totalPagedResultsPolicy: "NONE",
        totalPagedResults: -1,
        remainingPagedResults: -1,
      } as const;
    },
  );
};
