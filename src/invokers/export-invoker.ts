/**
 * The `export` job type: what runs a task's export. Which task, with which config and
 * parameters, in which order and with what retries is the projects' rule
 * (src/projects/task-runner.ts, the handler given here); running one task's export is the
 * exports' (`runExport`). This file joins the two: it runs a planned task through
 * `runExport` with the job's signal, log and progress, and reports what the run did for
 * its audit event; it previews a task's query the same way; and it defines the job type
 * with the check of its invoke context.
 *
 * The plan, hooks and report types are the ones src/projects/export-ports.ts names,
 * restated here (the parts used) because invokers/ may not import projects/ (DESIGN.md);
 * TypeScript holds them together where src/api/server.ts passes one to the other.
 *
 * @example
 * const runner = new TaskRunner(store, { jobs, execute: exportExecutor({ connections, files }) });
 * registerExportInvoker(sundial, (context) => runner.run(context));
 */
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errorCodeOf } from "../errors.js";
import type { Destination } from "../exports/destinations/delivery.js";
import { describeDestination } from "../exports/destinations/delivery.js";
import type { DownloadLink } from "../exports/destinations/email-enclosure.js";
import { formatBytes } from "../exports/destinations/transfer.js";
import type { ConnectionResolver } from "../exports/export-run-context.js";
import type { ExportSpec } from "../exports/export-spec.js";
import type { FileHistoryService } from "../exports/file-history/index.js";
import {
  type ExportPreview,
  type ExportRunResult,
  previewExport,
  runExport,
} from "../exports/run-export.js";
import type { ScriptEnvironmentSettings } from "../exports/sources/script-environment.js";
import type { JobHandler } from "../jobs/job-context.js";
import { checkExportContext } from "./export-context.js";
import type { InvokerHost } from "./register-invokers.js";

export interface ExportInvokerOptions {
  /** Stored connections (a `ConnectionService`). */
  readonly connections: ConnectionResolver;
  readonly files: FileHistoryService;
  /** Where each run gets a scratch folder, removed when it ends; default the system's temp folder. */
  readonly workDirectory?: string;
  /** Where a file too large for email can be downloaded. */
  readonly downloadLink?: DownloadLink;
  /** Where and how processing scripts that declare their packages get their environments. */
  readonly scriptEnvironments?: ScriptEnvironmentSettings;
}

/** One task as one run runs it (src/projects/export-ports.ts, `TaskRunPlan`). */
export interface ExportTaskPlan {
  readonly jobId: string;
  readonly task: { readonly id: string; readonly name: string; readonly spec: unknown };
  readonly project: { readonly id: string; readonly name: string };
  readonly parameters: Readonly<Record<string, string>>;
  readonly timeZone: string;
  readonly instant: number;
  readonly startingUser: string | null;
}

/** What a run gets from its job (`TaskRunHooks`). */
export interface ExportTaskHooks {
  readonly signal: AbortSignal;
  log(level: "INFO" | "ERROR", message: string): Promise<void>;
  progress(percent: number): Promise<void>;
}

/** What one run did (`TaskRunReport`). */
export interface ExportTaskReport {
  readonly ok: boolean;
  readonly error?: string | undefined;
  readonly code?: string | undefined;
  readonly operations: string[];
  readonly description: string;
  readonly dataSource: string | null;
  readonly results: unknown;
}

/** A task's export settings, loosely: what describing them needs, whatever was stored. */
type LooseSpec = Partial<ExportSpec> & Record<string, unknown>;

/** Where the rows come from, for the audit event: `sql warehouse`. */
function dataSourceOf(spec: LooseSpec): string | null {
  const source = spec.source as { type?: string; connection?: string } | undefined;
  if (source?.type === undefined) return null;
  return source.connection === undefined ? source.type : `${source.type} ${source.connection}`;
}

/** The steps a spec takes, in order, for the audit event. */
function operationsOf(spec: LooseSpec): string[] {
  const operations: string[] = [];
  const source = dataSourceOf(spec);
  if (source !== null) operations.push(`read ${source}`);
  if (spec.processing !== undefined) operations.push(`process with ${spec.processing.command}`);
  const output = spec.output;
  if (output !== undefined) {
    operations.push(`write ${output.format?.type ?? "file"} ${output.fileName}`);
    if (output.append !== undefined) operations.push("append to each line");
    if (output.encrypt !== undefined) operations.push("encrypt");
    if (output.zip === true) operations.push("zip");
  }
  for (const destination of spec.destinations ?? []) {
    operations.push(`send to ${describeDestination(destination as Destination)}`);
  }
  for (const notification of spec.notifications ?? []) {
    operations.push(`notify on ${(notification as { when?: string }).when ?? "failure"}`);
  }
  return operations;
}

