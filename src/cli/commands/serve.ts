/**
 * `sundial serve`: runs the scheduler, the workers, conf/ watching and the REST API in
 * one process until SIGTERM or SIGINT, then shuts down gracefully; a second signal exits
 * at once.
 */
import type { Writable } from "node:stream";
import { type Logger, pino } from "pino";
import pinoPretty from "pino-pretty";
import { startServer } from "../../api/server.js";
import {
  DEFAULT_CONFIG_FILE,
  loadServerConfig,
  type ServerConfig,
} from "../../api/server-config.js";
import { AUTH_LOG_REDACT } from "../../auth/index.js";
import { formatFlagHelp, parseFlags, SHARED_FLAGS } from "../args.js";
import type { CliIo, Command } from "../command.js";
import { refuseExtra } from "../subcommands.js";

const FLAGS = {
  host: {
    type: "string",
    value: "HOST",
    help: "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface). $SUNDIAL_HOST",
  },
  port: {
    type: "string",
    short: "p",
    value: "PORT",
    help: "Port to listen on (default 8080; 0 picks a free one). $SUNDIAL_PORT",
  },
  "data-dir": {
    type: "string",
    value: "DIR",
    help: "Where the SQLite database and the secret key live (default ./data). $SUNDIAL_DATA_DIR",
  },
  database: {
    type: "string",
    value: "URL|FILE",
    help: "postgres://… for a cluster, or a SQLite file (default DIR/sundial.db). $DATABASE_URL",
  },
  schema: { ...SHARED_FLAGS.schema, help: `${SHARED_FLAGS.schema.help} $SUNDIAL_SCHEMA` },
  conf: {
    type: "string",
    value: "DIR",
    help: "Schedule files, loaded at start and watched (default ./conf). $SUNDIAL_CONF",
  },
  "log-level": {
    type: "string",
    value: "LEVEL",
    help: "trace, debug, info (default), warn, error, fatal or silent. $SUNDIAL_LOG_LEVEL",
  },
  "log-format": {
    type: "string",
    value: "FORMAT",
    help: "json, pretty, or auto (default: pretty on a terminal). $SUNDIAL_LOG_FORMAT",
  },
  "shutdown-grace-ms": {
    type: "string",
    value: "MS",
    help: "On a stop signal, how long running jobs get to finish (default 10000). $SUNDIAL_SHUTDOWN_GRACE_MS",
  },
  "error-log": {
    type: "string",
    value: "FILE",
    help: "Failed jobs and missed fires as JSON lines (default DIR/errors.log). $SUNDIAL_ERROR_LOG",
  },
  "error-log-max-mb": {
    type: "string",
    value: "MB",
    help: "Past this size the error log becomes FILE.1 and starts over (default 10). $SUNDIAL_ERROR_LOG_MAX_MB",
  },
  config: {
    type: "string",
    short: "c",
    value: "FILE",
    help: `A JSON config file (default ./${DEFAULT_CONFIG_FILE}, if there is one). $SUNDIAL_CONFIG`,
  },
  help: SHARED_FLAGS.help,
} as const;

function help(): string {
  return `Usage: sundial serve [options]

Runs Sundial: the scheduler, the workers, conf/ watching and the REST API (/api/v1, docs at
/api/docs, health at /healthz and /readyz, Prometheus metrics at /metrics). Logs are JSON
lines, pretty on a terminal; failed jobs also go to the error log.
SIGTERM or SIGINT (Ctrl-C) stops it gracefully: no new requests or jobs, running jobs get
the grace period to finish. A second signal exits at once.

Each setting comes from its flag, else its environment variable, else the config file,
else its default. The secret key (encrypting stored secrets) comes from $SUNDIAL_SECRET_KEY
or the file's "secretKey"; with SQLite, one is made in the data directory on first start.

Options:
${formatFlagHelp(FLAGS)}

Config file keys: host, port, dataDir, database, schema, secretKey, conf, logLevel,
logFormat, shutdownGraceMs, errorLog, errorLogMaxMb, metricsPublic (paths in it are
relative to the file). metricsPublic (or $SUNDIAL_METRICS_PUBLIC=true) opens /metrics to
callers without a token. scanRunsKept (or $SUNDIAL_SCAN_RUNS_KEPT) is how many ended task
scanner runs are kept (default 100). fileRetentionDays (or $SUNDIAL_FILE_RETENTION_DAYS) is
how many days file history keeps each produced file (default 90; 0 keeps them forever).

Examples:
  sundial serve
  sundial serve --port 9090 --conf /etc/sundial/conf
  DATABASE_URL=postgres://sundial@db/sundial SUNDIAL_SECRET_KEY=… sundial serve --host 0.0.0.0
`;
}

/** JSON lines, or pino-pretty's columns for a person at a terminal. */
function serverLogger(config: ServerConfig, io: CliIo): Logger {
  const tty = (io.stdout as { isTTY?: boolean }).isTTY === true;
  const pretty = config.logFormat === "pretty" || (config.logFormat === "auto" && tty);
  const stream: Writable = pretty
    ? pinoPretty({
        destination: io.stdout,
        colorize: tty,
        translateTime: "SYS:standard",
        ignore: "pid,hostname",
      })
    : io.stdout;
  // Credentials in request headers and bodies never reach the log.
  return pino({ level: config.logLevel, redact: [...AUTH_LOG_REDACT] }, stream);
}

/** Resolves on the first SIGTERM or SIGINT; a later one calls `force`. */
function stopSignals(force: (signal: NodeJS.Signals) => void): {
  first: Promise<NodeJS.Signals>;
  dispose: () => void;
} {
  let received = false;
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => {
    resolveFirst = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) force(signal);
    received = true;
    resolveFirst(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return {
    first,
    dispose: () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
    },
  };
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseFlags(argv, FLAGS);
  if (flags.help) {
    io.stdout.write(help());
    return 0;
  }
  refuseExtra(positionals, 0, "serve takes only flags");

  const { help: _, ...given } = flags;
  const config = await loadServerConfig({ flags: given, env: io.env, cwd: process.cwd() });
  const logger = serverLogger(config, io);
  const signals = stopSignals((signal) => {
    logger.warn({ signal }, "second signal: exiting now");
    // The pretty stream may not flush before exit; this line is written at once.
    io.stderr.write(
      `sundial serve: ${signal} again, exiting now; jobs still running are taken back once their lease lapses\n`,
    );
    process.exit(1);
  });
  try {
    const server = await startServer(config, logger, { stderr: (text) => io.stderr.write(text) });
    const signal = await signals.first;
    logger.info(
      { signal, graceMs: config.shutdownGraceMs },
      "shutting down: no new requests or jobs; running jobs get the grace period to finish (send the signal again to exit at once)",
    );
    await server.close();
    logger.info("stopped");
    return 0;
  } finally {
    signals.dispose();
  }
}

export const serveCommand: Command = { name: "serve", help, run };
