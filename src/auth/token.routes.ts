/**
 * API tokens over HTTP. Everyone manages their own tokens; admins also anyone's. A
 * token someone may not see answers 404, as if it did not exist.
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import { Type } from "typebox";
import { problemResponses } from "../api/problem.js";
import { SundialError } from "../errors.js";
import type { AuthService } from "./auth.service.js";
import { NewTokenSchema } from "./auth-input.js";
import {
  ApiTokenSchema,
  authValidatorCompiler,
  CreatedTokenSchema,
  IdParams,
} from "./auth-schemas.js";
import { isAdmin, requireSelfOrAdmin } from "./permissions.js";
import { principalOf } from "./user.routes.js";

const tags = ["auth"];

const ListQuery = Type.Object(
  {
    user: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: "Whose tokens (admins); default yours",
      }),
    ),
  },
  { additionalProperties: false },
);

/** Adds the token routes to `app`. */
export function registerTokenRoutes(instance: FastifyInstance, auth: AuthService): void {
  const app = instance.withTypeProvider<TypeBoxTypeProvider>();
  const validatorCompiler = authValidatorCompiler;

  app.get(
    "/api/v1/tokens",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Your API tokens (admins: anyone's, with `user`), oldest first",
        tags,
        querystring: ListQuery,
        response: { 200: Type.Array(ApiTokenSchema), ...problemResponses("notFound") },
      },
      validatorCompiler,
    },
    async (request) => {
      const principal = principalOf(request);
      const user = request.query.user ?? principal.name;
      requireSelfOrAdmin(principal, user);
      return auth.listTokens(user);
    },
  );

  app.post(
    "/api/v1/tokens",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Create an API token; its secret is in this answer only",
        tags,
        body: NewTokenSchema,
        response: { 201: CreatedTokenSchema, ...problemResponses("notFound") },
      },
      validatorCompiler,
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const owner = request.body.user;
      if (owner !== undefined) requireSelfOrAdmin(principal, owner);
      const created = await auth.createToken(request.body, principal.name);
      request.auditTarget = created.token.id;
      // The secret is in this response only: no cache may keep it.
      return reply.code(201).header("cache-control", "no-store").send(created);
    },
  );

  app.delete(
    "/api/v1/tokens/:id",
    {
      config: { access: "viewer" },
      schema: {
        summary: "Revoke an API token (yours; admins: anyone's)",
        description: "Answers the token as revoked; revoking it again changes nothing.",
        tags,
        params: IdParams,
        response: { 200: ApiTokenSchema, ...problemResponses("notFound") },
      },
      validatorCompiler,
    },
    async (request) => {
      const principal = principalOf(request);
      const token = await auth.findToken(request.params.id);
      if (token === undefined || (token.user !== principal.name && !isAdmin(principal))) {
        throw new SundialError("notFound", `API token ${request.params.id} does not exist.`, {
          field: "id",
        });
      }
      return auth.revokeToken(token.id);
    },
  );
}
