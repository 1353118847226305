/**
 * A job as it happens: its status, progress and log lines, in order, until it ends. What
 * `GET /jobs/{id}/events` streams and what a `--follow` reads.
 *
 * The store is the truth (the job may run on another node, and progress and log lines are
 * written without in-process events), so the feed reads it every poll interval; a change
 * announced in this process wakes it early.
 */
import { FINAL_STATUSES, type Job } from "./job.js";
import type { JobLog, JobService } from "./job.service.js";

export type JobFeedEvent =
  /** First, then whenever the status or another field but progress changes. */
  | { readonly kind: "status"; readonly job: Job }
  | { readonly kind: "progress"; readonly jobId: string; readonly progress: number }
  | { readonly kind: "log"; readonly log: JobLog }
  /** Last: the job is FINISHED or CANCELED, and every log line was given. */
  | { readonly kind: "end"; readonly job: Job };

export interface JobFeedOptions {
  /** Ends the feed (between events). */
  readonly signal?: AbortSignal;
  /** Log lines with this id or lower were given already (an SSE client's `Last-Event-ID`). */
  readonly afterLogId?: number;
  /** How often the store is read; default 500 ms. */
  readonly pollMs?: number;
}

/**
 * Log lines are batched by their writers, so a line can be stored after a line with a
 * later time; lines this much older than the newest one seen are looked for again.
 */
const LOOKBACK_MS = 10_000;
const LOG_PAGE = 10_000;

/** The log lines of one job not given yet, oldest first. */
class LogCursor {
  /** Ids given, by their time, for the lookback window. */
  private readonly given = new Map<number, number>();
  private newest: number | undefined;

  constructor(
    private readonly jobs: JobService,
    private readonly jobId: string,
    private readonly afterId: number,
  ) {}

  async next(): Promise<JobLog[]> {
    const fresh: JobLog[] = [];
    let from = this.newest === undefined ? undefined : this.newest - LOOKBACK_MS;
    for (;;) {
      const page = await this.jobs.logs(this.jobId, {
        _size: LOG_PAGE,
        ...(from === undefined ? {} : { from }),
      });
      for (const line of page) {
        if (line.id <= this.afterId || this.given.has(line.id)) continue;
        this.given.set(line.id, line.at);
        fresh.push(line);
      }
      const last = page.at(-1)?.at;
      // A full page whose lines all share one instant can't be paged by time; a later read takes the rest.
      if (page.length < LOG_PAGE || last === undefined || last === from) break;
      from = last;
    }
    for (const line of fresh) this.newest = Math.max(this.newest ?? line.at, line.at);
    if (this.newest !== undefined) {
      const horizon = this.newest - LOOKBACK_MS;
      for (const [id, at] of this.given) if (at < horizon) this.given.delete(id);
    }
    return fresh;
  }
}

/** Whether anything users see changed, apart from progress and the running times. */
function statusChanged(before: Job, after: Job): boolean {
  return (
    before.status !== after.status ||
    before.hasErrors !== after.hasErrors ||
    before.attempt !== after.attempt ||
    before.lowPriority !== after.lowPriority ||
    before.node !== after.node ||
    before.reason !== after.reason
  );
}

/**
 * The events of job `jobId` from now until it ends (or `signal` aborts).
 * @throws SundialError `notFound` before the first event, when there is no such job.
 * @example
 * for await (const event of followJob(jobs, id, { signal })) {
 *   if (event.kind === "log") console.log(event.log.message);
 * }
 */
export async function* followJob(
  jobs: JobService,
  jobId: string,
  options: JobFeedOptions = {},
): AsyncGenerator<JobFeedEvent, void, undefined> {
  const { signal } = options;
  const pollMs = options.pollMs ?? 500;
  let shown = await jobs.findById(jobId);
  const logs = new LogCursor(jobs, jobId, options.afterLogId ?? 0);
  let wake = new AbortController();
  const off = jobs.events.on("changed", (changed) => {
    if (changed.id === jobId) wake.abort();
  });
  const stop = () => wake.abort();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    yield { kind: "status", job: shown };
    let job = shown;
    for (;;) {
      // The job is read before its lines: a line stored before the job got where it is
      // comes before the event saying so (a job's last lines come before its end).
      for (const log of await logs.next()) yield { kind: "log", log };
      if (statusChanged(shown, job)) yield { kind: "status", job };
      else if (job.progress !== shown.progress) {
        yield { kind: "progress", jobId, progress: job.progress };
      }
      shown = job;
      if (FINAL_STATUSES.includes(job.status)) {
        yield { kind: "end", job };
        return;
      }
      if (signal?.aborted) return;
      await jobs.clock.sleep(pollMs, wake.signal);
      if (signal?.aborted) return;
      if (wake.signal.aborted) wake = new AbortController();
      job = await jobs.findById(jobId);
    }
  } finally {
    off();
    signal?.removeEventListener("abort", stop);
  }
}
