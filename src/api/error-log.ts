/**
 * The error log: every failed job as one JSON line in a file of its own (default
 * `<dataDir>/errors.log`), so that an operator finds the failures, with their error
 * messages, without reading the whole server log. A line is written for a job that ended
 * FINISHED with errors on this node, and for a fire this node recorded CANCELED as missed.
 * Past `maxBytes` the file is renamed `<file>.1` (replacing the older one) and a new one is
 * started, so the two never hold much more than twice `maxBytes`.
 *
 * @example
 * const errors = ErrorLog.open({ file: "./data/errors.log", maxBytes: 10 * 2 ** 20 });
 * errors.follow(sundial);
 * // …
 * await errors.close();
 */
import { closeSync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { type Logger, pino } from "pino";
import { SundialError } from "../errors.js";
import { type Job, toJob } from "../jobs/job.js";
import type { JobRow } from "../store/store.js";
import type { Sundial } from "../sundial.js";

export interface ErrorLogOptions {
  /** The file; its folder is made if missing. */
  readonly file: string;
  /** Past this many bytes the file is rotated. */
  readonly maxBytes: number;
  /** Told when a line can't be written or the file can't be rotated; default: a process warning. */
  readonly onError?: (error: unknown) => void;
}

/** How many of a failed job's ERROR lines go with it. */
const ERROR_LINES = 10;
/**
 * Failed jobs whose ERROR lines are being read at once. Past it (a job type failing at
 * full throughput) lines go without them, rather than queue a read per failure.
 */
const MAX_LOOKUPS = 50;

/** What a log line says about a job: the same fields in the server log and the error log. */
export function jobLogFields(job: Job): Record<string, unknown> {
  return {
    job: job.id,
    type: job.type,
    status: job.status,
    hasErrors: job.hasErrors,
    ...(job.reason === null ? {} : { reason: job.reason }),
    ...(job.scheduleId === null ? {} : { schedule: job.scheduleId }),
    ms: job.duration,
  };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** A file that starts over, keeping one old copy, once it has grown past its cap. */
class CappedFile {
  private size: number;
  private readonly stream: ReturnType<typeof pino.destination>;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
    private readonly onError: (error: unknown) => void,
  ) {
    try {
      try {
        mkdirSync(dirname(file), { recursive: true });
      } catch {
        // Opening the file below says what is wrong with the path more plainly.
      }
      // Opened once here, synchronously, so that a path that can't be written stops the start.
      closeSync(openSync(file, "a"));
      this.size = statSync(file).size;
    } catch (error) {
      throw new SundialError(
        "badRequest",
        `errorLog: cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); choose another --error-log`,
        { field: "errorLog", cause: error },
      );
    }
    this.stream = pino.destination({ dest: file, append: true, sync: false });
    this.stream.on("error", onError);
  }

  write(line: string): void {
    this.stream.write(line);
    this.size += Buffer.byteLength(line);
    if (this.size >= this.maxBytes) this.rotate();
  }

  private rotate(): void {
    // Whatever happens, the next attempt is another maxBytes away: no warning per line.
    this.size = 0;
    try {
      renameSync(this.file, `${this.file}.1`);
    } catch (error) {
      // Moved away already (by logrotate, say): a new file is started all the same.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        this.onError(error);
        return;
      }
    }
    try {
      // Lines still buffered go to the new file; those being written finish in the old one.
      this.stream.reopen();
    } catch (error) {
      this.onError(error);
    }
  }

  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      this.stream.once("close", () => resolve());
      this.stream.end();
    });
    return this.closing;
  }
}

export class ErrorLog {
  private readonly logger: Logger;
  private readonly file: CappedFile;
  private readonly lookups = new Set<Promise<void>>();
  private stopFollowing: (() => void)[] = [];

  private constructor(options: ErrorLogOptions) {
    const onError =
      options.onError ??
      ((error: unknown) => process.emitWarning(`sundial error log: ${String(error)}`));
    this.file = new CappedFile(options.file, options.maxBytes, onError);
    this.logger = pino(
      {
        // A file read by people and by tools: named levels and ISO times.
        base: null,
        timestamp: pino.stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
      },
      this.file,
    );
  }

  /**
   * Opens (creating) the file.
   * @throws SundialError `badRequest` naming `errorLog` when it can't be written.
   */
  static open(options: ErrorLogOptions): ErrorLog {
    return new ErrorLog(options);
  }

  /** Writes the failures of `sundial`'s jobs from now until {@link close}. */
  follow(sundial: Sundial): void {
    const node = sundial.node;
    this.stopFollowing.push(
      sundial.jobs.events.on("finished", (job) => {
        if (job.status === "FINISHED" && job.hasErrors) this.failed(sundial, job, node);
      }),
      // Missed fires end as they are made, inside the fire loop: no `finished` event tells of them.
      sundial.onSchedulerPass(({ at, jobs }) => {
        for (const row of jobs) {
          if (row.status === "CANCELED" && row.reason === "missed") this.missed(row, at, node);
        }
      }),
    );
  }

  /** Stops following, writes the lines still being put together, and closes the file. */
  async close(): Promise<void> {
    for (const stop of this.stopFollowing.splice(0)) stop();
    await Promise.all(this.lookups);
    await this.file.close();
  }

  private failed(sundial: Sundial, job: Job, node: string): void {
    const fields = { node, ...jobLogFields(job), attempt: job.attempt, ...fireOf(job) };
    if (this.lookups.size >= MAX_LOOKUPS) {
      this.logger.error(fields, "job failed");
      return;
    }
    const lookup = sundial.jobs
      .logs(job.id, { level: "ERROR", _size: ERROR_LINES })
      .then(
        (lines) =>
          lines.map((line) => ({
            at: iso(line.at),
            message: line.message,
            ...(line.additionalInfo === null ? {} : { info: line.additionalInfo }),
          })),
        // The job may be purged already, or the database gone: the line goes without them.
        () => undefined,
      )
      .then((errors) => {
        this.logger.error({ ...fields, ...(errors === undefined ? {} : { errors }) }, "job failed");
      })
      .finally(() => this.lookups.delete(lookup));
    this.lookups.add(lookup);
  }

  private missed(row: JobRow, at: number, node: string): void {
    const job = toJob(row, at);
    this.logger.warn({ node, ...jobLogFields(job), ...fireOf(job) }, "fire missed");
  }
}

function fireOf(job: Job): Record<string, unknown> {
  return job.fireTime === null ? {} : { fireTime: iso(job.fireTime) };
}
