/**
 * Sundial's Prometheus metrics, every one defined here (docs/metrics.md lists them). Three
 * sources feed them: the job runtime's `finished` events (durations, waiting, lateness),
 * the fire loop's passes (fires, missed fires, duplicates prevented, heartbeat), and the
 * store, read at scrape time and reused for a while so that scrapes can't pile onto the
 * database (jobs by type and status, queue depth, nodes holding leases). Node's process
 * metrics come with them. Nothing outside this file imports prom-client.
 *
 * @example
 * const metrics = new SundialMetrics(sundial);
 * const text = await metrics.text(); // Prometheus text format
 * metrics.close();
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Job } from "../jobs/job.js";
import type { SchedulerPass } from "../schedules/scheduler.js";
import { JOB_STATUSES, type JobCounts } from "../store/store.js";
import type { Sundial } from "../sundial.js";

export interface MetricsOptions {
  /**
   * How long counts read from the store are reused; default 2000 ms. Never less than 20
   * times as long as they took to read.
   */
  readonly cacheMs?: number;
}

const DEFAULT_CACHE_MS = 2000;
/**
 * Counting a million jobs takes 0.1-0.3 s: reusing the counts 20 times as long as they
 * took keeps the database at most 5% busy with scrapes, however often they come.
 */
const COUNT_COST_FACTOR = 20;
/** From a 5 ms handler to an hour-long export. */
const JOB_SECONDS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600,
];
/** On time is within tens of ms; a node down or a full queue is seconds to minutes. */
const LATENESS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * Node's own metrics (CPU, memory, event loop lag, GC), collected once per process: their
 * collectors watch the process, not a Sundial, and never stop.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

const seconds = (ms: number) => Math.max(0, ms) / 1000;

/** The metrics of one Sundial, kept up to date from its events until {@link close}. */
export class SundialMetrics {
  private readonly own = new Registry();
  private readonly exposed: Registry;
  private readonly cacheMs: number;
  private cached: { until: number; readonly counts: Promise<JobCounts> } | undefined;
  private readonly stopListening: (() => void)[];

  private readonly duration = new Histogram({
    name: "sundial_job_duration_seconds",
    help: "Run time of each job run that ended on this node (FINISHED or STOPPED), from its start to its end",
    labelNames: ["type", "status", "has_errors"] as const,
    buckets: JOB_SECONDS,
    registers: [this.own],
  });
  private readonly waiting = new Histogram({
    name: "sundial_job_waiting_seconds",
    help: "Time from a job's creation to its (last) start, for each job run that ended on this node (FINISHED or STOPPED)",
    labelNames: ["type"] as const,
    buckets: JOB_SECONDS,
    registers: [this.own],
  });
  private readonly lateness = new Histogram({
    name: "sundial_fire_lateness_seconds",
    help: "A scheduled job's start minus its fire time, observed when its first attempt ends on this node",
    buckets: LATENESS_SECONDS,
    registers: [this.own],
  });
  private readonly fires = new Counter({
    name: "sundial_fires_total",
    help: "Fires this node claimed, each of which made one job",
    registers: [this.own],
  });
  private readonly missed = new Counter({
    name: "sundial_fires_missed_total",
    help: "Missed fires this node recorded: a CANCELED job (doNothing) or a late run (fireAndProceed); one job may stand for several fires",
    labelNames: ["misfire_policy"] as const,
    registers: [this.own],
  });
  private readonly duplicates = new Counter({
    name: "sundial_duplicate_fires_prevented_total",
    help: "Fires this node tried to claim that another node had already made a job for",
    registers: [this.own],
  });
  private readonly heartbeat = new Gauge({
    name: "sundial_node_heartbeat_timestamp_seconds",
    help: "When this node's fire loop last reached the store (it does so at least every 5 s while started)",
    labelNames: ["node"] as const,
    registers: [this.own],
  });

  constructor(
    private readonly sundial: Sundial,
    options: MetricsOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
    this.storeGauges();
    this.exposed = Registry.merge([processMetrics(), this.own]);
    this.stopListening = [
      sundial.jobs.events.on("finished", (job) => this.ended(job)),
      sundial.onSchedulerPass((pass) => this.passed(pass)),
    ];
  }

  /** `Content-Type` of {@link text}. */
  get contentType(): string {
    return this.exposed.contentType;
  }

  /**
   * Every metric in Prometheus' text format.
   * @throws what the store throws when it can't be read.
   */
  text(): Promise<string> {
    return this.exposed.metrics();
  }

  /** Stops listening to the Sundial's events. */
  close(): void {
    for (const stop of this.stopListening) stop();
  }

  private ended(job: Job): void {
    // A CANCELED job either never ran or was STOPPED first, when its run was observed.
    if (job.startDate === null || job.status === "CANCELED") return;
    this.duration.observe(
      { type: job.type, status: job.status, has_errors: String(job.hasErrors) },
      seconds(job.duration),
    );
    this.waiting.observe({ type: job.type }, seconds(job.waiting));
    // A retried job's start is its last attempt's: only a first attempt says how late the fire ran.
    if (job.fireTime !== null && job.attempt === 1) {
      this.lateness.observe(seconds(job.startDate - job.fireTime));
    }
  }

  private passed(pass: SchedulerPass): void {
    this.heartbeat.set({ node: this.sundial.node }, pass.at / 1000);
    this.fires.inc(pass.jobs.length);
    for (const job of pass.jobs) {
      if (job.reason !== "missed") continue;
      const policy = job.status === "CANCELED" ? "doNothing" : "fireAndProceed";
      this.missed.inc({ misfire_policy: policy });
    }
    if (pass.lost > 0) this.duplicates.inc(pass.lost);
  }

  /** The counts read from the store, reused as {@link MetricsOptions.cacheMs} says (in wall time, even under a test clock). */
  private counts(): Promise<JobCounts> {
    const began = performance.now();
    if (this.cached !== undefined && began < this.cached.until) return this.cached.counts;
    const counts = this.sundial.store.countJobs(this.sundial.jobs.clock.now());
    const entry = { until: began + this.cacheMs, counts };
    this.cached = entry;
    counts.then(
      () => {
        entry.until = Math.max(
          entry.until,
          began + COUNT_COST_FACTOR * (performance.now() - began),
        );
      },
      // A failed read is not kept: the next scrape tries again.
      () => {
        if (this.cached === entry) this.cached = undefined;
      },
    );
    return counts;
  }

  /** Gauges set from the store's counts as each scrape collects them. */
  private storeGauges(): void {
    const registers = [this.own];
    const counts = () => this.counts();
    new Gauge({
      name: "sundial_jobs",
      help: "Jobs in the store by type and status (every node reports the same counts)",
      labelNames: ["type", "status"] as const,
      registers,
      async collect() {
        const { jobs } = await counts();
        this.reset();
        // Each type shows every status, so a status that empties reads 0 rather than vanishing.
        for (const type of new Set(jobs.map((row) => row.type))) {
          for (const status of JOB_STATUSES) this.set({ type, status }, 0);
        }
        for (const row of jobs) this.set({ type: row.type, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: "sundial_queue_depth",
      help: "PENDING jobs whose runAt has come, waiting for a free worker",
      registers,
      async collect() {
        this.set((await counts()).ready);
      },
    });
    new Gauge({
      name: "sundial_nodes_leasing",
      help: "Nodes holding an unexpired lease on a job, i.e. running jobs now (an idle node is not counted)",
      registers,
      async collect() {
        this.set((await counts()).leasingNodes);
      },
    });
  }
}
