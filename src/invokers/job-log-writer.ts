/**
 * Log lines of a running job written in batches: a program or script can print thousands
 * of lines a second, and one insert per line would make the database the bottleneck.
 */

import type { JobLogLine, JobService } from "../jobs/job.service.js";
import { jsonValue } from "../jobs/json-value.js";
import type { LogLevel } from "../store/store.js";

export interface JobLogWriterOptions {
  /** Lines stored per job at most; later ones are counted and reported in one last line. */
  readonly maxLines: number;
  /** A batch is written once it holds this many lines; default 200. */
  readonly batchLines?: number;
  /** Or once its first line has waited this long (ms); default 200. */
  readonly flushMs?: number;
  /** A line longer than this is cut short; default 100 000 (what `logMany` accepts, at most). */
  readonly maxMessageChars?: number;
}

/**
 * Buffers a job's log lines and stores them in batches (`JobService.logMany`), in the
 * order they were written, each with the time it was written. An ERROR line marks the
 * job `hasErrors`, as `JobService.logError` does. `write` returns
 * false when the caller should pause its producer until {@link room} resolves, so a
 * chatty program is slowed down to the database's pace rather than filling memory.
 * @example
 * const writer = new JobLogWriter(jobs, job.id, { maxLines: 10_000 });
 * if (!writer.write("INFO", line)) { stream.pause(); await writer.room(); stream.resume(); }
 * await writer.close();
 */
export class JobLogWriter {
  private readonly batchLines: number;
  private readonly flushMs: number;
  private readonly maxMessageChars: number;
  private buffer: JobLogLine[] = [];
  /** Lines handed to the store and not yet stored. */
  private inFlight = 0;
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private accepted = 0;
  private dropped = 0;
  private failedLines = 0;
  private firstFailure: unknown;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly jobs: JobService,
    private readonly jobId: string,
    private readonly options: JobLogWriterOptions,
  ) {
    this.batchLines = options.batchLines ?? 200;
    this.flushMs = options.flushMs ?? 200;
    this.maxMessageChars = options.maxMessageChars ?? 100_000;
  }

  /**
   * Queues a line. Returns false when enough lines wait that the producer should pause.
   * @throws SundialError `badRequest` when `additionalInfo` can't be stored as JSON.
   */
  write(level: LogLevel, message: string, additionalInfo?: unknown): boolean {
    if (this.closed) return true;
    if (this.accepted >= this.options.maxLines) {
      this.dropped++;
      return true;
    }
    const info = additionalInfo === undefined ? null : jsonValue(additionalInfo, "additionalInfo");
    this.accepted++;
    this.enqueue(level, message, info);
    return this.hasRoom();
  }

  /** Resolves once the backlog is small enough to write again. */
  room(): Promise<void> {
    if (this.hasRoom()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stores every queued line; resolves once they are stored (or reported as lost). */
  flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length > 0) {
      const batch = this.buffer;
      this.buffer = [];
      this.inFlight += batch.length;
      this.writing = this.writing.then(() => this.store(batch));
    }
    return this.writing;
  }

  /**
   * Stores what is left, says how many lines went over the limit or could not be
   * stored, and writes nothing more.
   */
  async close(): Promise<void> {
    if (this.closed) return this.writing;
    if (this.dropped > 0) {
      this.enqueue(
        "INFO",
        `${this.dropped} more output lines were not logged: a job keeps at most ${this.options.maxLines} (the invoker's maxLogLines)`,
      );
    }
    await this.flush();
    if (this.failedLines > 0) {
      this.enqueue(
        "ERROR",
        `${this.failedLines} log lines could not be stored: ${messageOf(this.firstFailure)}`,
      );
      this.failedLines = 0;
      await this.flush();
    }
    this.closed = true;
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** `info` is already JSON (or null for none). */
  private enqueue(level: LogLevel, message: string, info: unknown = null): void {
    const text =
      message.length > this.maxMessageChars
        ? `${message.slice(0, this.maxMessageChars - 1)}…`
        : message;
    this.buffer.push({
      at: this.jobs.clock.now(),
      level,
      message: text,
      ...(info === null ? {} : { additionalInfo: info }),
    });
    if (this.buffer.length >= this.batchLines) void this.flush();
    else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.flushMs);
      // A pending flush must not keep the process alive on its own; close() flushes anyway.
      this.timer.unref();
    }
  }

  private hasRoom(): boolean {
    return this.buffer.length + this.inFlight < this.batchLines * 4;
  }

  private async store(batch: readonly JobLogLine[]): Promise<void> {
    try {
      await this.jobs.logMany(this.jobId, batch);
    } catch (error) {
      // Losing output must not fail what ran (a retry could repeat a side effect); it is
      // reported to the process and, if the store comes back, in the job's own log.
      this.failedLines += batch.length;
      this.firstFailure ??= error;
      this.jobs.events.emit("error", error);
    } finally {
      this.inFlight -= batch.length;
      if (this.hasRoom()) for (const wake of this.waiters.splice(0)) wake();
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
