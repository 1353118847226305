/**
 * The HTTP app: Fastify with TypeBox route schemas, problem+json errors, OpenAPI, and each
 * domain's routes under `/api/v1`. Built apart from `listen()`, so tests call `inject()`
 * and `sundial serve` listens.
 *
 * @example
 * const sundial = await Sundial.open();
 * const app = buildApp({ sundial });
 * await app.listen({ host: "127.0.0.1", port: 8080 });
 */
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import { requireStartJob } from "../auth/index.js";
import { type FileHistoryService, fileRoutes } from "../exports/file-history/index.js";
import { fileNameRoutes } from "../exports/file-name.routes.js";
import { jobRoutes } from "../jobs/job.routes.js";
import { type ConnectionService, connectionRoutes } from "../projects/connections/index.js";
import { type ProjectRoutesOptions, projectRoutes } from "../projects/index.js";
import { type ScannerService, scannerRoutes } from "../scanner/index.js";
import { scheduleRoutes } from "../schedules/schedule.routes.js";
import { triggerRoutes } from "../schedules/trigger.routes.js";
import type { Sundial } from "../sundial.js";
import { requireAccess } from "./access.js";
import { healthRoutes } from "./health.routes.js";
import { SundialMetrics } from "./metrics.js";
import { metricsRoutes } from "./metrics.routes.js";
import { registerOpenApi } from "./openapi.js";
import { problemOf, registerProblems, sendProblem } from "./problem.js";
import { validatorCompiler } from "./validator.js";

/** A plugin that shares the app's scope: its hooks and decorations reach every route. */
export type AppPlugin = (app: FastifyInstance) => Promise<void>;

export interface BuildAppOptions {
  readonly sundial: Sundial;
  /** Stored connections (exports); without it the connection routes are left out. */
  readonly connections?: ConnectionService;
  /** Files export runs produced; without it the file routes are left out. */
  readonly files?: FileHistoryService;
  /** Projects and tasks (exports): their services; without them their routes are left out. */
  readonly projects?: Omit<ProjectRoutesOptions, "authorizeStart">;
  /** The task scanner (src/scanner/); without it its routes are left out. */
  readonly scanner?: ScannerService;
  /** Where request logs go (a pino logger); default nowhere. */
  readonly logger?: FastifyBaseLogger;
  /**
   * Registered in order in the app's own scope, after the OpenAPI document (so it lists
   * their routes too) and before health and the API: authentication goes here, reading
   * each route's `config.access` (src/api/access.ts).
   */
  readonly plugins?: readonly AppPlugin[];
  /** The largest request body in bytes; default 1 MiB. A larger one is a 413 `payloadTooLarge`. */
  readonly bodyLimit?: number;
  /** How often a job's event stream reads the store; default 500 ms. */
  readonly feedPollMs?: number;
  /** `/metrics` without credentials; default false (a viewer's token is needed). */
  readonly metricsPublic?: boolean;
  /** How long `/metrics` reuses the counts it read from the store; default 2000 ms. */
  readonly metricsCacheMs?: number;
}

export const API_PREFIX = "/api/v1";
const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** Probes and scrapers call these every few seconds; their lines would drown the rest. */
const QUIET_URLS = new Set(["/healthz", "/readyz", "/metrics"]);

/** One line per request when it is answered, rather than Fastify's two. */
class RequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime),
      ...(error ? { err: error } : {}),
    };
    if (QUIET_URLS.has(request.url)) request.log.debug(line, "request");
    else request.log.info(line, "request");
  }
}

/** Marks a plugin as sharing its parent's scope, as fastify-plugin does. */
function shared(plugin: AppPlugin): AppPlugin {
  const wrapped: AppPlugin = (instance) => plugin(instance);
  Object.defineProperty(wrapped, Symbol.for("skip-override"), { value: true });
  return wrapped;
}

/** Builds the app; nothing listens until `app.listen()`. */
export function buildApp(options: BuildAppOptions) {
  const { sundial } = options;
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit,
    logController: new RequestLog(),
    // Ids are up to 200 characters, more once percent-encoded; the route schemas say how long.
    routerOptions: { maxParamLength: 1000 },
    // A URL the router can't even read is answered like every other error.
    frameworkErrors: (error, _request, reply) => sendProblem(reply, problemOf(error, bodyLimit)),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  registerProblems(app, bodyLimit);
  requireAccess(app);
  registerOpenApi(app);
  for (const plugin of options.plugins ?? []) app.register(shared(plugin));

  app.register(healthRoutes, { store: sundial.store });
  const metrics = new SundialMetrics(
    sundial,
    options.metricsCacheMs === undefined ? {} : { cacheMs: options.metricsCacheMs },
  );
  app.addHook("onClose", async () => metrics.close());
  app.register(metricsRoutes, {
    metrics,
    access: options.metricsPublic === true ? "public" : "viewer",
  });
  app.register(
    async (api) => {
      api.register(scheduleRoutes, { schedules: sundial.schedules, scheduler: sundial });
      api.register(triggerRoutes);
      api.register(fileNameRoutes);
      if (options.connections) {
        api.register(connectionRoutes, { connections: options.connections });
      }
      if (options.files) api.register(fileRoutes, { files: options.files });
      // Running a task, a project or a scan starts a job: auth's rule says who may.
      const authorizeStart = (request: FastifyRequest, jobType: string) => {
        if (request.principal) requireStartJob(request.principal, jobType);
      };
      if (options.projects) {
        api.register(projectRoutes, { ...options.projects, authorizeStart });
      }
      if (options.scanner) {
        api.register(scannerRoutes, { scanner: options.scanner, authorizeStart });
      }
      api.register(jobRoutes, {
        jobs: sundial.jobs,
        ...(options.feedPollMs === undefined ? {} : { feedPollMs: options.feedPollMs }),
      });
    },
    { prefix: API_PREFIX },
  );
  return app;
}

/** The app {@link buildApp} makes. */
export type App = ReturnType<typeof buildApp>;
