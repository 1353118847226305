/**
 * One run of an export, end to end:
 *
 *   check the spec → the source's rows → writeExportFile → [processing script, then
 *     encrypt and zip] → file history → deliverFile to each destination → notifications
 *
 * A run either returns what it made and where it went, or throws a SundialError after
 * logging it and sending the failure notifications, so that the job fails and can be
 * retried. A failure never touches files kept by earlier runs: the new file is written in
 * the run's own folder and only kept once complete. A stop (the signal) is not a failure:
 * nothing is notified, and the signal's reason is thrown.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SundialError } from "../errors.js";
import { resolveConnection } from "./connection-ref.js";
import type { DeliveryOutcome } from "./destinations/delivery.js";
import { deliverFile, destinationConnectionUses } from "./destinations/delivery.js";
import { formatBytes } from "./destinations/transfer.js";
import { type ExportManifest, writeExportFile } from "./export-file.js";
import type { ExportRunContext, SourceContext } from "./export-run-context.js";
import { checkExportSpec, type ExportSpec } from "./export-spec.js";
import type { StoredFile } from "./file-history/file-history.service.js";
import { postProcessFile } from "./file-post-processing.js";
import { type NotificationOutcome, sendNotifications } from "./notifications/notification.js";
import { DEFAULT_MAX_ROWS } from "./row-source.js";
import { sourceRows } from "./sources/export-source.js";
import { runProcessing } from "./sources/processing-run.js";
import { prepareSqlSource } from "./sources/sql-source.js";

export type { ConnectionResolver, ExportRunContext, RunLog } from "./export-run-context.js";

/** What a run made, and what became of it. */
export interface ExportRunResult {
  /**
   * The file kept in file history; `undefined` only when a processing script listed no
   * files (the first of them when it listed several).
   */
  readonly file: StoredFile | undefined;
  /** Every file kept: one, or what a processing script listed. */
  readonly files: readonly StoredFile[];
  /** Data rows, the header row excluded. */
  readonly rows: number;
  /** No data row: unless the spec says `sendEmptyFiles`, it was sent nowhere. */
  readonly empty: boolean;
  /** One per destination, in their order. */
  readonly deliveries: readonly DeliveryOutcome[];
  /** One per notification due (the success ones). */
  readonly notifications: readonly NotificationOutcome[];
}

/**
 * How a run fails: the error that ended it (its code, message and field), with what the
 * run had done by then, so that a caller can report the file it kept and the outcomes
 * (a destination that refused the file is a failure its retries are for).
 */
export class ExportRunError extends SundialError {
  /** The first file kept before the failure, if the run got that far. */
  readonly file: StoredFile | undefined;

  constructor(
    error: SundialError,
    /** The files kept before the failure. */
    readonly files: readonly StoredFile[],
    readonly deliveries: readonly DeliveryOutcome[],
    /** The failure notifications' outcomes. */
    readonly notifications: readonly NotificationOutcome[],
  ) {
    super(error.code, error.message, {
      ...(error.field === undefined ? {} : { field: error.field }),
      cause: error,
    });
    this.file = files[0];
  }
}

/** The query of a SQL source as it will run, for the task page's preview. */
export interface ExportPreview {
  readonly connection: string;
  readonly dialect: "postgres" | "mysql" | "sqlite";
  /** The query's text before parameters are bound (fetched, when it is kept elsewhere). */
  readonly query: string;
  /** The text the database gets, with its own placeholders (`$1`, `?`). */
  readonly text: string;
  /** The values bound to the placeholders, in order. */
  readonly values: readonly unknown[];
  /** The parameters the query uses, in order of first use. */
  readonly names: readonly string[];
}

export type ExportPreviewContext = Pick<ExportRunContext, "parameters" | "connections" | "files"> &
  Partial<Pick<ExportRunContext, "signal" | "log" | "workDirectory">>;

/** Rows between two lines of the run's log. */
const PROGRESS_EVERY = 10_000;
/** Progress given to writing the file; the rest is for keeping and sending it. */
const WRITING_PERCENT = 60;

/**
 * Runs an export: rows from the source, the file, file history, destinations,
 * notifications.
 * @throws ExportRunError (a SundialError, with what the run did by then) after logging it
 *   and sending the failure notifications:
 *   `badRequest` for a bad spec, a missing parameter or a connection of another type than
 *   its field takes (naming the field), `notFound` for a missing connection,
 *   `sourceFailed` (the database or server, naming the connection and why),
 *   `commandFailed` (a processing script, or an SSH source's command, that failed),
 *   `rowLimitExceeded`, `invalidRow`, `deliveryFailed` when a destination did not take the
 *   file (which is kept, and can be resent); the signal's reason when stopped.
 * @example
 * const result = await runExport(spec, {
 *   parameters: { region: "north" }, connections, files, signal, now: fireTime, timeZone: "Europe/London",
 *   log: (level, message) => job.log(level, message), progress: (p) => job.progress(p),
 *   origin: { jobId: job.id, taskId: task.id, taskName: task.name }, workDirectory,
 * });
 * // { file: { id: "fil_…", name: "sales_20260327.csv.zip", rows: 1234, … }, deliveries: [...], … }
 */
