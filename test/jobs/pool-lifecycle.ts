import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/clock.js";
import { type JobContext, type JobRegistry, WorkerPool } from "../../src/jobs/index.js";
import type { Store } from "../../src/store/store.js";
import {
  aNode,
  CountingClock,
  deferred,
  eventually,
  ManualClock,
  type Node,
  nextChange,
  pendingTimers,
  T0,
  untilAborted,
} from "./helpers.js";

/** A database the suite can make fresh, empty copies of. */
export interface TestDatabase {
  readonly name: string;
  /** A new, empty, migrated database; the function opens one more store (connection) on it. */
  fresh(): Promise<() => Promise<Store>>;
  /** Drops what `fresh` made. */
  cleanup(): Promise<void>;
  /** Whether the process's own timer count can be checked (a PostgreSQL pool keeps idle timers). */
  readonly checksProcessTimers: boolean;
  /**
   * Has the database refuse, with a trigger, any change of a job whose results hold the key
   * `poison`, as an operator's rule or a value the database can't hold would.
   */
  refusePoisonedResults(store: Store): Promise<void>;
}

/**
 * The worker pool's life on a real store: running, retrying, stopping, resuming,
 * limits, priorities, two nodes, a dead node, shutdown. No test waits on the wall clock
 * for an assertion; waits are on events or on the outcome.
 */
