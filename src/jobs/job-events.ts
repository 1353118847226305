/**
 * What the job runtime tells the rest of the process: a worker pool is woken when a job
 * is enqueued, `waitForJob` when a job changes, the scheduler when a schedule's job ends.
 * In-process only; another node sees the change in the store on its next poll.
 */
import type { Job } from "./job.js";

export interface JobEventMap {
  /**
   * A job may be ready to claim: enqueued, requeued for a retry, resumed or recovered.
   * `undefined` when the emitter only knows that jobs were inserted (the scheduler's
   * fires); worker pools claim on either.
   */
  enqueued: [job: Job | undefined];
  /** A job changed through this process: its status, priority or error flag. */
  changed: [job: Job];
  /** A job is no longer pending or running: it reached FINISHED, STOPPED or CANCELED. */
  finished: [job: Job];
  /** A stop was asked for a running job; the pool running it aborts its handler. */
  stopRequested: [job: Job];
  /** A failure in the background (a worker loop lost the database, a listener threw). */
  error: [error: unknown];
}

export type JobEventName = keyof JobEventMap;
export type JobEventListener<E extends JobEventName> = (...args: JobEventMap[E]) => void;

/**
 * A small typed event hub. Unlike node:events it has no listener limit (every
 * `waitForJob` call listens for a while) and no throwing `error` event: a listener that
 * throws is reported as an `error` event and the others still run.
 * @example
 * const off = jobs.events.on("finished", (job) => console.log(job.id, job.status));
 * off(); // stop listening
 */
export class JobEvents {
  private readonly listeners: { [E in JobEventName]?: Set<JobEventListener<E>> } = {};

  private set<E extends JobEventName>(event: E): Set<JobEventListener<E>> {
    const existing = this.listeners[event] as Set<JobEventListener<E>> | undefined;
    if (existing !== undefined) return existing;
    const created = new Set<JobEventListener<E>>();
    (this.listeners as Record<E, Set<JobEventListener<E>>>)[event] = created;
    return created;
  }

  /** Listens for `event` until the returned function is called. */
  on<E extends JobEventName>(event: E, listener: JobEventListener<E>): () => void {
    this.set(event).add(listener);
    return () => this.off(event, listener);
  }

  off<E extends JobEventName>(event: E, listener: JobEventListener<E>): void {
    this.set(event).delete(listener);
  }

  /** How many listen for `event`. */
  listenerCount(event: JobEventName): number {
    return this.listeners[event]?.size ?? 0;
  }

  emit<E extends JobEventName>(event: E, ...args: JobEventMap[E]): void {
    const set = this.set(event);
    if (set.size === 0) {
      // Nobody is told of a background failure: say it rather than lose it.
      if (event === "error") console.error("sundial: job runtime error:", args[0]);
      return;
    }
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        if (event === "error") console.error("sundial: an error listener threw:", error);
        else this.emit("error", error);
      }
    }
  }
}
