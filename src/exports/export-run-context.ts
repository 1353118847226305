/**
 * What one export run is given by whoever runs it (the `export` invoker of a task): the
 * parameters, the stored connections, file history, a stop signal, the job's log and
 * progress, the run's instant and zone, what made it, and a scratch folder.
 */
import type { DownloadLink } from "./destinations/email-enclosure.js";
import type { ExportOrigin, FileHistoryService } from "./file-history/file-history.service.js";
import type { FileNameContext } from "./file-name-template.js";
import type { QueryCache } from "./sources/query-fetch.js";
import type { ScriptEnvironmentSettings } from "./sources/script-environment.js";

/** The run's log: the job's log lines, INFO or ERROR. */
export type RunLog = (level: "INFO" | "ERROR", message: string) => void;

/**
 * Stored connections, decrypted, for the run. A `ConnectionService`
 * (src/projects/connections/) is one; exports name only what they use of it, since
 * projects build on exports and not the other way round.
 */
export interface ConnectionResolver {
  /**
   * The connection of that name, with its secrets; given `types`, it must be one of them.
   * @throws SundialError `notFound`; `badRequest` naming `connection` for another type.
   */
  resolve(
    name: string,
    types?: readonly string[],
  ): Promise<{ readonly name: string; readonly type: string; readonly settings: unknown }>;
}

/** What a source is given to read its rows. */
export interface SourceContext {
  readonly parameters: Readonly<Record<string, string>>;
  readonly connections: ConnectionResolver;
  /** Fetched queries' last good copies. */
  readonly queries: QueryCache;
  readonly signal?: AbortSignal | undefined;
  readonly log: RunLog;
  /** Where downloads are written before they are read. */
  readonly workDirectory: string;
}

export interface ExportRunContext {
  /** The run's parameters: the task's over its project's, already merged. */
  readonly parameters: Readonly<Record<string, string>>;
  /** Stored connections: `resolve(name, types)`. */
  readonly connections: ConnectionResolver;
  /** Records the produced file (and keeps fetched queries' last good copies). */
  readonly files: FileHistoryService;
  /** Aborting it stops the run where it is; nothing is notified (a stop is not a failure). */
  readonly signal: AbortSignal;
  readonly log: RunLog;
  /** 0 to 100. */
  readonly progress: (percent: number) => void;
  /** The run's instant: the fire time, kept by retries so that a retry writes the same name. */
  readonly now: Date;
  /** The task's time zone, for file names. */
  readonly timeZone: string;
  readonly origin: ExportOrigin;
  /** Scratch space for this run; the caller removes it afterwards. */
  readonly workDirectory: string;
  /** The task's working days (weekend, holidays), for `wd` steps in file names. */
  readonly workingDays?: FileNameContext["workingDays"];
  /** Where a file too large for email can be downloaded (the file history route). */
  readonly downloadLink?: DownloadLink | undefined;
  /**
   * Where and how a processing script that declares its packages gets its environment;
   * without it, such a script fails the run.
   */
  readonly scriptEnvironments?: ScriptEnvironmentSettings | undefined;
}
