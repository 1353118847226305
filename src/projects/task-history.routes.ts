/**
 * A task's history over HTTP: its config versions and the diff of two, its runs, audit
 * events and files (and resending one), the preview of its query, and all of it together
 * for a task page. Thin: each route checks its input against its schema and calls the
 * service.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { problemResponses } from "../api/problem.js";
import {
  AnyAnswerSchema,
  AuditEventSchema,
  ConfigDiffSchema,
  ConfigVersionListSchema,
  ConfigVersionSchema,
  listOf,
  TaskOverviewSchema,
  TaskRunSchema,
} from "./project-responses.js";
import {
  DiffQuery,
  type ProjectRoutesOptions,
  runByOf,
  SizeQuery,
  VersionParams,
} from "./route-context.js";
import { TaskIdParams } from "./task.routes.js";

const FileParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  fileId: Type.String({ minLength: 1, maxLength: 200 }),
});

export const taskHistoryRoutes: FastifyPluginAsyncTypebox<ProjectRoutesOptions> = async (
  app,
  { tasks, runs },
) => {
  const tags = ["tasks"];

  app.get(
    "/tasks/:id/versions",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A task's config versions, the newest (the one that runs) first",
        tags,
        params: TaskIdParams,
        response: { 200: ConfigVersionListSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const result = await tasks.versions(request.params.id);
      return { result, resultCount: result.length };
    },
  );

  app.get(
    "/tasks/:id/versions/diff",
    {
      config: { access: "viewer" },
      schema: {
        summary: "What changed between two config versions of a task, field by field",
        description:
          "Answers `{ from, to, changes: [{ path, change: added | removed | changed, from?, to? }] }`.",
        tags,
        params: TaskIdParams,
        querystring: DiffQuery,
        response: { 200: ConfigDiffSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => tasks.diff(request.params.id, request.query.from, request.query.to),
  );

  app.get(
    "/tasks/:id/versions/:version",
    {
      config: { access: "viewer" },
      schema: {
        summary: "One config version of a task",
        tags,
        params: VersionParams,
        response: { 200: ConfigVersionSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => tasks.version(request.params.id, request.params.version),
  );

  app.get(
    "/tasks/:id/runs",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A task's runs, the newest first, each with its job",
        tags,
        params: TaskIdParams,
        querystring: SizeQuery,
        response: { 200: listOf(TaskRunSchema), ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const result = await runs.runs(request.params.id, request.query._size);
      return { result, resultCount: result.length };
    },
  );

  app.get(
    "/tasks/:id/audit",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A task's audit events (one per run), the newest first",
        tags,
        params: TaskIdParams,
        querystring: SizeQuery,
        response: { 200: listOf(AuditEventSchema), ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const result = await runs.audit(request.params.id, request.query._size);
      return { result, resultCount: result.length };
    },
  );

  app.get(
    "/tasks/:id/files",
    {
      config: { access: "viewer" },
      schema: {
        summary: "The files a task's runs produced, the newest first",
        tags,
        params: TaskIdParams,
        querystring: SizeQuery,
        response: { 200: listOf(AnyAnswerSchema), ...problemResponses("notFound") },
      },
    },
    async (request) => {
      const result = await runs.fileList(request.params.id, request.query._size);
      return { result, resultCount: result.length };
    },
  );

  app.post(
    "/tasks/:id/files/:fileId/resend",
    {
      config: { access: "operator" },
      schema: {
        summary: "Send one of a task's files again, to the task's current destinations",
        tags,
        params: FileParams,
        response: { 200: AnyAnswerSchema, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      // Stops sending when the caller leaves rather than send for no one.
      const left = new AbortController();
      reply.raw.once("close", () => left.abort(new Error("the client left")));
      return runs.resend(request.params.id, request.params.fileId, left.signal);
    },
  );

  app.get(
    "/tasks/:id/preview",
    {
      config: { access: "operator" },
      schema: {
        summary: "The task's source as its next run would run it (the query with its parameters)",
        description:
          "For operators: a preview reaches the task's connection, as testing a connection does.",
        tags,
        params: TaskIdParams,
        response: { 200: AnyAnswerSchema, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      const left = new AbortController();
      reply.raw.once("close", () => left.abort(new Error("the client left")));
      const runBy = runByOf(request);
      return runs.preview(request.params.id, {
        ...(runBy === undefined ? {} : { runBy }),
        signal: left.signal,
      });
    },
  );

  app.get(
    "/tasks/:id/overview",
    {
      config: { access: "viewer" },
      schema: {
        summary: "A task with its runs, files, config versions and audit events, for a task page",
        tags,
        params: TaskIdParams,
        querystring: SizeQuery,
        response: { 200: TaskOverviewSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => runs.overview(request.params.id, request.query._size),
  );
};
