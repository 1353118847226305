/**
 * API tokens over HTTP. Everyone manages their own tokens; admins also anyone's. A
 * token someone may not see answers 404, as if it did not exist.
 */
import type { FastifyInstance } from "fastify";
import { SundialError } from "../errors.js";
import type { AuthService } from "./auth.service.js";
import { isAdmin, requireSelfOrAdmin } from "./permissions.js";
import { principalOf } from "./user.routes.js";

/** Adds the token routes to `app`. */
export function registerTokenRoutes(app: FastifyInstance, auth: AuthService): void {
  app.get<{ Querystring: { user?: string } }>(
    "/api/v1/tokens",
    { config: { access: "viewer" } },
    async (request) => {
      const principal = principalOf(request);
      const user = request.query.user ?? principal.name;
      requireSelfOrAdmin(principal, user);
      return auth.listTokens(user);
    },
  );

  app.post("/api/v1/tokens", { config: { access: "viewer" } }, async (request, reply) => {
    const principal = principalOf(request);
    const owner = (request.body as { user?: unknown } | null)?.user;
    if (typeof owner === "string") requireSelfOrAdmin(principal, owner);
    const created = await auth.createToken(request.body, principal.name);
    request.auditTarget = created.token.id;
    // The secret is in this response only: no cache may keep it.
    return reply.code(201).header("cache-control", "no-store").send(created);
  });

  app.delete<{ Params: { id: string } }>(
    "/api/v1/tokens/:id",
    { config: { access: "viewer" } },
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
