/**
 * Health for load balancers and orchestrators: `/healthz` says the process answers,
 * `/readyz` that it can do its work (the database answers and its schema is the one this
 * code expects). Both are public, so neither names the database nor its location.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { SundialError } from "../errors.js";
import { checkSchema, migrationsFor } from "../store/migrations.js";
import type { Store } from "../store/store.js";
import { problemResponses } from "./problem.js";

export interface HealthRoutesOptions {
  readonly store: Store;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (
  app,
  { store },
) => {
  const expected = migrationsFor(store.dialect);

  app.get(
    "/healthz",
    {
      config: { access: "public" },
      schema: {
        summary: "The process is up",
        tags: ["health"],
        response: { 200: Type.Object({ status: Type.Literal("ok") }) },
      },
    },
    async () => ({ status: "ok" }) as const,
  );

  app.get(
    "/readyz",
    {
      config: { access: "public" },
      schema: {
        summary: "The database answers and its schema is current",
        description:
          "503 `storeUnavailable` when the database does not answer, `schemaOutdated` or `schemaTooNew` when its schema is not the one this Sundial expects.",
        tags: ["health"],
        response: {
          200: Type.Object({ status: Type.Literal("ready") }),
          ...problemResponses("storeUnavailable", "schemaOutdated", "schemaTooNew"),
        },
      },
    },
    async (request) => {
      let versions: number[];
      try {
        await store.now();
        const rows = await store.db.selectFrom("sundial_migrations").select("version").execute();
        versions = rows.map((row) => Number(row.version));
      } catch (error) {
        request.log.warn({ err: error }, "readiness: the database does not answer");
        throw new SundialError("storeUnavailable", "The database does not answer.");
      }
      try {
        checkSchema(expected, versions, "(the database)");
      } catch (error) {
        request.log.warn({ err: error }, "readiness: the schema is not current");
        const code = (error as SundialError).code;
        throw new SundialError(
          code,
          code === "schemaTooNew"
            ? "The database was written by a newer Sundial."
            : "The database schema is older than this Sundial; run `sundial migrate`.",
        );
      }
      return { status: "ready" } as const;
    },
  );
};
