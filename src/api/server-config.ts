/**
 * The configuration of `sundial serve`: one schema, three sources (flags over environment
 * over a JSON file, over the defaults), validated once at start with messages that name
 * the flag, the variable or the file's key at fault. The result is frozen and passed down.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { type Static, type TSchema, Type } from "typebox";
import { Value } from "typebox/value";
import { SundialError } from "../errors.js";
import { DEFAULT_RETENTION_DAYS, MAX_RETENTION_DAYS } from "../exports/file-history/index.js";
import type { ScriptEnvironmentSettings } from "../exports/sources/script-environment.js";
import { LogLevelSchema } from "../schedules/schedule.js";
import { isPostgresUrl } from "../store/open-store.js";
import { readJsonFile, validate } from "../validation.js";

/** Every setting, as a config file holds it. */
export const ServerConfigSchema = Type.Object(
  {
    host: Type.Optional(Type.String({ minLength: 1 })),
    /** 0 picks a free port (the log says which). */
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535 })),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    /** `postgres://…`, or a SQLite file; default `<dataDir>/sundial.db`. */
    database: Type.Optional(Type.String({ minLength: 1 })),
    /** PostgreSQL schema; default `public`. */
    schema: Type.Optional(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]{0,62}$" })),
    /** Encrypts stored secrets and signs sessions; at least 32 characters. */
    secretKey: Type.Optional(Type.String({ minLength: 32 })),
    conf: Type.Optional(Type.String({ minLength: 1 })),
    logLevel: Type.Optional(Type.Union([...LogLevelSchema.anyOf, Type.Literal("silent")])),
    /** `auto`: pretty on a terminal, JSON lines otherwise. */
    logFormat: Type.Optional(
      Type.Union([Type.Literal("auto"), Type.Literal("json"), Type.Literal("pretty")]),
    ),
    /** How long running jobs have to finish when the server is asked to stop. */
    shutdownGraceMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
    /** Failed jobs as JSON lines; default `<dataDir>/errors.log`. */
    errorLog: Type.Optional(Type.String({ minLength: 1 })),
    /** Past this size the error log becomes `<errorLog>.1` (replacing the older one). */
    errorLogMaxMb: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
    /** `/metrics` without a token (default: a viewer's token is needed). */
    metricsPublic: Type.Optional(Type.Boolean()),
    /** How many ended task scanner runs are kept (the newest); default 100. */
    scanRunsKept: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    /** Days file history keeps each produced file; 0 keeps them forever. */
    fileRetentionDays: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_RETENTION_DAYS })),
    /** Processing scripts' environments; default `<dataDir>/script-environments`. */
    scriptEnvironmentsDir: Type.Optional(Type.String({ minLength: 1 })),
    /** pip's `--index-url` for scripts' requirements (default PyPI, or pip's own config). */
    pythonIndexUrl: Type.Optional(Type.String({ pattern: "^(https?|file)://" })),
    /** pip's `--find-links`: an absolute folder of wheels, or a URL. */
    pythonFindLinks: Type.Optional(Type.String({ pattern: "^(/|(https?|file)://)" })),
    /** pip's `--no-index`: requirements come from `pythonFindLinks` only. */
    pythonNoIndex: Type.Optional(Type.Boolean()),
    /** npm's `--registry` for scripts' package.json. */
    npmRegistry: Type.Optional(Type.String({ pattern: "^https?://" })),
    /** How long making one script environment may take. */
    scriptInstallTimeoutMs: Type.Optional(Type.Integer({ minimum: 10_000, maximum: 86_400_000 })),
  },
  { additionalProperties: false },
);
type ConfigFile = Static<typeof ServerConfigSchema>;
type Key = keyof ConfigFile;

export interface ServerConfig {
  readonly host: string;
  readonly port: number;
  /** Absolute. */
  readonly dataDir: string;
  /** A `postgres://` URL, or an absolute SQLite file path. */
  readonly database: string;
  readonly schema: string | undefined;
  readonly secretKey: string;
  /** Absolute. */
  readonly conf: string;
  readonly logLevel: NonNullable<ConfigFile["logLevel"]>;
  readonly logFormat: NonNullable<ConfigFile["logFormat"]>;
  readonly shutdownGraceMs: number;
  /** Absolute. */
  readonly errorLog: string;
  readonly errorLogMaxBytes: number;
  readonly metricsPublic: boolean;
  /** How many ended task scanner runs are kept. */
  readonly scanRunsKept: number;
  /** Days file history keeps each produced file; 0: forever. */
  readonly fileRetentionDays: number;
  /** Where and how processing scripts that declare their packages get their environments. */
  readonly scriptEnvironments: ScriptEnvironmentSettings;
  /** The config file read, if any. */
  readonly configFile: string | undefined;
  /**
   * `SUNDIAL_ADMIN_PASSWORD`: the password of the `admin` user made on the first start
   * (otherwise one is made up and shown once). Only from the environment, like the key.
   */
  readonly adminPassword: string | undefined;
}

