/**
 * The queue benchmark's settings, read once from `BENCH_QUEUE_*` variables and frozen
 * (bench/settings.js refuses an unknown one).
 */
import { tmpdir } from "node:os";
import { readSettings } from "../settings.js";

const NUMBERS = {
  /** Jobs each worker runs at once, the same for every library. */
  BENCH_QUEUE_CONCURRENCY: 10,
  /** Throughput: jobs enqueued up front. */
  BENCH_QUEUE_JOBS: 20_000,
  /** Throughput: rounds, each running every library once in a rotating order; medians are printed. */
  BENCH_QUEUE_ROUNDS: 3,
  /** Latency: jobs enqueued one at a time, after the warm-up ones. */
  BENCH_QUEUE_LATENCY_JOBS: 500,
  /** Latency for pg-boss, whose every sample waits up to its polling interval. */
  BENCH_QUEUE_LATENCY_POLLED_JOBS: 60,
  /** Latency: samples discarded first (connections opening, code warming). */
  BENCH_QUEUE_LATENCY_WARMUP: 20,
  /** Fire lateness: active schedules. */
  BENCH_QUEUE_SCHEDULES: 10_000,
  /** Fire lateness: the window whose fires are measured, per store. */
  BENCH_QUEUE_LATENESS_SECONDS: 45,
  /** Memory: schedules in the store. */
  BENCH_QUEUE_STORED_SCHEDULES: 100_000,
  /** Memory: how many of them go through `schedules.put` (timed); the rest are copied in SQL. */
  BENCH_QUEUE_STORED_PUT: 5_000,
  /** Memory: how long the node runs before its RSS is read. */
  BENCH_QUEUE_WARMUP_SECONDS: 10,
  /** graphile-worker's `localQueue.size` (its performance guide uses 500). */
  BENCH_QUEUE_GRAPHILE_LOCAL_QUEUE: 500,
  /** pg-boss's `batchSize` per `work()` call (its best on this machine, among 50-500). */
  BENCH_QUEUE_PGBOSS_BATCH: 200,
};

const MEASUREMENTS = ["throughput", "latency", "lateness", "memory"];

const TEXTS = {
  BENCH_QUEUE_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
  /** Comma-separated subset of the measurements, for a quicker look at one of them. */
  BENCH_QUEUE_ONLY: MEASUREMENTS.join(","),
  /** A folder: every child process writes a V8 CPU profile there (`--cpu-prof`). */
  BENCH_QUEUE_CPU_PROF: "",
  /** Where SQLite files go (a fresh folder inside it per run, removed after). */
  BENCH_QUEUE_TMP: tmpdir(),
};

function readConfig(env) {
  const { values: config, only } = readSettings(env, {
    prefix: "BENCH_QUEUE_",
    numbers: NUMBERS,
    texts: TEXTS,
    choices: MEASUREMENTS,
  });
  if (config.BENCH_QUEUE_STORED_PUT > config.BENCH_QUEUE_STORED_SCHEDULES) {
    config.BENCH_QUEUE_STORED_PUT = config.BENCH_QUEUE_STORED_SCHEDULES;
  }
  return Object.freeze({
    databaseUrl: config.BENCH_QUEUE_DATABASE_URL,
    only: Object.freeze(only),
    cpuProfileDir: config.BENCH_QUEUE_CPU_PROF,
    tmp: config.BENCH_QUEUE_TMP,
    concurrency: config.BENCH_QUEUE_CONCURRENCY,
    jobs: config.BENCH_QUEUE_JOBS,
    rounds: config.BENCH_QUEUE_ROUNDS,
    latencyJobs: config.BENCH_QUEUE_LATENCY_JOBS,
    latencyPolledJobs: config.BENCH_QUEUE_LATENCY_POLLED_JOBS,
    latencyWarmup: config.BENCH_QUEUE_LATENCY_WARMUP,
    schedules: config.BENCH_QUEUE_SCHEDULES,
    latenessSeconds: config.BENCH_QUEUE_LATENESS_SECONDS,
    storedSchedules: config.BENCH_QUEUE_STORED_SCHEDULES,
    storedPut: config.BENCH_QUEUE_STORED_PUT,
    warmupSeconds: config.BENCH_QUEUE_WARMUP_SECONDS,
    graphileLocalQueue: config.BENCH_QUEUE_GRAPHILE_LOCAL_QUEUE,
    pgBossBatch: config.BENCH_QUEUE_PGBOSS_BATCH,
  });
}

export const CONFIG = readConfig(process.env);

/** pg-boss refuses a polling interval under 0.5 s (its `MIN_POLLING_INTERVAL_MS`). */
export const PGBOSS_POLLING_SECONDS = 0.5;

export const TARGETS = Object.freeze({
  /** Sundial on PostgreSQL against graphile-worker, jobs/s. */
  postgresThroughput: 1,
  /** Sundial on SQLite against graphile-worker, jobs/s. */
  sqliteThroughput: 2.5,
  latencyP99Ms: 10,
  latenessP99Ms: 50,
  rssBytes: 300 * 2 ** 20,
});
