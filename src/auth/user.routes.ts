/**
 * Users and groups over HTTP. Managing users and groups is for admins; anyone may read
 * their own user and change their own password (giving the current one).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Principal } from "./auth.js";
import type { AuthService } from "./auth.service.js";
import { requireSelfOrAdmin } from "./permissions.js";

type Named = { Params: { name: string } };

/** The principal of a route that is not public: the hook has set it. */
export function principalOf(request: FastifyRequest): Principal {
  return request.principal as Principal;
}

/** Adds the user and group routes to `app`. */
export function registerUserRoutes(
  app: FastifyInstance,
  auth: AuthService,
  sessionOf: (request: FastifyRequest) => string | undefined,
): void {
  app.get("/api/v1/users", { config: { access: "admin" } }, async () => auth.listUsers());

  app.post("/api/v1/users", { config: { access: "admin" } }, async (request, reply) => {
    const name = (request.body as { name?: unknown } | null)?.name;
    if (typeof name === "string") request.auditTarget = name;
    const user = await auth.createUser(request.body);
    return reply.code(201).send(user);
  });

  app.get<Named>("/api/v1/users/:name", { config: { access: "viewer" } }, async (request) => {
    requireSelfOrAdmin(principalOf(request), request.params.name);
    return auth.getUser(request.params.name);
  });

  app.patch<Named>("/api/v1/users/:name", { config: { access: "admin" } }, async (request) =>
    auth.updateUser(request.params.name, request.body),
  );

  // Disables rather than deletes: the audit log and what the user ran keep their name.
  app.delete<Named>("/api/v1/users/:name", { config: { access: "admin" } }, async (request) =>
    auth.disableUser(request.params.name),
  );

  app.put<Named>(
    "/api/v1/users/:name/password",
    { config: { access: "viewer" } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { name } = request.params;
      requireSelfOrAdmin(principal, name);
      const self = principal.name === name;
      const keepSession = self && principal.via === "session" ? sessionOf(request) : undefined;
      await auth.setPassword(name, request.body, { requireCurrent: self, keepSession });
      return reply.code(204).send();
    },
  );

  app.get("/api/v1/groups", { config: { access: "admin" } }, async () => auth.listGroups());

  app.get<Named>("/api/v1/groups/:name", { config: { access: "admin" } }, async (request) =>
    auth.getGroup(request.params.name),
  );

  app.put<Named>("/api/v1/groups/:name", { config: { access: "admin" } }, async (request) =>
    auth.putGroup(request.params.name, request.body),
  );

  app.delete<Named>(
    "/api/v1/groups/:name",
    { config: { access: "admin" } },
    async (request, reply) => {
      await auth.deleteGroup(request.params.name);
      return reply.code(204).send();
    },
  );
}