export function poolLifecycle(db: TestDatabase): void {
  describe(`the worker pool on ${db.name}`, () => {
    let open: () => Promise<Store>;
    const stores: Store[] = [];
    const pools: WorkerPool[] = [];

    /** One more store on the test's database. */
    async function aStore(): Promise<Store> {
      const store = await open();
      stores.push(store);
      return store;
    }

    function aPool(node: Node, options: Parameters<Node["pool"]>[0] = {}): WorkerPool {
      const pool = node.pool(options);
      pools.push(pool);
      return pool;
    }

    beforeEach(async () => {
      open = await db.fresh();
    });
    afterEach(async () => {
      await Promise.all(pools.splice(0).map((pool) => pool.stop({ graceMs: 0 })));
      for (const store of stores.splice(0)) await store.close().catch(() => undefined);
      await db.cleanup();
    });

    it("runs an enqueued job to FINISHED with its results, logs and progress", async () => {
      const clock = new CountingClock();
      const timersBefore = pendingTimers();
      const a = aNode(await aStore(), { clock });
      a.registry.define("greet", async ({ data, log, progress, job }) => {
        const { name } = data as { name: string };
        await log.info("hello", { to: name });
        await progress(49.6);
        return { greeting: `hi ${name}`, ranOn: job.node, status: job.status };
      });
      const pool = aPool(a);
      await pool.start({ concurrency: 2 });
      const job = await a.jobs.enqueue("greet", { name: "Ada" });
      const done = await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000);
      expect(done).toMatchObject({
        status: "FINISHED",
        hasErrors: false,
        results: { greeting: "hi Ada", ranOn: "node-a", status: "RUNNING" },
        progress: 50,
        attempt: 1,
        node: null,
        reason: null,
      });
      expect(done.endDate).toBeGreaterThanOrEqual(done.startDate ?? Number.POSITIVE_INFINITY);
      expect(done.duration).toBe((done.endDate ?? 0) - (done.startDate ?? 0));
      expect(await a.jobs.logs(job.id)).toMatchObject([
        { level: "INFO", message: "hello", additionalInfo: { to: "Ada" } },
      ]);
      await pool.stop();
      expect(pool.started).toBe(false);
      expect(clock.pendingSleeps).toBe(0);
      if (db.checksProcessTimers) expect(pendingTimers()).toBeLessThanOrEqual(timersBefore); // a leak adds timers; others in the process may end meanwhile
      expect(a.errors).toEqual([]);
    });

    it("hands a handler a context it can spread into another function", async () => {
      const a = aNode(await aStore());
      const inner = async (ctx: JobContext & { extra: string }) => {
        await ctx.log.info(`with ${ctx.extra}`);
        await ctx.progress(30);
        await ctx.saveCheckpoint({ at: 30 });
        return { data: ctx.data, status: ctx.job.status, aborted: ctx.signal.aborted };
      };
      a.registry.define("wrapped", (ctx) => inner({ ...ctx, extra: "more" }));
      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      const job = await a.jobs.enqueue("wrapped", { n: 1 });
      expect(await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000)).toMatchObject({
        hasErrors: false,
        progress: 30,
        results: { data: { n: 1 }, status: "RUNNING", aborted: false },
      });
      expect(await a.jobs.logs(job.id)).toMatchObject([{ message: "with more" }]);
    });

    it("retries a failing job after its backoff, then finishes", async () => {
      const clock = new ManualClock(T0);
      const a = aNode(await aStore(), { clock });
      const attempts: number[] = [];
      a.registry.define(
        "flaky",
        ({ job }) => {
          attempts.push(job.attempt);
          if (job.attempt < 3) throw new Error(`boom ${job.attempt}`);
          return { ok: true };
        },
        { maxAttempts: 3, backoff: { type: "exponential", delayMs: 1000, jitter: 0 } },
      );
      // The manual clock never moves by itself: only events, and advancing it, wake the pool.
      const pool = aPool(a, { pollIntervalMs: 3_600_000, leaseMs: 600_000 });
      await pool.start({ concurrency: 1 });
      const isFlaky =
        (status: string, attempt: number) => (job: { status: string; attempt: number }) =>
          job.status === status && job.attempt === attempt;

      const firstRetry = nextChange(a.jobs.events, isFlaky("PENDING", 1));
      const job = await a.jobs.enqueue("flaky", {});
      expect(await firstRetry).toMatchObject({
        reason: "retry",
        runAt: T0 + 1000,
        hasErrors: false,
      });
      const secondRetry = nextChange(a.jobs.events, isFlaky("PENDING", 2));
      clock.advance(1000);
      expect(await secondRetry).toMatchObject({ reason: "retry", runAt: T0 + 1000 + 2000 });
      const finished = nextChange(a.jobs.events, isFlaky("FINISHED", 3));
      clock.advance(2000);
      expect(await finished).toMatchObject({
        hasErrors: false,
        results: { ok: true },
        reason: null,
        endDate: T0 + 3000,
      });
      expect(attempts).toEqual([1, 2, 3]);
      expect(await a.jobs.logs(job.id)).toMatchObject([
        {
          level: "INFO",
          message: "attempt 1 of 3 failed: boom 1; retrying at 2030-01-01T09:00:01.000Z",
          additionalInfo: { attempt: 1, error: { message: "boom 1" } },
        },
        {
          level: "INFO",
          message: "attempt 2 of 3 failed: boom 2; retrying at 2030-01-01T09:00:03.000Z",
        },
      ]);
      await pool.stop({ graceMs: 0 });
      expect(clock.pendingSleeps).toBe(0);
    });

    it("ends a job that fails every attempt FINISHED hasErrors, with an ERROR line", async () => {
      const clock = new ManualClock(T0);
      const a = aNode(await aStore(), { clock });
      a.registry.define(
        "doomed",
        ({ job }) => {
          throw new Error(`boom ${job.attempt}`);
        },
        { maxAttempts: 2, backoff: { type: "fixed", delayMs: 500, jitter: 0 } },
      );
      const pool = aPool(a, { pollIntervalMs: 3_600_000, leaseMs: 600_000 });
      await pool.start({ concurrency: 1 });
      const retry = nextChange(
        a.jobs.events,
        (job) => job.status === "PENDING" && job.attempt === 1,
      );
      const job = await a.jobs.enqueue("doomed", {});
      await retry;
      const finished = nextChange(a.jobs.events, (j) => j.status === "FINISHED");
      clock.advance(500);
      expect(await finished).toMatchObject({ hasErrors: true, attempt: 2, results: null });
      expect(await a.jobs.logs(job.id, { level: "ERROR" })).toMatchObject([
        { message: "failed (attempt 2 of 2): boom 2", additionalInfo: { attempt: 2 } },
      ]);
      expect((await a.jobs.find({ hasErrors: true })).map((j) => j.id)).toEqual([job.id]);
    });

    it("stops a running job with its checkpoint, and resumes it from there", async () => {
      const a = aNode(await aStore());
      const reached = deferred();
      const seen: unknown[] = [];
      a.registry.define("long", async ({ signal, checkpoint, saveCheckpoint }) => {
        seen.push(checkpoint);
        if (checkpoint !== null) return { resumedFrom: checkpoint };
        await saveCheckpoint({ page: 3 });
        reached.resolve();
        await untilAborted(signal);
        expect(signal.reason).toMatchObject({ name: "JobInterrupted", kind: "stopped" });
        throw signal.reason;
      });
      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      const job = await a.jobs.enqueue("long", {});
      await reached.promise;

      expect(await a.jobs.stop(job.id)).toMatchObject({ status: "STOPPING", node: "node-a" });
      const stopped = await a.jobs.waitForJob(job.id, ["STOPPED"], 10_000);
      expect(stopped).toMatchObject({ hasErrors: false, node: null, attempt: 1 });
      expect(stopped.endDate).not.toBeNull();
      expect(await a.jobs.logs(job.id)).toEqual([]);

      expect(await a.jobs.resume(job.id)).toMatchObject({ status: "PENDING", attempt: 0 });
      const done = await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000);
      expect(done).toMatchObject({ results: { resumedFrom: { page: 3 } }, attempt: 1 });
      expect(seen).toEqual([null, { page: 3 }]);
    });

    it("stops a job asked to stop from another node", async () => {
      const a = aNode(await aStore());
      const reached = deferred();
      a.registry.define("long", async ({ signal }) => {
        reached.resolve();
        await untilAborted(signal);
        return { partial: true };
      });
      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      const job = await a.jobs.enqueue("long", {});
      await reached.promise;
      // Node b has its own events: node a can only learn of the request from the store.
      const b = aNode(await aStore(), { node: "node-b", registry: a.registry });
      await b.jobs.stop(job.id);
      const stopped = await b.jobs.waitForJob(job.id, ["STOPPED"], 10_000);
      expect(stopped).toMatchObject({ results: { partial: true }, hasErrors: false });
    });

    it("fails an attempt that runs past timeoutMs, even when its handler ignores the signal", async () => {
      const a = aNode(await aStore());
      a.registry.define(
        "polite",
        async ({ signal }) => {
          await untilAborted(signal);
          throw signal.reason;
        },
        { timeoutMs: 30 },
      );
      a.registry.define("stubborn", () => new Promise<never>(() => undefined), { timeoutMs: 30 });
      const pool = aPool(a, { abandonAfterMs: 30 });
      await pool.start({ concurrency: 2 });
      const [polite, stubborn] = await a.jobs.enqueueMany([
        { type: "polite", data: null },
        { type: "stubborn", data: null },
      ]);
      for (const job of [polite, stubborn]) {
        const done = await a.jobs.waitForJob(job?.id ?? "", ["FINISHED"], 10_000);
        expect(done).toMatchObject({ hasErrors: true, reason: "timeout" });
        expect(await a.jobs.logs(done.id, { level: "ERROR" })).toMatchObject([
          { message: "failed: timed out after 30 ms" },
        ]);
      }
      expect(pool.running).toEqual([]);
    });

    it("fails an attempt whose results can't be stored as JSON", async () => {
      const a = aNode(await aStore());
      a.registry.define("cyclic", () => {
        const results: Record<string, unknown> = {};
        results.self = results;
        return results;
      });
      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      const job = await a.jobs.enqueue("cyclic", null);
      expect(await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000)).toMatchObject({
        hasErrors: true,
        results: null,
      });
      expect((await a.jobs.logs(job.id))[0]?.message).toMatch(
        /^failed: results: cannot be stored as JSON/,
      );
    });

    it("ends a job whose ending the database refuses failed, and records its neighbours as they ran", async () => {
      const store = await aStore();
      await db.refusePoisonedResults(store);
      const a = aNode(store);
      const gate = deferred();
      let started = 0;
      const allStarted = deferred();
      a.registry.define("gated", async ({ data }) => {
        if (++started === 4) allStarted.resolve();
        await gate.promise;
        return data;
      });
      const jobs = await a.jobs.enqueueMany(
        [{ ok: 1 }, { poison: true }, { ok: 2 }, { ok: 3 }].map((data) => ({
          type: "gated",
          data,
        })),
      );
      const pool = aPool(a);
      await pool.start({ concurrency: 4 });
      await allStarted.promise;
      // The four end in one turn, so their endings go to the database in one statement.
      gate.resolve();
      const ended = await Promise.all(
        jobs.map((job) => a.jobs.waitForJob(job.id, ["FINISHED"], 10_000)),
      );
      expect(ended.map(({ hasErrors, results }) => ({ hasErrors, results }))).toEqual([
        { hasErrors: false, results: { ok: 1 } },
        { hasErrors: true, results: null },
        { hasErrors: false, results: { ok: 2 } },
        { hasErrors: false, results: { ok: 3 } },
      ]);
      expect(await a.jobs.logs(jobs[1]!.id)).toMatchObject([
        {
          level: "ERROR",
          message: expect.stringMatching(
            /^the database refused to store how the run ended \(.*no poison.*\); the job ends failed, without its results$/,
          ),
        },
      ]);
      for (const job of [jobs[0]!, jobs[2]!, jobs[3]!])
        expect(await a.jobs.logs(job.id)).toEqual([]);
    });

    it("never runs more handlers at once than its concurrency", async () => {
      const a = aNode(await aStore());
      let running = 0;
      let most = 0;
      a.registry.define("busy", async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
      });
      const jobs = await a.jobs.enqueueMany(
        Array.from({ length: 12 }, () => ({ type: "busy", data: null })),
      );
      const pool = aPool(a);
      await pool.start({ concurrency: 3 });
      for (const job of jobs) await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000);
      expect(most).toBe(3);
    });

    it("claims ahead while runs are short: many jobs to a claim, each run once", async () => {
      const store = await aStore();
      let claims = 0;
      const counting = new Proxy(store, {
        get(target, key, receiver) {
          if (key === "claimJobs") {
            return (...args: Parameters<Store["claimJobs"]>) => {
              claims++;
              return target.claimJobs(...args);
            };
          }
          const value = Reflect.get(target, key, receiver);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      const a = aNode(counting);
      const runs = new Map<string, number>();
      a.registry.define("tiny", ({ job }) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      });
      const jobs = await a.jobs.enqueueMany(
        Array.from({ length: 400 }, (_, i) => ({ type: "tiny", data: i })),
      );
      const pool = aPool(a);
      await pool.start({ concurrency: 2 });
      for (const job of jobs) await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000);
      expect(runs.size).toBe(400);
      expect([...runs.values()].every((count) => count === 1)).toBe(true);
      // One slot at a time would take 200 claims or more.
      expect(claims).toBeLessThan(100);
      const ended = await a.jobs.find({ status: "FINISHED", _size: 1000 });
      expect(ended.every((job) => job.startDate !== null && job.endDate !== null)).toBe(true);
      expect(ended.every((job) => (job.endDate as number) >= (job.startDate as number))).toBe(true);
      expect(a.errors).toEqual([]);
    });

    it("on stop, puts the jobs it claimed ahead back in line, their attempt not counted", async () => {
      const a = aNode(await aStore());
      const blocking = deferred();
      a.registry.define("quick", async ({ data, signal }) => {
        if (data !== "block") return;
        blocking.resolve();
        await untilAborted(signal);
        throw signal.reason;
      });
      const warmUp = await a.jobs.enqueueMany(
        Array.from({ length: 5 }, () => ({ type: "quick", data: "warm-up" })),
      );
      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      for (const job of warmUp) await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000);
      // Short runs so far: the next claim takes more than the one free slot.
      const batch = await a.jobs.enqueueMany([
        { type: "quick", data: "block" },
        ...Array.from({ length: 20 }, () => ({ type: "quick", data: "later" })),
      ]);
      await blocking.promise;
      await eventually(
        async () => (await a.jobs.find({ status: "RUNNING", _size: 100 })).length > 1,
      );
      await pool.stop({ graceMs: 0 });
      const after = await Promise.all(batch.map((job) => a.jobs.findById(job.id)));
      expect(after.map((job) => [job.status, job.attempt])).toEqual(
        batch.map(() => ["PENDING", 0]),
      );
    });

    it("runs low-priority jobs only when no normal job is waiting", async () => {
      const a = aNode(await aStore());
      const order: string[] = [];
      a.registry.define("step", ({ data }) => {
        order.push(data as string);
      });
      const enqueue = (name: string, lowPriority = false) =>
        a.jobs.enqueue("step", name, { lowPriority });
      await enqueue("low-1", true);
      await enqueue("normal-1");
      const lowered = await enqueue("normal-2");
      const raised = await enqueue("low-2", true);
      await enqueue("normal-3");
      await a.jobs.setLowPriority(lowered.id);
      await a.jobs.removeLowPriority(raised.id);
      const last = await enqueue("low-3", true);

      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      await a.jobs.waitForJob(last.id, ["FINISHED"], 10_000);
      expect(order).toEqual(["normal-1", "low-2", "normal-3", "low-1", "normal-2", "low-3"]);
    });

    it("two nodes on one database run each of 200 jobs exactly once", async () => {
      const runs: { id: string; node: string }[] = [];
      const define = (registry: JobRegistry, node: string) =>
        registry.define("once", async ({ job }) => {
          runs.push({ id: job.id, node });
          // Long enough that neither node claims ahead (runs under 50 ms do), so both get work.
          await new Promise((resolve) => setTimeout(resolve, 60));
        });
      const a = aNode(await aStore(), { node: "node-a" });
      const b = aNode(await aStore(), { node: "node-b" });
      define(a.registry, "node-a");
      define(b.registry, "node-b");
      const jobs = await a.jobs.enqueueMany(
        Array.from({ length: 200 }, (_, i) => ({ type: "once", data: i })),
      );
      const poolB = aPool(b, { pollIntervalMs: 5 });
      const poolA = aPool(a, { pollIntervalMs: 5 });
      await Promise.all([poolB.start({ concurrency: 4 }), poolA.start({ concurrency: 4 })]);
      await eventually(
        async () => (await a.jobs.find({ status: "FINISHED", _size: 1000 })).length === 200,
      );
      expect(runs).toHaveLength(200);
      expect(new Set(runs.map((run) => run.id))).toEqual(new Set(jobs.map((job) => job.id)));
      expect(runs.some((run) => run.node === "node-a")).toBe(true);
      expect(runs.some((run) => run.node === "node-b")).toBe(true);
      expect([...a.errors, ...b.errors]).toEqual([]);
    });

    it("recovers the jobs of a node that died, with a log line on each", async () => {
      const dying = await aStore();
      const a = aNode(dying, { node: "node-a" });
      const claimed = deferred();
      let started = 0;
      a.registry.define(
        "work",
        async ({ signal }) => {
          if (++started === 4) claimed.resolve();
          await untilAborted(signal);
        },
        { maxAttempts: 3 },
      );
      const jobs = await a.jobs.enqueueMany(
        Array.from({ length: 3 }, () => ({ type: "work", data: null })),
      );
      // Its one attempt dies with the node: it can't be run again.
      const last = await a.jobs.enqueue("work", null, { maxAttempts: 1 });
      const poolA = aPool(a, { leaseMs: 300 });
      await poolA.start({ concurrency: 4 });
      await claimed.promise;
      // kill -9: the node's connection is gone, it renews nothing and finishes nothing.
      await dying.close();

      const b = aNode(await aStore(), { node: "node-b" });
      b.registry.define("work", ({ job }) => ({ by: "node-b", attempt: job.attempt }));
      const poolB = aPool(b, { recoverIntervalMs: 50 });
      await poolB.start({ concurrency: 3 });
      for (const job of jobs) {
        const done = await b.jobs.waitForJob(job.id, ["FINISHED"], 10_000);
        expect(done).toMatchObject({ results: { by: "node-b", attempt: 2 }, hasErrors: false });
        // The line is written just after the release: the job may have run already.
        await eventually(async () => (await b.jobs.logs(job.id)).length > 0);
        expect(await b.jobs.logs(job.id)).toMatchObject([
          {
            level: "INFO",
            message: "recovered: node node-a's lease lapsed; the job will run again",
            additionalInfo: { node: "node-a", recoveredBy: "node-b" },
          },
        ]);
      }
      expect(await b.jobs.waitForJob(last.id, ["FINISHED"], 10_000)).toMatchObject({
        hasErrors: true,
        reason: "leaseExpired",
        results: null,
      });
      await eventually(async () => (await b.jobs.logs(last.id)).length > 0);
      expect(await b.jobs.logs(last.id)).toMatchObject([
        {
          level: "ERROR",
          message:
            "recovered: node node-a's lease lapsed on its last attempt (1 of 1); the job failed",
        },
      ]);
      await poolA.stop({ graceMs: 0 });
      expect(a.errors.length).toBeGreaterThan(0);
      expect(b.errors).toEqual([]);
    });

    it("recovers at start the jobs its node id held when its process died", async () => {
      const store = await aStore();
      const a = aNode(store, { node: "node-a" });
      a.registry.define("work", () => "done", { maxAttempts: 2 });
      const job = await a.jobs.enqueue("work", null);
      // The earlier process claimed it, then died; its lease has time left.
      await store.claimJobs("node-a", Date.now(), 600_000, 1);
      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      expect(await a.jobs.waitForJob(job.id, ["FINISHED"], 10_000)).toMatchObject({
        results: "done",
        attempt: 2,
      });
      await eventually(async () => (await a.jobs.logs(job.id)).length > 0);
      expect((await a.jobs.logs(job.id))[0]?.message).toBe(
        "recovered: node node-a (this node, in an earlier run)'s lease lapsed; the job will run again",
      );
    });

    it("on stop, lets running jobs finish within the grace period and claims no more", async () => {
      const clock = new CountingClock();
      const timersBefore = pendingTimers();
      const a = aNode(await aStore(), { clock });
      const started = deferred();
      a.registry.define("short", async () => {
        started.resolve();
        await new Promise((resolve) => setTimeout(resolve, 30));
        return "done";
      });
      const pool = aPool(a);
      await pool.start({ concurrency: 1 });
      const job = await a.jobs.enqueue("short", null);
      await started.promise;
      await pool.stop({ graceMs: 10_000 });
      expect(await a.jobs.findById(job.id)).toMatchObject({ status: "FINISHED", results: "done" });
      const later = await a.jobs.enqueue("short", null);
      expect(await a.jobs.findById(later.id)).toMatchObject({ status: "PENDING" });
      expect(clock.pendingSleeps).toBe(0);
      if (db.checksProcessTimers) expect(pendingTimers()).toBeLessThanOrEqual(timersBefore); // a leak adds timers; others in the process may end meanwhile
    });

    it("on stop, puts jobs still running after the grace period back in line with their checkpoint", async () => {
      const clock: Clock = new CountingClock();
      const store = await aStore();
      const a = aNode(store, { clock, node: "node-a" });
      const reached = deferred();
      a.registry.define("long", async ({ signal, checkpoint, saveCheckpoint }) => {
        if (checkpoint !== null) return { from: checkpoint };
        await saveCheckpoint({ at: 1 });
        reached.resolve();
        await untilAborted(signal);
        throw signal.reason;
      });
      a.registry.define("deaf", () => new Promise<never>(() => undefined));
      const pool = aPool(a, { abandonAfterMs: 30 });
      await pool.start({ concurrency: 2 });
      const long = await a.jobs.enqueue("long", null);
      const deaf = await a.jobs.enqueue("deaf", null);
      await reached.promise;
      await eventually(() => pool.running.length === 2);
      await pool.stop({ graceMs: 20 });

      for (const job of [long, deaf]) {
        expect(await a.jobs.findById(job.id)).toMatchObject({
          status: "PENDING",
          attempt: 0,
          node: null,
        });
        expect((await a.jobs.logs(job.id)).map((line) => line.message)).toEqual([
          "interrupted: node node-a shut down; the job will run again",
        ]);
      }
      expect((await store.getJob(long.id))?.checkpoint).toEqual({ at: 1 });

      const b = aNode(store, { node: "node-b" });
      b.registry.define("long", ({ checkpoint }) => ({ from: checkpoint }));
      b.registry.define("deaf", () => "heard");
      await aPool(b).start({ concurrency: 2 });
      expect(await b.jobs.waitForJob(long.id, ["FINISHED"], 10_000)).toMatchObject({
        results: { from: { at: 1 } },
        attempt: 1,
      });
      expect(await b.jobs.waitForJob(deaf.id, ["FINISHED"], 10_000)).toMatchObject({
        results: "heard",
      });
    });

    it("refuses to start twice, or with a bad concurrency", async () => {
      const a = aNode(await aStore());
      const pool = aPool(a);
      await expect(pool.start({ concurrency: 0 })).rejects.toMatchObject({ field: "concurrency" });
      await pool.start({ concurrency: 1 });
      await expect(pool.start({ concurrency: 1 })).rejects.toMatchObject({ code: "conflict" });
      await pool.stop();
      await pool.start({ concurrency: 1 });
      await pool.stop();
      expect(() => new WorkerPool({ jobs: a.jobs, leaseMs: 0 })).toThrow(/leaseMs/);
    });
  });
}
