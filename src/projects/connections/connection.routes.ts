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
import { Type } from "typebox";
import {
  ConnectionChangeSchema,
  ConnectionNameSchema,
  type ConnectionService,
  ConnectionTypeSchema,
  NewConnectionSchema,
  type SaveOptions,
} from "./connection.service.js";

export interface ConnectionRoutesOptions {
  readonly connections: ConnectionService;
}

const NameParams = Type.Object({ name: ConnectionNameSchema });
const ListQuery = Type.Object(
  { type: Type.Optional(ConnectionTypeSchema) },
  { additionalProperties: false },
);

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
      },
    },
    async (request) => connections.update(request.params.name, request.body, savedBy(request)),
  );

  app.delete(
    "/connections/:name",
    {
      config: { access: "operator" },
      schema: { summary: "Delete a connection", tags, params: NameParams },
    },
    async (request, reply) => {
      await connections.delete(request.params.name);
      return reply.code(204).send();
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
