/**
 * A running server: Sundial (scheduler, workers, conf/ watching) and the HTTP app on one
 * configuration and one logger. `sundial serve` starts one and stops it on a signal.
 */
import { join } from "node:path";
import type { Logger } from "pino";
import { AuthService, authPlugin } from "../auth/index.js";
import { SundialError } from "../errors.js";
import { DELIVERY_TESTERS } from "../exports/connection-testers.js";
import { checkExportSpec } from "../exports/export-spec.js";
import { FileHistoryService } from "../exports/file-history/index.js";
import {
  type ExportInvokerOptions,
  exportExecutor,
  exportPreviewer,
  registerExportInvoker,
} from "../invokers/export-invoker.js";
import { ConnectionService } from "../projects/connections/index.js";
import {
  ConfigHistory,
  ProjectService,
  TaskRunner,
  TaskRunService,
  TaskService,
} from "../projects/index.js";
import { openTaskScanner } from "../scanner/index.js";
import { Sundial } from "../sundial.js";
import { API_PREFIX, type App, buildApp } from "./app.js";
import { ErrorLog, jobLogFields } from "./error-log.js";
import type { ServerConfig } from "./server-config.js";
import { webRoutes } from "./web.routes.js";

export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080` (the real port when 0 was asked). */
  readonly url: string;
  readonly sundial: Sundial;
  readonly app: App;
  /**
   * Stops accepting requests (open event streams and long polls end), stops firing and
   * claiming, gives running jobs `shutdownGraceMs` to finish, then closes the database.
   */
  close(): Promise<void>;
}

/**
 * Projects and tasks on `sundial`: their services, the config history of every schedule,
 * and the `export` job type that runs them (defined here, so before `start()` loads the
 * conf/ files whose schedules may invoke it).
 * @example const projects = openProjects(sundial, { connections, files, workDirectory: "/srv/sundial/runs" });
 */
export function openProjects(sundial: Sundial, exports: ExportInvokerOptions) {
  const { store, schedules, jobs } = sundial;
  const history = new ConfigHistory(store);
  history.follow(schedules);
  const projects = new ProjectService(store, { schedules, jobs });
  const tasks = new TaskService(store, { projects, schedules, exportSettings: checkExportSpec });
  const runner = new TaskRunner(store, { jobs, execute: exportExecutor(exports) });
  registerExportInvoker(sundial, (context) => runner.run(context));
  const preview = exportPreviewer(exports);
  const { files, connections } = exports;
  const runs = new TaskRunService(store, { tasks, jobs, files, connections, preview });
  return { projects, tasks, runs, history };
}

/**
 * On the first start (no user yet), creates `admin` with `SUNDIAL_ADMIN_PASSWORD`, or with
 * a password made up here and written once to stderr (not to the log, which is kept).
 */
async function announceAdmin(
  auth: AuthService,
  logger: Logger,
  password: string | undefined,
  io: { readonly stderr: (text: string) => void },
): Promise<void> {
  const first = await auth.bootstrapAdmin(password === undefined ? {} : { password });
  if (!first.created) return;
  logger.info({ user: first.name }, "first start: created the admin user");
  if (first.generatedPassword !== undefined) {
    io.stderr(
      `\nFirst start: log in as "${first.name}" with the one-time password\n\n    ${first.generatedPassword}\n\n` +
        `It is shown only now. Change it with: sundial users passwd ${first.name}\n\n`,
    );
  }
}

/**
 * Opens Sundial, listens, then starts firing and running jobs (a port that is taken
 * starts nothing).
 * @throws SundialError `unavailable` when the address is in use or not this machine's.
 */
export async function startServer(
  config: ServerConfig,
  logger: Logger,
  io: { readonly stderr: (text: string) => void } = {
    stderr: (text) => process.stderr.write(text),
  },
): Promise<RunningServer> {
  // Before the database: a path that can't be written starts nothing.
  const errorLog = ErrorLog.open({
    file: config.errorLog,
    maxBytes: config.errorLogMaxBytes,
    onError: (error) =>
      logger.warn({ err: error, file: config.errorLog }, "error log: cannot write"),
  });
  const sundial = await Sundial.open({
    database: config.database,
    ...(config.schema === undefined ? {} : { schema: config.schema }),
    conf: config.conf,
    onConfProblem: (problem) =>
      logger.warn(
        { file: problem.file, field: problem.field },
        `${problem.message}; the schedule it held is unchanged`,
      ),
  }).catch(async (error: unknown) => {
    await errorLog.close();
    throw error;
  });
  sundial.jobs.events.on("error", (error) => logger.error({ err: error }, "job runtime error"));
  sundial.jobs.events.on("finished", (job) => {
    if (job.hasErrors) logger.warn(jobLogFields(job), "job ended with errors");
    else logger.info(jobLogFields(job), "job ended");
  });
  errorLog.follow(sundial);
  const auth = new AuthService(sundial.store);
  const authenticate = authPlugin(auth);
  const connections = new ConnectionService(sundial.store, {
    secretKey: config.secretKey,
    testers: DELIVERY_TESTERS,
  });
  // Every file export runs produce is kept here, and purged past its retention hourly.
  const files = new FileHistoryService(sundial.store, {
    directory: join(config.dataDir, "files"),
    retentionDays: config.fileRetentionDays,
  });
  const retention = files.purgeEvery(3_600_000, (error) =>
    logger.warn({ err: error }, "file history: the retention purge failed"),
  );
  // Export runs write in <dataDir>/runs; file history keeps what they made.
  const projects = openProjects(sundial, {
    connections,
    files,
    workDirectory: join(config.dataDir, "runs"),
    scriptEnvironments: config.scriptEnvironments,
  });
  // Defined before start(), like export: conf/ schedules may invoke it.
  const scanner = openTaskScanner(sundial, { connections, keepRuns: config.scanRunsKept });
  const app = buildApp({
    projects,
    scanner,
    files,
    sundial,
    logger,
    plugins: [(instance) => authenticate(instance, {}), webRoutes()],
    metricsPublic: config.metricsPublic,
    connections,
  });
  const closeAll = async (graceMs: number) => {
    retention.stop();
    await app.close();
    await sundial.close({ graceMs });
    // Last: jobs ending within the grace period still write their lines.
    await errorLog.close();
  };
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    await closeAll(0);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES") {
      const why =
        code === "EADDRINUSE"
          ? "is in use by another program"
          : code === "EACCES"
            ? "needs privileges this process lacks"
            : "is not an address of this machine";
      throw new SundialError(
        "unavailable",
        `${config.host}:${config.port} ${why}; choose another --host or --port`,
        { field: "--port", cause: error },
      );
    }
    throw error;
  }
  try {
    // Only once the port is ours: a start that fails creates nothing.
    await announceAdmin(auth, logger, config.adminPassword, io);
    await sundial.start();
  } catch (error) {
    await closeAll(0);
    throw error;
  }
  logger.info(
    {
      url,
      database: sundial.store.location,
      conf: config.conf,
      node: sundial.node,
      ...(config.configFile === undefined ? {} : { configFile: config.configFile }),
    },
    `started: web UI at ${url}/, API at ${url}${API_PREFIX}, docs at ${url}/api/docs`,
  );
  return {
    url,
    sundial,
    app,
    close: () => closeAll(config.shutdownGraceMs),
  };
}
