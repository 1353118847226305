/**
 * Users and groups over HTTP. Managing users and groups is for admins; anyone may read
 * their own user and change their own password (giving the current one).
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Type } from "typebox";
import { NoContent } from "../api/openapi.js";
import { problemResponses } from "../api/problem.js";
import type { Principal } from "./auth.js";
import type { AuthService } from "./auth.service.js";
import {
  GroupSchema as GroupInputSchema,
  NewUserSchema,
  PasswordChangeSchema,
  UserChangeSchema,
} from "./auth-input.js";
import { authValidatorCompiler, GroupSchema, NameParams, UserSchema } from "./auth-schemas.js";
import { requireSelfOrAdmin } from "./permissions.js";

const tags = ["auth"];

/**
 * A user's own routes: only that user or an admin, checked before the input is, so that
 * someone else's is refused whatever the body says.
 */
async function selfOrAdmin(request: FastifyRequest): Promise<void> {
  requireSelfOrAdmin(principalOf(request), (request.params as { name: string }).name);
}

/** The principal of a route that is not public: the hook has set it. */
export function principalOf(request: FastifyRequest): Principal {
  return request.principal as Principal;
}

/** Adds the user and group routes to `app`. */
export function registerUserRoutes(
  instance: FastifyInstance,
  auth: AuthService,
  sessionOf: (request: FastifyRequest) => string | undefined,
): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const validatorCompiler = authValidatorCompiler;

  app.get(
    "/api/v1/users",
    {
      config: { access: "admin" },
      schema: {
        summary: "Every user, by name",
        tags,
        response: { 200: Type.Immutable(Type.Array(UserSchema)) },
      },
    },
    async () => auth.listUsers(),
  );

  app.post(
    "/api/v1/users",
    {
      config: { access: "admin" },
      schema: {
        summary: "Create a user (without a password: an account for API tokens only)",
        tags,
        body: NewUserSchema,
        response: { 201: UserSchema, ...problemResponses("conflict") },
      },
      validatorCompiler,
      // Before the body is checked, so that a refused creation is audited with the name too.
      preValidation: async (request) => {
        const name = (request.body as { name?: unknown } | null)?.name;
        if (typeof name === "string") request.auditTarget = name.slice(0, 200);
      },
    },
    async (request, reply) => reply.code(201).send(await auth.createUser(request.body)),
  );

  app.get(
    "/api/v1/users/:name",
    {
      config: { access: "viewer" },
      schema: {
        summary: "One user (yourself, or anyone for admins)",
        tags,
        params: NameParams,
        response: { 200: UserSchema, ...problemResponses("notFound") },
      },
      validatorCompiler,
      preValidation: selfOrAdmin,
    },
    async (request) => auth.getUser(request.params.name),
  );

  app.patch(
    "/api/v1/users/:name",
    {
      config: { access: "admin" },
      schema: {
        summary: "Change a user's roles, or disable or enable them",
        description: "Disabling ends their sessions and stops their tokens working.",
        tags,
        params: NameParams,
        body: UserChangeSchema,
        response: { 200: UserSchema, ...problemResponses("notFound", "conflict") },
      },
      validatorCompiler,
    },
    async (request) => auth.updateUser(request.params.name, request.body),
  );

  // Disables rather than deletes: the audit log and what the user ran keep their name.
  app.delete(
    "/api/v1/users/:name",
    {
      config: { access: "admin" },
      schema: {
        summary: "Disable a user (kept, so that the audit log and their jobs keep the name)",
        tags,
        params: NameParams,
        response: { 200: UserSchema, ...problemResponses("notFound", "conflict") },
      },
      validatorCompiler,
    },
    async (request) => auth.disableUser(request.params.name),
  );

  app.put(
    "/api/v1/users/:name/password",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Set a password (yours with the current one, or anyone's for admins)",
        description: "Ends the user's other sessions.",
        tags,
        params: NameParams,
        body: PasswordChangeSchema,
        response: { 204: NoContent, ...problemResponses("notFound") },
      },
      validatorCompiler,
      preValidation: selfOrAdmin,
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { name } = request.params;
      const self = principal.name === name;
      const keepSession = self && principal.via === "session" ? sessionOf(request) : undefined;
      await auth.setPassword(name, request.body, { requireCurrent: self, keepSession });
      return reply.code(204).send(null);
    },
  );

  app.get(
    "/api/v1/groups",
    {
      config: { access: "admin" },
      schema: {
        summary: "Every group, by name",
        tags,
        response: { 200: Type.Immutable(Type.Array(GroupSchema)) },
      },
    },
    async () => auth.listGroups(),
  );

  app.get(
    "/api/v1/groups/:name",
    {
      config: { access: "admin" },
      schema: {
        summary: "One group",
        tags,
        params: NameParams,
        response: { 200: GroupSchema, ...problemResponses("notFound") },
      },
      validatorCompiler,
    },
    async (request) => auth.getGroup(request.params.name),
  );

  app.put(
    "/api/v1/groups/:name",
    {
      config: { access: "admin" },
      schema: {
        summary: "Create a group, or replace its members and the job types they may start",
        tags,
        params: NameParams,
        body: GroupInputSchema,
        response: { 200: GroupSchema, ...problemResponses("notFound") },
      },
      validatorCompiler,
    },
    async (request) => auth.putGroup(request.params.name, request.body),
  );

  app.delete(
    "/api/v1/groups/:name",
    {
      config: { access: "admin" },
      schema: {
        summary: "Delete a group",
        tags,
        params: NameParams,
        response: { 204: NoContent, ...problemResponses("notFound") },
      },
      validatorCompiler,
    },
    async (request, reply) => {
      await auth.deleteGroup(request.params.name);
      return reply.code(204).send(null);
    },
  );
}