export async function runExport(spec: ExportSpec, ctx: ExportRunContext): Promise<ExportRunResult> {
  const { signal, log } = ctx;
  const task = ctx.origin.taskName;
  let checked: ExportSpec | undefined;
  const files: StoredFile[] = [];
  const deliveries: DeliveryOutcome[] = [];
  let written: ExportManifest | undefined;
  try {
    signal.throwIfAborted();
    checked = await checkExportSpec(spec, "", { parameters: Object.keys(ctx.parameters) });
    // Before the source is read: a destination naming a connection that is missing or of
    // another type fails the run without running the query or keeping a file for it.
    for (const [i, destination] of (checked.destinations ?? []).entries()) {
      for (const use of destinationConnectionUses(destination, `destinations[${i}]`)) {
        await resolveConnection(ctx.connections, use);
      }
    }
    ctx.progress(0);
    const sendEmpty = checked.sendEmptyFiles === true;
    written = await writeRows(checked, ctx);
    for (const manifest of await processed(checked, written, ctx)) {
      const file = await ctx.files.record(manifest, ctx.origin);
      files.push(file);
      log(
        "INFO",
        `wrote ${file.name}: ${file.rows} rows, ${formatBytes(file.size)}, sha256 ${file.sha256}; kept as file ${file.id}`,
      );
      if (file.empty && !sendEmpty) {
        log("INFO", `${file.name} has no data rows; it is sent nowhere (sendEmptyFiles is off)`);
      }
    }
    ctx.progress(WRITING_PERCENT + 10);
    for (const file of files) {
      const outcomes = await deliverFile(file, checked.destinations ?? [], {
        connections: ctx.connections,
        signal,
        sendEmpty,
        parameters: templateValues(ctx),
        downloadLink: ctx.downloadLink,
      });
      for (const outcome of outcomes) {
        if (outcome.status === "sent") log("INFO", `${outcome.destination}: ${outcome.detail}`);
        if (outcome.status === "failed") log("ERROR", `${outcome.destination}: ${outcome.detail}`);
      }
      deliveries.push(...outcomes);
    }
    ctx.progress(95);
    const failed = deliveries.filter((outcome) => outcome.status === "failed");
    if (failed.length > 0) {
      throw new SundialError(
        "deliveryFailed",
        `${failed.length} of ${deliveries.length} deliveries did not go through (${failed.map((outcome) => `${outcome.file}: ${outcome.detail}`).join("; ")}); the files are kept (${files.map((file) => file.id).join(", ")}), to resend once the destination is fixed`,
        { field: "destinations" },
      );
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const failure = asSundialError(error);
    log("ERROR", `the export ${task} failed: ${failure.message}`);
    const notified = await notify(ctx, checked ?? spec, {
      status: "failed",
      error: failure,
      files,
      deliveries,
    });
    throw new ExportRunError(failure, files, deliveries, notified);
  }
  const notifications = await notify(ctx, checked, { status: "succeeded", files, deliveries });
  ctx.progress(100);
  return {
    file: files[0],
    files,
    rows: written.rows,
    empty: written.empty,
    deliveries,
    notifications,
  };
}

/**
 * The source's rows, written to the run's folder: as the output says, or, when a
 * processing script comes next, neither encrypted nor zipped (that comes after it).
 */
async function writeRows(spec: ExportSpec, ctx: ExportRunContext): Promise<ExportManifest> {
  const rows = await sourceRows(spec.source, sourceContext(ctx));
  const maxRows = spec.output.maxRows ?? DEFAULT_MAX_ROWS;
  const { encrypt: _encrypt, zip: _zip, ...plain } = spec.output;
  return writeExportFile(rows, spec.processing === undefined ? spec.output : plain, {
    directory: ctx.workDirectory,
    instant: ctx.now,
    timeZone: ctx.timeZone,
    parameters: ctx.parameters,
    workingDays: ctx.workingDays,
    skipEmpty: spec.sendEmptyFiles !== true,
    signal: ctx.signal,
    progressEvery: PROGRESS_EVERY,
    onProgress: (count) => {
      ctx.log("INFO", `${count.toLocaleString("en-US")} rows written`);
      ctx.progress(Math.floor((WRITING_PERCENT * Math.min(count, maxRows)) / maxRows));
    },
  });
}

/**
 * The files the run keeps: the written file, or what the processing script made of it,
 * each then encrypted and zipped as the output says (unless empty and not to be sent).
 * Files a script listed count the data file's rows.
 */
async function processed(
  spec: ExportSpec,
  written: ExportManifest,
  ctx: ExportRunContext,
): Promise<ExportManifest[]> {
  if (spec.processing === undefined) return [written];
  const paths = await runProcessing(spec.processing, written, {
    ...sourceContext(ctx),
    origin: ctx.origin,
    defaultConnections: "connection" in spec.source ? [spec.source.connection] : [],
    scriptEnvironments: ctx.scriptEnvironments,
  });
  const skip = written.empty && spec.sendEmptyFiles !== true;
  const facts = { rows: written.rows, empty: written.empty };
  const manifests: ExportManifest[] = [];
  for (const path of paths) {
    manifests.push(await postProcessFile(path, skip ? {} : spec.output, facts, ctx.signal));
  }
  return manifests;
}

/**
 * The query of the spec's SQL source as it will run with these parameters, without
 * running it: fetched (or its last good copy) when it is kept elsewhere, with the
 * database's own placeholders and the values bound to them.
 * @throws SundialError `badRequest` for a bad spec, a source that is not SQL, or a missing
 *   parameter (naming `parameters.<name>`); `notFound` for a missing connection;
 *   `sourceFailed` when the query can't be fetched and no copy is kept.
 * @example
 * await previewExport(task.export, { parameters: { day: "2026-03-27" }, connections, files });
 * // { connection: "warehouse", dialect: "postgres", text: "SELECT … WHERE day = $1", values: ["2026-03-27"], … }
 */
export async function previewExport(
  spec: ExportSpec,
  ctx: ExportPreviewContext,
): Promise<ExportPreview> {
  const checked = await checkExportSpec(spec);
  const source = checked.source;
  if (source.type !== "sql") {
    throw new SundialError(
      "badRequest",
      `source.type: a ${source.type} source has no query to preview`,
      {
        field: "source.type",
      },
    );
  }
  const scratch = ctx.workDirectory ?? (await mkdtemp(join(tmpdir(), "sundial-preview-")));
  try {
    const { connection, query, prepared } = await prepareSqlSource(source, {
      parameters: ctx.parameters,
      connections: ctx.connections,
      queries: ctx.files.queries,
      signal: ctx.signal,
      log: ctx.log ?? (() => {}),
      workDirectory: scratch,
    });
    return {
      connection: connection.name,
      dialect: connection.type,
      query,
      text: prepared.text,
      values: prepared.values,
      names: prepared.names,
    };
  } finally {
    if (ctx.workDirectory === undefined) await rm(scratch, { recursive: true, force: true });
  }
}

function sourceContext(ctx: ExportRunContext): SourceContext {
  return {
    parameters: ctx.parameters,
    connections: ctx.connections,
    queries: ctx.files.queries,
    signal: ctx.signal,
    log: ctx.log,
    workDirectory: ctx.workDirectory,
  };
}

/** What email templates have: the run's parameters, then the task and project. */
function templateValues(ctx: ExportRunContext): Record<string, string> {
  return {
    ...ctx.parameters,
    task: ctx.origin.taskName,
    project: ctx.origin.projectName ?? "",
  };
}

/**
 * Sends the notifications due, logging each outcome. Never throws but for a stop: a
 * notification that can't be sent must not hide the run's own result.
 */
async function notify(
  ctx: ExportRunContext,
  spec: ExportSpec,
  report: {
    status: "succeeded" | "failed";
    error?: SundialError;
    files: readonly StoredFile[];
    deliveries: readonly DeliveryOutcome[];
  },
): Promise<NotificationOutcome[]> {
  const notifications = Array.isArray(spec?.notifications) ? spec.notifications : [];
  if (notifications.length === 0) return [];
  try {
    const outcomes = await sendNotifications(
      notifications,
      {
        task: ctx.origin.taskName,
        project: ctx.origin.projectName,
        parameters: ctx.parameters,
        ...report,
      },
      { connections: ctx.connections, signal: ctx.signal },
    );
    for (const outcome of outcomes) {
      if (outcome.status === "sent") ctx.log("INFO", `${outcome.notification}: ${outcome.detail}`);
      else ctx.log("ERROR", `${outcome.notification}: not sent: ${outcome.detail}`);
    }
    return outcomes;
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    ctx.log("ERROR", `notifications: not sent: ${(error as Error).message}`);
    return [];
  }
}

/** The run's error as a SundialError: its own when it is one, else `internal`, with its cause. */
function asSundialError(error: unknown): SundialError {
  if (error instanceof SundialError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return new SundialError(
    "internal",
    `the export failed unexpectedly: ${message}${typeof code === "string" ? ` (${code})` : ""}`,
    { cause: error },
  );
}