function describeResult(result: ExportRunResult): string {
  const file = result.file;
  if (file === undefined) return `exported ${result.rows} rows`;
  const sent = result.deliveries.filter((d) => d.status === "sent").map((d) => d.destination);
  const where = result.empty && sent.length === 0 ? "; empty, sent nowhere" : "";
  return (
    `exported ${result.rows} rows to ${file.name} (${formatBytes(file.size)})` +
    (sent.length > 0 ? `; sent to ${sent.join(", ")}` : where)
  );
}

/** The job's results: what was made and where it went, without the server's paths. */
function resultsOf(result: ExportRunResult): unknown {
  const file = result.file;
  return {
    file:
      file === undefined
        ? null
        : { id: file.id, name: file.name, rows: file.rows, size: file.size, sha256: file.sha256 },
    rows: result.rows,
    empty: result.empty,
    deliveries: result.deliveries,
    notifications: result.notifications,
  };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Runs one planned task through `runExport`, in a scratch folder of its own. A failure is
 * reported (`ok: false`, its code), already in the job's log by `runExport`; a stop
 * throws the signal's reason.
 */
export function exportExecutor(options: ExportInvokerOptions) {
  return async (plan: ExportTaskPlan, hooks: ExportTaskHooks): Promise<ExportTaskReport> => {
    const spec = plan.task.spec as LooseSpec;
    const operations = operationsOf(spec);
    const dataSource = dataSourceOf(spec);
    const base = options.workDirectory ?? tmpdir();
    await mkdir(base, { recursive: true });
    const work = await mkdtemp(join(base, "sundial-export-"));
    try {
      const result = await runExport(plan.task.spec as ExportSpec, {
        parameters: plan.parameters,
        connections: options.connections,
        files: options.files,
        signal: hooks.signal,
        // The job's writes are queued in order and awaited before the job ends.
        log: (level, message) => void hooks.log(level, message),
        progress: (percent) => void hooks.progress(percent),
        now: new Date(plan.instant),
        timeZone: plan.timeZone,
        origin: {
          jobId: plan.jobId,
          taskId: plan.task.id,
          taskName: plan.task.name,
          projectId: plan.project.id,
          projectName: plan.project.name,
          ...(plan.startingUser === null ? {} : { startingUser: plan.startingUser }),
        },
        workDirectory: work,
        ...(options.downloadLink === undefined ? {} : { downloadLink: options.downloadLink }),
        scriptEnvironments: options.scriptEnvironments,
      });
      return {
        ok: true,
        operations,
        description: describeResult(result),
        dataSource,
        results: resultsOf(result),
      };
    } catch (error) {
      if (hooks.signal.aborted) throw hooks.signal.reason;
      return {
        ok: false,
        error: messageOf(error),
        code: errorCodeOf(error),
        operations,
        description: `failed: ${messageOf(error)}`,
        dataSource,
        results: null,
      };
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  };
}

/** Shows a planned task's query as it will run (`previewExport`), without running it. */
export function exportPreviewer(options: ExportInvokerOptions) {
  return (plan: ExportTaskPlan, signal: AbortSignal): Promise<ExportPreview> =>
    previewExport(plan.task.spec as ExportSpec, {
      parameters: plan.parameters,
      connections: options.connections,
      files: options.files,
      signal,
    });
}

/**
 * Defines the `export` job type with `handler` (a `TaskRunner`'s `run`) and the check of
 * its invoke context, so that a schedule naming a task or project is checked when saved.
 * Define it before schedules invoking it are saved (conf/ files load at `start()`).
 * @throws SundialError `conflict` when `export` is already defined.
 */
export function registerExportInvoker(
  host: InvokerHost,
  handler: JobHandler,
  options: { readonly timeoutMs?: number } = {},
): void {
  const jobs = "jobs" in host ? host.jobs : host;
  const registry = "registry" in host ? host.registry : jobs.registry;
  registry.define("export", handler, {
    // The handler reports a task's failure rather than throw it (the task's retries are
    // its own, a new job each after the task's delay), so a second attempt happens only
    // when the node running the job died (its lease lapsed) or the store failed.
    maxAttempts: 2,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    validate: checkExportContext,
  });
}
