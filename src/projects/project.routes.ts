/**
 * Projects over HTTP: list, create, read, replace, delete, run, and their config history;
 * and the config history of any schedule. Thin: each route checks its input against its
 * schema and calls the service. The task routes are registered with them.
 *
 * Who may: viewers read; operators change; running needs the right to start `export`
 * jobs (operators, or a group granted `export`).
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { problemResponses } from "../api/problem.js";
import { EXPORT_JOB_TYPE } from "./owned-schedules.js";
import { ProjectInputSchema } from "./project-input.js";
import {
  ConfigDiffSchema,
  ConfigVersionListSchema,
  ConfigVersionSchema,
  JobAnswerSchema,
  NoContent,
  ProjectListSchema,
  ProjectSchema,
} from "./project-responses.js";
import {
  DiffQuery,
  Owner,
  ownerOf,
  type ProjectRoutesOptions,
  runByOf,
  savedBy,
  VersionParams,
} from "./route-context.js";
import { taskRoutes } from "./task.routes.js";
import { taskHistoryRoutes } from "./task-history.routes.js";

const IdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200, description: "The project's id or name" }),
});
const ScheduleParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) });
const ListQuery = Type.Object(
  {
    owner: Type.Optional(Owner),
    search: Type.Optional(
      Type.String({ maxLength: 200, description: "Part of the name, any case" }),
    ),
  },
  { additionalProperties: false },
);

export const projectRoutes: FastifyPluginAsyncTypebox<ProjectRoutesOptions> = async (
  app,
  options,
) => {
  const { projects, history, authorizeStart } = options;
  const tags = ["projects"];

  app.get(
    "/projects",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Projects by name, with their task counts",
        tags,
        querystring: ListQuery,
        response: { 200: ProjectListSchema },
      },
    },
    async (request) => {
      const owner = ownerOf(request, request.query.owner);
      const result = await projects.list({
        ...(owner === undefined ? {} : { owner }),
        ...(request.query.search === undefined ? {} : { search: request.query.search }),
      });
      return { result, resultCount: result.length };
    },
  );

  app.post(
    "/projects",
    {
      config: { access: "operator" },
      schema: {
        summary: "Create a project (201); its creator owns it unless `owners` says otherwise",
        tags,
        body: ProjectInputSchema,
        response: { 201: ProjectSchema, ...problemResponses("conflict") },
      },
    },
    async (request, reply) => {
      request.auditTarget = request.body.name;
      const project = await projects.create(request.body, savedBy(request));
      return reply
        .code(201)
        .header("location", `${app.prefix}/projects/${encodeURIComponent(project.id)}`)
        .send(project);
    },
  );

  app.get(
    "/projects/:id",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A project, by id or name, with its schedules' next fires",
        tags,
        params: IdParams,
        response: { 200: ProjectSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => projects.get(request.params.id),
  );

  app.put(
    "/projects/:id",
    {
      config: { access: "operator" },
      schema: {
        summary: "Replace a project's config (a new config version)",
        description:
          "Owners left out are kept. With `version`, an edit of a project changed meanwhile is refused (`conflict`).",
        tags,
        params: IdParams,
        body: ProjectInputSchema,
        response: { 200: ProjectSchema, ...problemResponses("notFound", "conflict") },
      },
    },
    async (request) => projects.update(request.params.id, request.body, savedBy(request)),
  );

  app.delete(
    "/projects/:id",
    {
      config: { access: "operator" },
      schema: {
        summary: "Delete a project without tasks, with its schedules and history",
        tags,
        params: IdParams,
        response: { 204: NoContent, ...problemResponses("notFound", "conflict") },
      },
    },
    async (request, reply) => {
      await projects.delete(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/projects/:id/run",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Run a project now: one export job running its enabled tasks (201)",
        description:
          "Needs the right to start `export` jobs: operators, or a group granted `export`. The caller becomes the job's `runBy`.",
        tags,
        params: IdParams,
        response: { 201: JobAnswerSchema, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      authorizeStart?.(request, EXPORT_JOB_TYPE);
      const job = await projects.run(request.params.id, { runBy: runByOf(request) });
      return reply.code(201).header("location", `${app.prefix}/jobs/${job.id}`).send(job);
    },
  );

  app.get(
    "/projects/:id/versions",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A project's config versions, the newest (the one that runs) first",
        tags,
        params: IdParams,
        response: { 200: ConfigVersionListSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const result = await projects.versions(request.params.id);
      return { result, resultCount: result.length };
    },
  );

  app.get(
    "/projects/:id/versions/diff",
    {
      config: { access: "viewer" },
      schema: {
        summary: "What changed between two config versions of a project, field by field",
        tags,
        params: IdParams,
        querystring: DiffQuery,
        response: { 200: ConfigDiffSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => projects.diff(request.params.id, request.query.from, request.query.to),
  );

  app.get(
    "/projects/:id/versions/:version",
    {
      config: { access: "viewer" },
      schema: {
        summary: "One config version of a project",
        tags,
        params: VersionParams,
        response: { 200: ConfigVersionSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => projects.version(request.params.id, request.params.version),
  );

  app.get(
    "/schedules/:id/versions",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A schedule's config versions, the newest first",
        description:
          "Every save of a schedule that changed it (API, CLI, conf/ files, projects and tasks) appended one.",
        tags: ["schedules"],
        params: ScheduleParams,
        response: { 200: ConfigVersionListSchema },
      },
    },
    async (request) => {
      const result = await history.versions("schedule", request.params.id);
      return { result, resultCount: result.length };
    },
  );

  app.get(
    "/schedules/:id/versions/diff",
    {
      config: { access: "viewer" },
      schema: {
        summary: "What changed between two config versions of a schedule, field by field",
        tags: ["schedules"],
        params: ScheduleParams,
        querystring: DiffQuery,
        response: { 200: ConfigDiffSchema, ...problemResponses("notFound") },
      },
    },
    async (request) =>
      history.diff("schedule", request.params.id, request.query.from, request.query.to),
  );

  app.register(taskRoutes, options);
  app.register(taskHistoryRoutes, options);
};
