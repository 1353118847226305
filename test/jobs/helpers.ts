import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Clock, systemClock } from "../../src/clock.js";
import { type Job, JobRegistry, JobService, newJobId, WorkerPool } from "../../src/jobs/index.js";
import type { JobEvents } from "../../src/jobs/job-events.js";
import type { WorkerPoolOptions } from "../../src/jobs/worker-pool.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";

/** A far-from-now instant, so nothing passes by reading the wall clock by mistake. */
export const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);

/**
 * A clock that moves only when told: sleeps end when `advance` passes their end (or
 * their signal aborts), so retries and backoffs are tested at exact instants.
 */
export class ManualClock implements Clock {
  private timers: { due: number; resolve: () => void }[] = [];

  constructor(private current: number = T0) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted || ms <= 0) return resolve();
      const timer = { due: this.current + ms, resolve: () => done() };
      const done = () => {
        this.timers = this.timers.filter((t) => t !== timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      this.timers.push(timer);
      signal?.addEventListener("abort", done, { once: true });
    });
  }

  /** Moves time on, ending every sleep that is then over, earliest first. */
  advance(ms: number): void {
    this.current += ms;
    const due = this.timers.filter((t) => t.due <= this.current).sort((a, b) => a.due - b.due);
    for (const timer of due) timer.resolve();
  }

  /** Sleeps not yet over: 0 once everything using the clock has stopped. */
  get pendingSleeps(): number {
    return this.timers.length;
  }
}

/** The system clock, counting the sleeps in progress so a test can check none is left. */
export class CountingClock implements Clock {
  pendingSleeps = 0;

  now(): number {
    return systemClock.now();
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.pendingSleeps++;
    try {
      await systemClock.sleep(ms, signal);
    } finally {
      this.pendingSleeps--;
    }
  }
}

/** Timers of this process (setTimeout/setInterval) that are still pending. */
export function pendingTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === "Timeout").length;
}

/** Temp SQLite files, each in a folder removed by `removeSqliteFiles`. */
const dirs: string[] = [];

export async function freshSqliteFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-jobs-"));
  dirs.push(dir);
  return join(dir, "sundial.db");
}

export async function removeSqliteFiles(): Promise<void> {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function openSqliteStore(): Promise<Store> {
  return openStore({ database: await freshSqliteFile() });
}

/** One node: a registry, a service and (made on demand) a pool, on a store. */
export interface Node {
  readonly registry: JobRegistry;
  readonly jobs: JobService;
  readonly errors: unknown[];
  pool(options?: Partial<WorkerPoolOptions>): WorkerPool;
}

export function aNode(
  store: Store,
  options: { node?: string; clock?: Clock; registry?: JobRegistry; pollIntervalMs?: number } = {},
): Node {
  const registry = options.registry ?? new JobRegistry();
  const jobs = new JobService({
    store,
    clock: options.clock ?? systemClock,
    node: options.node ?? "node-a",
    registry,
    pollIntervalMs: options.pollIntervalMs ?? 20,
  });
  const errors: unknown[] = [];
  jobs.events.on("error", (error) => errors.push(error));
  return {
    registry,
    jobs,
    errors,
    pool: (poolOptions = {}) =>
      new WorkerPool({
        jobs,
        pollIntervalMs: 20,
        abandonAfterMs: 200,
        random: () => 0.5,
        ...poolOptions,
      }),
  };
}

/** The next `changed` event whose job matches. */
export function nextChange(events: JobEvents, matches: (job: Job) => boolean): Promise<Job> {
  return new Promise((resolve) => {
    const off = events.on("changed", (job) => {
      if (matches(job)) {
        off();
        resolve(job);
      }
    });
  });
}

/** A promise with its resolver, for handlers that wait for the test. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Waits (polling every 10 ms) until `check` holds, for at most `ms`. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("the condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * A job that ended as `status` at `at`, written straight to the store (as a worker on
 * `node` would have ended it), for tests of what happens to old jobs. Run it with no
 * other job ready to claim.
 */
export async function endedJob(
  store: Store,
  status: "FINISHED" | "CANCELED" | "STOPPED",
  at: number,
  node = "node-old",
): Promise<string> {
  const id = newJobId(at);
  if (status === "CANCELED") {
    await store.insertJob({ id, type: "report", status, runAt: at, createDate: at });
    return id;
  }
  await store.insertJob({ id, type: "report", runAt: at, createDate: at });
  const [claimed] = await store.claimJobs(node, at, 30_000, 1);
  if (claimed?.id !== id) throw new Error(`claimed ${claimed?.id} instead of ${id}`);
  await store.finishJob(id, node, { status, at });
  return id;
}
