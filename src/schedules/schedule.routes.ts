/**
 * Schedules over HTTP: the REST routes (`/schedules`), and the action style of the system
 * Sundial's users come from (`/scheduler?_action=…`, `/scheduler?_queryId=query-all-ids`),
 * which answers with the same schedule objects. Thin: each route checks its input against
 * its schema and calls the service.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { SundialError } from "../errors.js";
import type { Job } from "../jobs/job.js";
import type { Schedule } from "./schedule.js";
import { ScheduleInputSchema } from "./schedule.js";
import type { SaveOptions, ScheduleService } from "./schedule.service.js";

/** The node's scheduler, as the action-style routes command it (Sundial is one). */
export interface SchedulerControl {
  pauseJobs(): Promise<void>;
  resumeJobs(): Promise<void>;
  listCurrentlyExecutingJobs(): Promise<Job[]>;
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

function project(schedule: Schedule, fields: readonly string[]): Record<string, unknown> {
  const all = schedule as unknown as Record<string, unknown>;
  return Object.fromEntries(fields.filter((f) => all[f] !== undefined).map((f) => [f, all[f]]));
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
      },
    },
    async (request, reply) => {
      if (!(await schedules.delete(request.params.id))) throw notFound(request.params.id);
      return reply.code(204).send();
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
      },
    },
    async (request, reply) => {
      switch (request.query._action) {
        case "create":
          if (request.body === undefined) {
            throw new SundialError("badRequest", "body: give the schedule as JSON", {
              field: "body",
            });
          }
          return reply.code(201).send(await schedules.create(request.body, savedBy(request)));
        case "listCurrentlyExecutingJobs":
          return scheduler.listCurrentlyExecutingJobs();
        case "pauseJobs":
          await scheduler.pauseJobs();
          return { success: true };
        case "resumeJobs":
          await scheduler.resumeJobs();
          return { success: true };
      }
    },
  );

  app.get(
    "/scheduler",
    {
      config: { access: "viewer" },
      schema: {
        summary: "The ids of every schedule (`_queryId=query-all-ids`)",
        tags,
        querystring: QueryIdQuery,
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
      };
    },
  );
};
