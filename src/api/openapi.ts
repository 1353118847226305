/**
 * The OpenAPI document, built from the route schemas (so it can't drift from what the
 * routes check), at `/api/openapi.json`, and the docs UI at `/api/docs`.
 */
import { readFileSync } from "node:fs";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";

/** Read once; from src/api/ under the tests and dist/api/ when built, package.json is two up. */
const VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** Registers the document and the UI; call before the routes, whose schemas it collects. */
export function registerOpenApi(app: FastifyInstance): void {
  app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Sundial",
        version: VERSION,
        description:
          "Schedules, jobs and triggers. Every error is application/problem+json: `{ type, title, status, code, detail, field? }`, where `code` is stable (docs/errors.md).",
      },
      tags: [
        { name: "schedules", description: "Schedules and the scheduler" },
        { name: "triggers", description: "Checking and previewing triggers" },
        { name: "jobs", description: "Jobs: find, follow and command them" },
        { name: "health", description: "Liveness and readiness" },
      ],
    },
  });
  app.register(swaggerUi, { routePrefix: "/api/docs" });
  app.register(async (scope) => {
    scope.get(
      "/api/openapi.json",
      { config: { access: "viewer" }, schema: { hide: true } },
      async () => app.swagger(),
    );
  });
}
