/**
 * `GET /metrics`: the Prometheus text format. A viewer's token is needed unless the
 * server was configured to make it public (`metricsPublic`), as most scrapers are set up
 * to send a bearer token anyway.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { SundialError } from "../errors.js";
import type { Access } from "./access.js";
import type { SundialMetrics } from "./metrics.js";
import { textResponse } from "./openapi.js";
import { problemResponses } from "./problem.js";

export interface MetricsRoutesOptions {
  readonly metrics: SundialMetrics;
  readonly access: Extract<Access, "public" | "viewer">;
}

export const metricsRoutes: FastifyPluginAsyncTypebox<MetricsRoutesOptions> = async (
  app,
  { metrics, access },
) => {
  app.get(
    "/metrics",
    {
      config: { access },
      schema: {
        summary: "Metrics in the Prometheus text format",
        description:
          "Jobs by type and status, queue depth, job durations and waiting times, fire lateness, missed and duplicate fires, this node's heartbeat and Node's process metrics (docs/metrics.md). 503 `storeUnavailable` when the database does not answer.",
        tags: ["metrics"],
        response: {
          200: textResponse("text/plain", "The Prometheus text exposition format, version 0.0.4"),
          ...problemResponses("storeUnavailable"),
        },
      },
    },
    async (request, reply) => {
      let text: string;
      try {
        text = await metrics.text();
      } catch (error) {
        request.log.warn({ err: error }, "metrics: the database does not answer");
        throw new SundialError("storeUnavailable", "The database does not answer.", {
          cause: error,
        });
      }
      return reply.type(metrics.contentType).send(text);
    },
  );
};
