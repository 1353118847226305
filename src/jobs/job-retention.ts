/**
 * Retention: ended jobs (FINISHED, CANCELED) and their logs go once they ended longer ago
 * than `maxAgeMs`, or fall outside the newest `maxCount`. A running node purges once at
 * start and every few minutes. STOPPED jobs stay, whatever their age: a user stopped them
 * to resume them later, and cancelling one is how to let it go.
 */
import { type Static, Type } from "typebox";
import type { JobService, RetentionRule } from "./job.service.js";

const DAY = 86_400_000;

const limit = () =>
  Type.Optional(
    Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.Null()]),
  );

/** `retention` as `Sundial.open` and `conf/scheduler.json` take it; `null` lifts a limit. */
export const RetentionSchema = Type.Object(
  {
    /** Ended jobs are deleted this long (ms) after they ended; default 30 days. */
    maxAgeMs: limit(),
    /** At most this many ended jobs are kept, the newest; default no limit. */
    maxCount: limit(),
  },
  { additionalProperties: false },
);
export type RetentionOptions = Static<typeof RetentionSchema>;

export const DEFAULT_RETENTION: RetentionRule = Object.freeze({ maxAgeMs: 30 * DAY });

/**
 * How often a running node purges. Every node of a cluster does: a purge deletes what is
 * due whoever runs it, so more than one is only redundant.
 */
export const PURGE_INTERVAL_MS = 5 * 60_000;

/**
 * The rule for checked `retention` settings, the defaults filling what they leave out.
 * @example retentionRule({ maxCount: 100_000 }) // { maxAgeMs: 2592000000, maxCount: 100000 }
 */
export function retentionRule(options: RetentionOptions = {}): RetentionRule {
  const maxAgeMs = options.maxAgeMs === undefined ? DEFAULT_RETENTION.maxAgeMs : options.maxAgeMs;
  const maxCount = options.maxCount === undefined ? DEFAULT_RETENTION.maxCount : options.maxCount;
  return Object.freeze({
    ...(maxAgeMs == null ? {} : { maxAgeMs }),
    ...(maxCount == null ? {} : { maxCount }),
  });
}

/**
 * Purges by a retention rule while started; a failed purge is reported as the job
 * service's `error` event and tried again at the next interval.
 * @example
 * const retention = new JobRetention(jobs, retentionRule({ maxAgeMs: 7 * 86_400_000 }));
 * retention.start();
 * await retention.stop();
 */
export class JobRetention {
  private stopping: AbortController | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly jobs: JobService,
    readonly rule: RetentionRule,
    private readonly intervalMs = PURGE_INTERVAL_MS,
  ) {}

  /** Purges now, then every interval until {@link stop}. A rule with no limit does nothing. */
  start(): void {
    if (this.running !== undefined) return;
    if (this.rule.maxAgeMs === undefined && this.rule.maxCount === undefined) return;
    const stopping = new AbortController();
    this.stopping = stopping;
    this.running = this.loop(stopping.signal);
  }

  /** Stops between two batches of a purge under way, and resolves once it has. */
  async stop(): Promise<void> {
    this.stopping?.abort();
    await this.running;
    this.stopping = undefined;
    this.running = undefined;
  }

  private async loop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.jobs.purge(this.rule, { signal });
      } catch (error) {
        this.jobs.events.emit("error", error);
      }
      await this.jobs.clock.sleep(this.intervalMs, signal);
    }
  }
}
