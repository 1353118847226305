/**
 * Tasks over HTTP: list every task (paged, sorted, searched, filtered by owner and
 * project), create, read, replace, delete, and the actions: run now, enable, disable,
 * reschedule, duplicate and cancel a waiting retry. Thin: each route checks its input
 * against its schema and calls the service. History, files and preview are in
 * task-history.routes.ts.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { problemResponses } from "../api/problem.js";
import { SundialError } from "../errors.js";
import { EXPORT_JOB_TYPE } from "./owned-schedules.js";
import { TASK_SORT_KEYS, type TaskSortKey } from "./project.repository.js";
import { ProjectNameSchema, ScheduleEntrySchema, TaskInputSchema } from "./project-input.js";
import { JobAnswerSchema, NoContent, TaskPageSchema, TaskSchema } from "./project-responses.js";
import {
  Owner,
  ownerOf,
  type ProjectRoutesOptions,
  runByOf,
  Size,
  savedBy,
} from "./route-context.js";

const DEFAULT_PAGE = 100;
const SORT_KEYS = Object.keys(TASK_SORT_KEYS) as TaskSortKey[];
/** By project, then in run order. */
const DEFAULT_SORT = ["project", "rank", "name"] as const;

export const TaskIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });

const ListQuery = Type.Object(
  {
    project: Type.Optional(Type.String({ minLength: 1, description: "A project's name or id" })),
    owner: Type.Optional(Owner),
    enabled: Type.Optional(Type.Boolean()),
    search: Type.Optional(
      Type.String({
        maxLength: 200,
        description: "Part of the task's or its project's name, any case",
      }),
    ),
    _sortKeys: Type.Optional(
      Type.String({
        description: `Comma-separated: ${SORT_KEYS.join(", ")}; \`-\` in front for descending (\`-updatedAt\`). Default ${DEFAULT_SORT.join(",")}`,
      }),
    ),
    _pagedResultsOffset: Type.Optional(
      Type.Integer({ minimum: 0, description: "How many matching tasks to skip; default 0" }),
    ),
    _size: Type.Optional(Size(DEFAULT_PAGE)),
  },
  { additionalProperties: false },
);

const DuplicateQuery = Type.Object(
  {
    name: Type.Optional(ProjectNameSchema),
    project: Type.Optional(
      Type.String({ minLength: 1, description: "Another project's name or id" }),
    ),
  },
  { additionalProperties: false },
);

const SchedulesBody = Type.Object(
  { schedules: Type.Array(ScheduleEntrySchema, { maxItems: 20 }) },
  { additionalProperties: false },
);

/** `_sortKeys` as the repository takes it. @throws SundialError `badRequest` naming `_sortKeys`. */
function sortOf(text: string | undefined) {
  const keys = (text ?? DEFAULT_SORT.join(",")).split(",").map((key) => key.trim());
  return keys
    .filter((key) => key !== "")
    .map((key) => {
      const descending = key.startsWith("-");
      const name = (descending || key.startsWith("+") ? key.slice(1) : key) as TaskSortKey;
      if (!SORT_KEYS.includes(name)) {
        throw new SundialError(
          "badRequest",
          `_sortKeys: "${key}" is not a sort key; use ${SORT_KEYS.join(", ")}, with - in front for descending`,
          { field: "_sortKeys" },
        );
      }
      return { key: name, descending };
    });
}

