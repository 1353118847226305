/**
 * Connections over HTTP: list, create, read, replace, delete and test. Thin: each route
 * checks its input against its schema and calls the service. Secrets never leave: reads
 * give `{ "set": true }` in their place, and nothing here resolves a connection.
 *
 * Who may: any user may list names and types (to pick a connection for a task); reading
 * the settings, changing and testing them (which reaches out to the endpoint) is for
 * operators.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { NoContent, Nullable, StringEnum, sameKeys } from "../../api/openapi.js";
import { problemResponses } from "../../api/problem.js";
import type { Connection, ConnectionSummary, ConnectionTestResult } from "./connection.js";
import {
  ConnectionChangeSchema,
  ConnectionNameSchema,
  type ConnectionService,
  ConnectionTypeSchema,
  NewConnectionSchema,
  type SaveOptions,
} from "./connection.service.js";
import { CONNECTION_TYPES } from "./connection-settings.js";

export interface ConnectionRoutesOptions {
  readonly connections: ConnectionService;
}

const NameParams = Type.Object({ name: ConnectionNameSchema });
const ListQuery = Type.Object(
  { type: Type.Optional(ConnectionTypeSchema) },
  { additionalProperties: false },
);

const Instant = (description: string) =>
  Type.Integer({ description: `${description} (ms since 1970-01-01 UTC)` });

/** What a list shows of a connection: no settings. */
const SummaryProperties = {
  name: Type.String(),
  type: StringEnum(CONNECTION_TYPES),
  description: Nullable(Type.String()),
  createdAt: Instant("When it was created"),
  updatedAt: Instant("When it was last changed"),
  createdBy: Nullable(Type.String({ description: "Who created it, when a known user did" })),
  updatedBy: Nullable(Type.String({ description: "Who last changed it, when a known user did" })),
};
const ConnectionSummarySchema = Type.Object(SummaryProperties);
sameKeys<Static<typeof ConnectionSummarySchema>, ConnectionSummary>(true);

/**
 * A connection read back. Its settings differ by type (docs/connections.md), so the schema
 * keeps every one of them rather than name them: each secret among them is `{ "set": boolean }`,
 * never its value.
 */
const ConnectionSchema = Type.Object({
  ...SummaryProperties,
  settings: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The type\'s settings; each secret as `{ "set": true }` or `{ "set": false }`',
  }),
});
sameKeys<Static<typeof ConnectionSchema>, Connection>(true);

const ConnectionList = Type.Object({
  result: Type.Array(ConnectionSummarySchema, { description: "By name" }),
  resultCount: Type.Integer(),
});

const TestResultSchema = Type.Object({
  ok: Type.Boolean(),
  message: Type.String({ description: "What was tried and what happened" }),
  details: Type.Optional(
    Type.Record(Type.String(), Type.String(), {
      description: "What the test learnt: a server's version, a host key's fingerprint, …",
    }),
  ),
});
sameKeys<Static<typeof TestResultSchema>, ConnectionTestResult>(true);

function savedBy(request: FastifyRequest): SaveOptions {
  return { by: request.principal?.name };
}

export const connectionRoutes: FastifyPluginAsyncTypebox<ConnectionRoutesOptions> = async (
  app,
  { connections },
) => {
  const tags = ["connections"];

  app.get(
    "/connections",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Connections by name: names, types and descriptions, no settings",
        description: "Answers `{ result, resultCount }`.",
        tags,
        querystring: ListQuery,
        response: { 200: ConnectionList },
      },
    },
    async (request) => {
      const result = await connections.list(request.query);
      return { result, resultCount: result.length };
    },
  );

  app.post(
    "/connections",
    {
      config: { access: "operator" },
      schema: {
        summary: "Create a connection (answered, 201, with its secrets masked)",
        tags,
        body: NewConnectionSchema,
        response: { 201: ConnectionSchema, ...problemResponses("conflict") },
      },
    },
    async (request, reply) => {
      request.auditTarget = request.body.name;
      const connection = await connections.create(request.body, savedBy(request));
      return reply
        .code(201)
        .header("location", `${app.prefix}/connections/${encodeURIComponent(connection.name)}`)
        .send(connection);
    },
  );

  app.get(
    "/connections/:name",
    {
      config: { access: "operator" },
      schema: {
        summary: 'A connection and its settings; each secret as `{ "set": true }`, never its value',
        tags,
        params: NameParams,
        response: { 200: ConnectionSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => connections.get(request.params.name),
  );

  app.put(
    "/connections/:name",
    {
      config: { access: "operator" },
      schema: {
        summary: "Replace a connection's description and settings",
        description:
          'A secret left out, or sent back as `{ "set": true }`, keeps its stored value; `null` removes it. The name and type stay.',
        tags,
        params: NameParams,
        body: ConnectionChangeSchema,
        response: { 200: ConnectionSchema, ...problemResponses("notFound") },
      },
    },
    async (request) => connections.update(request.params.name, request.body, savedBy(request)),
  );

  app.delete(
    "/connections/:name",
    {
      config: { access: "operator" },
      schema: {
        summary: "Delete a connection",
        tags,
        params: NameParams,
        response: { 204: NoContent, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      await connections.delete(request.params.name);
      return reply.code(204).send(null);
    },
  );

  app.post(
    "/connections/:name/test",
    {
      config: { access: "operator" },
      schema: {
        summary: "Test a connection the way an export would use it",
        description:
          "Answers `{ ok, message, details? }`: a connection that fails is a result (`ok: false` and why), not an error.",
        tags,
        params: NameParams,
        response: { 200: TestResultSchema, ...problemResponses("notFound") },
      },
    },
    async (request, reply) => {
      // Stops when the caller leaves rather than test for no one.
      const left = new AbortController();
      reply.raw.once("close", () => left.abort(new Error("the client left")));
      return connections.test(request.params.name, { signal: left.signal });
    },
  );
};