/** Where each setting comes from on the command line and in the environment. */
export const SETTINGS: Readonly<Record<Key, { readonly flag?: string; readonly env: string }>> = {
  host: { flag: "host", env: "SUNDIAL_HOST" },
  port: { flag: "port", env: "SUNDIAL_PORT" },
  dataDir: { flag: "data-dir", env: "SUNDIAL_DATA_DIR" },
  database: { flag: "database", env: "DATABASE_URL" },
  schema: { flag: "schema", env: "SUNDIAL_SCHEMA" },
  // Never a flag: a command line is visible to every user of the machine.
  secretKey: { env: "SUNDIAL_SECRET_KEY" },
  conf: { flag: "conf", env: "SUNDIAL_CONF" },
  logLevel: { flag: "log-level", env: "SUNDIAL_LOG_LEVEL" },
  logFormat: { flag: "log-format", env: "SUNDIAL_LOG_FORMAT" },
  shutdownGraceMs: { flag: "shutdown-grace-ms", env: "SUNDIAL_SHUTDOWN_GRACE_MS" },
  errorLog: { flag: "error-log", env: "SUNDIAL_ERROR_LOG" },
  errorLogMaxMb: { flag: "error-log-max-mb", env: "SUNDIAL_ERROR_LOG_MAX_MB" },
  // Opening /metrics to everyone is a deployment's decision, kept with its other settings.
  metricsPublic: { env: "SUNDIAL_METRICS_PUBLIC" },
  scanRunsKept: { env: "SUNDIAL_SCAN_RUNS_KEPT" },
  fileRetentionDays: { env: "SUNDIAL_FILE_RETENTION_DAYS" },
  scriptEnvironmentsDir: { env: "SUNDIAL_SCRIPT_ENVIRONMENTS_DIR" },
  pythonIndexUrl: { env: "SUNDIAL_PYTHON_INDEX_URL" },
  pythonFindLinks: { env: "SUNDIAL_PYTHON_FIND_LINKS" },
  pythonNoIndex: { env: "SUNDIAL_PYTHON_NO_INDEX" },
  npmRegistry: { env: "SUNDIAL_NPM_REGISTRY" },
  scriptInstallTimeoutMs: { env: "SUNDIAL_SCRIPT_INSTALL_TIMEOUT_MS" },
};

const DEFAULTS = {
  host: "127.0.0.1",
  port: 8080,
  dataDir: "./data",
  conf: "./conf",
  logLevel: "info",
  logFormat: "auto",
  shutdownGraceMs: 10_000,
  errorLogMaxMb: 10,
  metricsPublic: false,
  scanRunsKept: 100,
  fileRetentionDays: DEFAULT_RETENTION_DAYS,
  scriptInstallTimeoutMs: 900_000,
} as const satisfies ConfigFile;

export const DEFAULT_CONFIG_FILE = "sundial.json";
const SECRET_KEY_FILE = "secret.key";
const PATH_KEYS: readonly Key[] = [
  "dataDir",
  "conf",
  "database",
  "errorLog",
  "scriptEnvironmentsDir",
];
const ERROR_LOG_FILE = "errors.log";
const SCRIPT_ENVIRONMENTS_DIR = "script-environments";

export interface ConfigSources {
  /** The flags given, by flag name (`data-dir`), plus `config`. */
  readonly flags: Readonly<Record<string, string | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What relative paths in flags and variables are relative to. */
  readonly cwd: string;
}

/** The secret key's own check, which, unlike the others, never shows the value. */
function checkSecret(value: unknown, source: string): void {
  if (value !== undefined && (typeof value !== "string" || value.length < 32)) {
    throw new SundialError(
      "badRequest",
      `${source}: must be text of 32 characters or more (e.g. \`openssl rand -hex 32\`)`,
      { field: source },
    );
  }
}

/** One value from the command line or the environment, checked under the name it came by. */
function fromText(key: Key, text: string, source: string): unknown {
  if (key === "secretKey") checkSecret(text, source);
  const schema = ServerConfigSchema.properties[key] as TSchema & { type?: unknown };
  // Convert reads "1.5" and "true" as 1 (a retention of 1 day, say): a whole number is
  // digits only, and anything else is left as text for the check to refuse.
  const whole = schema.type !== "integer" || /^-?\d+$/.test(text);
  return validate(schema, whole ? Value.Convert(schema, text) : text, source);
}

/** A path as given, relative to `base`; a PostgreSQL URL or `:memory:` as it is. */
function pathFrom(base: string, path: string): string {
  return isPostgresUrl(path) || path === ":memory:" ? path : resolve(base, path);
}