export const taskRoutes: FastifyPluginAsyncTypebox<ProjectRoutesOptions> = async (
  app,
  { tasks, runs, authorizeStart },
) => {
  const tags = ["tasks"];
  const location = (id: string) => `${app.prefix}/tasks/${encodeURIComponent(id)}`;

  app.get(
    "/tasks",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Every task, a page at a time: sorted, searched, filtered by owner and project",
        tags,
        querystring: ListQuery,
        response: { 200: TaskPageSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const query = request.query;
      const owner = ownerOf(request, query.owner);
      const projectId =
        query.project === undefined ? undefined : await tasks.projectIdOf(query.project);
      const offset = query._pagedResultsOffset ?? 0;
      const { result, total } = await tasks.list({
        projectId,
        owner,
        enabled: query.enabled,
        search: query.search,
        sort: sortOf(query._sortKeys),
        offset,
        limit: query._size ?? DEFAULT_PAGE,
      });
      return {
        result,
        resultCount: result.length,
        totalPagedResults: total,
        remainingPagedResults: Math.max(0, total - offset - result.length),
      };
    },
  );

  app.post(
    "/tasks",
    {
      config: { access: "operator" },
      schema: {
        summary: "Create a task in a project (201)",
        description: "The export settings (`source`, `output`, …) are in the task object itself.",
        tags,
        body: TaskInputSchema,
        response: { 201: TaskSchema, ...problemResponses("notFound", "conflict") },
      },
    },
    async (request, reply) => {
      request.auditTarget = request.body.name;
      const task = await tasks.create(request.body, savedBy(request));
      return reply.code(201).header("location", location(task.id)).send(task);
    },
  );

  app.get(
    "/tasks/:id",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A task",
        tags,
        params: TaskIdParams,
        response: { 200: TaskSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => tasks.get(request.params.id),
  );

  app.put(
    "/tasks/:id",
    {
      config: { access: "operator" },
      schema: {
        summary: "Edit a task: replace its config (a new config version)",
        description:
          "A `rank` left out keeps the task's place. With `version`, an edit of a task changed meanwhile is refused (`conflict`).",
        tags,
        params: TaskIdParams,
        body: TaskInputSchema,
        response: { 200: TaskSchema, ...problemResponses("notFound", "conflict") },
      },
    },
    async (request) => tasks.update(request.params.id, request.body, savedBy(request)),
  );

  app.delete(
    "/tasks/:id",
    {
      config: { access: "operator" },
      schema: {
        summary: "Delete a task, its schedules and its history",
        tags,
        params: TaskIdParams,
        response: { 204: NoContent, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      await tasks.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/tasks/:id/run",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Run a task now, enabled or not (201: its export job)",
        description:
          "Needs the right to start `export` jobs: operators, or a group granted `export`. The caller becomes the job's `runBy`.",
        tags,
        params: TaskIdParams,
        response: { 201: JobAnswerSchema, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      authorizeStart?.(request, EXPORT_JOB_TYPE);
      const job = await runs.run(request.params.id, { runBy: runByOf(request) });
      return reply.code(201).header("location", `${app.prefix}/jobs/${job.id}`).send(job);
    },
  );

  for (const [action, enabled] of [
    ["enable", true],
    ["disable", false],
  ] as const) {
    app.post(
      `/tasks/:id/${action}`,
      {
        config: { access: "operator" },
        schema: {
          summary: enabled
            ? "Enable a task: its schedules fire and its project's runs take it"
            : "Disable a task: its schedules don't fire and its project's runs skip it",
          tags,
          params: TaskIdParams,
          response: { 200: TaskSchema, ...problemResponses("notFound") },
        },
      },
      async (request) => tasks.setEnabled(request.params.id, enabled, savedBy(request)),
    );
  }

  app.put(
    "/tasks/:id/schedules",
    {
      config: { access: "operator" },
      schema: {
        summary: "Reschedule a task: replace its schedules (a new config version)",
        tags,
        params: TaskIdParams,
        body: SchedulesBody,
        response: { 200: TaskSchema, ...problemResponses("notFound") },
      },
    },
    async (request) =>
      tasks.reschedule(request.params.id, request.body.schedules, savedBy(request)),
  );

  app.post(
    "/tasks/:id/duplicate",
    {
      config: { access: "operator" },
      schema: {
        summary: "Copy a task, disabled (201)",
        description: 'Default name "<name> copy"; default project the task\'s.',
        tags,
        params: TaskIdParams,
        querystring: DuplicateQuery,
        response: { 201: TaskSchema, ...problemResponses("notFound", "conflict") },
      },
    },
    async (request, reply) => {
      const task = await tasks.duplicate(request.params.id, request.query, savedBy(request));
      return reply.code(201).header("location", location(task.id)).send(task);
    },
  );

  app.post(
    "/tasks/:id/cancel-retry",
    {
      config: { access: "operator" },
      schema: {
        summary: "Cancel the retries of a task that wait for their time",
        description:
          "Answers `{ canceled }`, the jobs canceled (none when none waits). Refused (`conflict`) while the task is running.",
        tags,
        params: TaskIdParams,
        response: {
          200: Type.Object({ canceled: Type.Array(JobAnswerSchema) }),
          ...problemResponses("notFound", "conflict"),
        },
      },
    },
    async (request) => runs.cancelRetry(request.params.id),
  );
};