async function readConfigFile(
  file: string,
  required: boolean,
  source: string,
): Promise<ConfigFile | undefined> {
  const value = await readJsonFile(file, { required, source });
  if (value === undefined) return undefined;
  checkSecret((value as { secretKey?: unknown } | null)?.secretKey, `${file}.secretKey`);
  return validate(ServerConfigSchema, value, file);
}

/**
 * The secret key given, else the one kept in the data directory (made on first start). A
 * cluster's nodes must share one, so on PostgreSQL it must be given.
 */
async function secretKeyOf(
  given: string | undefined,
  dataDir: string,
  database: string,
): Promise<string> {
  if (given !== undefined) return given;
  if (isPostgresUrl(database)) {
    throw new SundialError(
      "badRequest",
      "SUNDIAL_SECRET_KEY: is required with PostgreSQL (every node must use the same key); set it, or secretKey in the config file, to 32 characters or more (e.g. `openssl rand -hex 32`)",
      { field: "SUNDIAL_SECRET_KEY" },
    );
  }
  const file = join(dataDir, SECRET_KEY_FILE);
  try {
    return (await readFile(file, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32).toString("hex");
  await mkdir(dataDir, { recursive: true });
  // wx: two servers starting on one fresh data directory must not each write their own key.
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" }).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  });
  return (await readFile(file, "utf8")).trim();
}

/**
 * Reads, merges and checks the configuration; makes the secret key on a first start.
 * @throws SundialError `badRequest` naming the flag (`--port`), variable (`SUNDIAL_PORT`)
 *   or file key (`sundial.json.port`) at fault.
 * @example const config = await loadServerConfig({ flags: { port: "9090" }, env: process.env, cwd: process.cwd() });
 */
export async function loadServerConfig(sources: ConfigSources): Promise<ServerConfig> {
  const { flags, env, cwd } = sources;
  const named = flags.config ?? env.SUNDIAL_CONFIG;
  const configFile = resolve(cwd, named ?? DEFAULT_CONFIG_FILE);
  const source = flags.config !== undefined ? "--config" : "SUNDIAL_CONFIG";
  const file = await readConfigFile(configFile, named !== undefined, source);
  const fileDir = dirname(configFile);

  const merged: Record<string, unknown> = { ...DEFAULTS };
  // Paths in the file are relative to the file; on the command line, to where it is run.
  for (const [key, value] of Object.entries(file ?? {})) {
    merged[key] = PATH_KEYS.includes(key as Key) ? pathFrom(fileDir, value as string) : value;
  }
  for (const [key, where] of Object.entries(SETTINGS) as [Key, (typeof SETTINGS)[Key]][]) {
    const fromEnv = env[where.env];
    const fromFlag = where.flag === undefined ? undefined : flags[where.flag];
    if (fromFlag !== undefined) merged[key] = fromText(key, fromFlag, `--${where.flag}`);
    else if (fromEnv !== undefined && fromEnv !== "") {
      merged[key] = fromText(key, fromEnv, where.env);
    }
  }
  const dataDir = resolve(cwd, merged.dataDir as string);
  const given = merged.database as string | undefined;
  const database = given === undefined ? join(dataDir, "sundial.db") : pathFrom(cwd, given);
  return Object.freeze({
    host: merged.host as string,
    port: merged.port as number,
    dataDir,
    database,
    schema: merged.schema as string | undefined,
    secretKey: await secretKeyOf(merged.secretKey as string | undefined, dataDir, database),
    conf: resolve(cwd, merged.conf as string),
    logLevel: merged.logLevel as ServerConfig["logLevel"],
    logFormat: merged.logFormat as ServerConfig["logFormat"],
    shutdownGraceMs: merged.shutdownGraceMs as number,
    errorLog: resolve(
      cwd,
      (merged.errorLog as string | undefined) ?? join(dataDir, ERROR_LOG_FILE),
    ),
    errorLogMaxBytes: (merged.errorLogMaxMb as number) * 2 ** 20,
    metricsPublic: merged.metricsPublic as boolean,
    scanRunsKept: merged.scanRunsKept as number,
    fileRetentionDays: merged.fileRetentionDays as number,
    scriptEnvironments: Object.freeze({
      directory: resolve(
        cwd,
        (merged.scriptEnvironmentsDir as string | undefined) ??
          join(dataDir, SCRIPT_ENVIRONMENTS_DIR),
      ),
      pythonIndexUrl: merged.pythonIndexUrl as string | undefined,
      pythonFindLinks: merged.pythonFindLinks as string | undefined,
      pythonNoIndex: merged.pythonNoIndex === true,
      npmRegistry: merged.npmRegistry as string | undefined,
      installTimeoutMs: merged.scriptInstallTimeoutMs as number,
    }),
    configFile: file === undefined ? undefined : configFile,
    adminPassword: env.SUNDIAL_ADMIN_PASSWORD || undefined,
  });
}
