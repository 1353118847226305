/**
 * Sundial's job runtime and scheduler against graphile-worker and pg-boss, all on the same
 * PostgreSQL and measured in this one run, with Sundial on SQLite beside them.
 *
 * Run:  npm run bench:queue                         (builds dist/, then runs this; ~5 min)
 *       node bench/queue/run.js                     (when dist/ is already built)
 *       BENCH_QUEUE_ONLY=latency npm run bench:queue (one measurement; see config.js for all settings)
 *
 * Read: four measurements (bench/README.md says how each is made and kept fair):
 * 1. throughput: jobs/s for 20,000 no-op jobs enqueued up front, run with the same
 *    concurrency everywhere, until the store records every one ended; ratios of Sundial to
 *    each peer (above 1 means Sundial is faster);
 * 2. enqueue→start latency, p50 and p99, one job at a time into an idle queue;
 * 3. fire lateness, p50 and p99, with 10,000 active schedules (Sundial only: the peers'
 *    cron cannot express them, see the README);
 * 4. RSS of a Sundial node with 100,000 schedules in its store.
 * Each measurement of each library runs in a child process of its own (child.js), in a
 * PostgreSQL schema or SQLite file of its own, dropped or deleted afterwards.
 */
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CONFIG, PGBOSS_POLLING_SECONDS, TARGETS } from "./config.js";
import { dropRunSchemas, schemaName, serverVersion } from "./postgres.js";
import { count, DASH, mib, ms, ratio, seconds, table, verdict } from "./report.js";

const QUEUES = [
  { id: "sundial-pg", label: "sundial PostgreSQL" },
  { id: "sundial-sqlite", label: "sundial SQLite" },
  { id: "graphile-worker", label: "graphile-worker" },
  { id: "pg-boss", label: "pg-boss" },
];
const SUNDIALS = QUEUES.slice(0, 2);
const CHILD = fileURLToPath(new URL("./child.js", import.meta.url));
const runId = `${Date.now().toString(36)}`;
const tmp = mkdtempSync(join(CONFIG.tmp, "sundial-bench-queue-"));

function versionOf(name) {
  const path =
    name === "sundial" ? "../../package.json" : `../../node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")).version;
}

/** Runs child.js; resolves with its result, or `undefined` after printing why it failed. */
function inChild(measurement, library, place) {
  const execArgv = measurement === "rss" ? ["--expose-gc"] : [];
  if (CONFIG.cpuProfileDir !== "") {
    execArgv.push(
      "--cpu-prof",
      `--cpu-prof-dir=${CONFIG.cpuProfileDir}`,
      `--cpu-prof-name=${measurement}-${library}.cpuprofile`,
    );
  }
  return new Promise((resolve) => {
    let message;
    const child = fork(CHILD, [measurement, library, JSON.stringify(place)], { execArgv });
    child.on("message", (m) => {
      message = m;
    });
    child.on("exit", (code) => {
      if (message?.ok) resolve(message.result);
      else {
        console.log(`  ${library}, ${measurement}: failed (${message?.error ?? `exit ${code}`})`);
        resolve(undefined);
      }
    });
  });
}

/**
 * One measurement of one library, in a fresh schema (or SQLite file), dropped afterwards;
 * measurements that share a file name it.
 */
async function measure(measurement, library, name = `${measurement}-${library}`) {
  const place = { schema: schemaName(runId, name), file: join(tmp, `${name}.db`) };
  try {
    return await inChild(measurement, library, place);
  } finally {
    await dropRunSchemas(CONFIG.databaseUrl, runId);
  }
}

async function printHeader() {
  const cpus = os.cpus();
  console.log(`Sundial queue benchmark, ${new Date().toISOString()}`);
  console.log(
    `node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}, ` +
      `${cpus[0]?.model.trim() ?? "unknown CPU"} × ${cpus.length}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg()[0].toFixed(2)}`,
  );
  console.log(
    `PostgreSQL ${await serverVersion(CONFIG.databaseUrl)} (same server for all), ` +
      `sundial ${versionOf("sundial")}, graphile-worker ${versionOf("graphile-worker")}, ` +
      `pg-boss ${versionOf("pg-boss")}`,
  );
  console.log(
    `concurrency ${CONFIG.concurrency} for all; graphile-worker localQueue.size ` +
      `${CONFIG.graphileLocalQueue}, completeJobBatchDelay 0, failJobBatchDelay 0; pg-boss ` +
      `${CONFIG.concurrency} work() loops, batchSize ${CONFIG.pgBossBatch}, ` +
      `pollingIntervalSeconds ${PGBOSS_POLLING_SECONDS} (its minimum)`,
  );
}

async function throughput() {
  // On a shared machine one run of each library can be off by half; rounds in a rotating
  // order, and the median of each library's rounds, keep one slow moment from deciding.
  const rounds = Object.fromEntries(QUEUES.map(({ id }) => [id, []]));
  for (let round = 0; round < CONFIG.rounds; round++) {
    const order = QUEUES.map((_, i) => QUEUES[(i + round) % QUEUES.length]);
    for (const { id } of order) {
      const r = await measure("throughput", id);
      if (r !== undefined) rounds[id].push(r);
    }
  }
  const results = {};
  for (const { id } of QUEUES) {
    const sorted = [...rounds[id]].sort((a, b) => a.jobsPerSecond - b.jobsPerSecond);
    const middle = sorted[Math.floor((sorted.length - 1) / 2)];
    if (middle !== undefined) {
      const repeats = sorted.reduce((sum, r) => sum + (r.repeats ?? 0), 0);
      results[id] = { ...middle, repeats, all: sorted.map((r) => r.jobsPerSecond) };
    }
  }
  const graphile = results["graphile-worker"]?.jobsPerSecond;
  const boss = results["pg-boss"]?.jobsPerSecond;
  const rows = [
    ["library", "enqueue", "all started", "all done", "jobs/s", "×graphile-worker", "×pg-boss"],
  ];
  for (const { id, label } of QUEUES) {
    const r = results[id];
    rows.push([
      label,
      seconds(r?.enqueueMs),
      seconds(r?.startedMs),
      seconds(r?.doneMs),
      count(r?.jobsPerSecond),
      ratio(r?.jobsPerSecond / graphile),
      ratio(r?.jobsPerSecond / boss),
    ]);
  }
  console.log(
    `\nthroughput: ${count(CONFIG.jobs)} no-op jobs enqueued up front (batch API), then run ` +
      `with concurrency ${CONFIG.concurrency}; jobs/s from the workers' start until the store ` +
      `records every job ended; the round with the median jobs/s of ${CONFIG.rounds} rounds`,
  );
  console.log(table(rows, ["l"]));
  for (const { id, label } of QUEUES) {
    const all = results[id]?.all;
    if (all && all.length > 1)
      console.log(`${label}: jobs/s in each round ${all.map(count).join(", ")}`);
  }
  const repeats = QUEUES.filter(({ id }) => results[id]?.repeats > 0);
  for (const { id, label } of repeats) {
    console.log(`warning: ${label} started ${results[id].repeats} jobs more than once`);
  }
  return results;
}

async function latency() {
  const results = {};
  for (const { id } of QUEUES) results[id] = await measure("latency", id);
  const rows = [["library", "p50", "p99", "max", "samples"]];
  for (const { id, label } of QUEUES) {
    const r = results[id];
    rows.push([label, ms(r?.p50), ms(r?.p99), ms(r?.max), count(r?.count)]);
  }
  console.log(
    "\nenqueue→start latency: one job at a time into an idle queue, from before the enqueue " +
      "call to the handler's first line, same process",
  );
  console.log(table(rows, ["l"]));
  console.log(
    `(pg-boss polls every ${PGBOSS_POLLING_SECONDS} s, its minimum, so it has fewer samples, ` +
      "spread over its polling interval; the others are woken as the job is enqueued)",
  );
  return results;
}

async function lateness() {
  const results = {};
  for (const { id } of SUNDIALS) results[id] = await measure("lateness", id);
  const rows = [
    [
      "store",
      "started p50",
      "p99",
      "max",
      "created p50",
      "p99",
      "fires",
      "expected",
      "put each",
      "catch-up",
    ],
  ];
  for (const { id, label } of SUNDIALS) {
    const r = results[id];
    rows.push([
      label,
      ms(r?.started.p50),
      ms(r?.started.p99),
      ms(r?.started.max),
      ms(r?.created.p50),
      ms(r?.created.p99),
      count(r?.started.count),
      count(r?.expected),
      ms(r?.putMs / r?.schedules),
      seconds(r?.catchUpMs),
    ]);
  }
  console.log(
    `\nfire lateness: ${count(CONFIG.schedules)} schedules, each every minute at second i % 60 ` +
      `(~${count(CONFIG.schedules / 60)} fires a second), over ${CONFIG.latenessSeconds} s; ` +
      "lateness of the handler's start and of the job's createDate after the fire time",
  );
  console.log(table(rows, ["l"]));
  return results;
}

async function memory() {
  const fill = await measure("fill", "sundial-sqlite", "stored");
  const result = fill && (await measure("rss", "sundial-sqlite", "stored"));
  console.log(
    `\nmemory: a Sundial node (SQLite) with ${count(CONFIG.storedSchedules)} stored ` +
      `schedules, started with concurrency ${CONFIG.concurrency}, after ${CONFIG.warmupSeconds} s`,
  );
  if (fill) {
    const perPut = fill.putMs / fill.put;
    console.log(
      `  filled: ${count(fill.put)} through schedules.put, ${ms(perPut)} each ` +
        `(${seconds(perPut * fill.total)} for all ${count(fill.total)}); the other ` +
        `${count(fill.total - fill.put)} copied in one transaction in ${seconds(fill.copyMs)}`,
    );
  }
  if (result) {
    console.log(
      table(
        [
          ["", "RSS", "heap used"],
          ["node + dist loaded, before open", mib(result.before), DASH],
          [`after warm-up (${count(result.fired)} fires)`, mib(result.rss), mib(result.heapUsed)],
          ["peak during warm-up", mib(result.peak), DASH],
          [
            `every trigger parsed (${count(result.parsed)}), after GC`,
            mib(result.allParsedRss),
            mib(result.allParsedHeap),
          ],
        ],
        ["l"],
      ),
    );
  }
  return result;
}

function printTargets({ throughput, latency, lateness, memory }) {
  const lines = [];
  if (throughput) {
    const graphile = throughput["graphile-worker"]?.jobsPerSecond;
    const pgRatio = throughput["sundial-pg"]?.jobsPerSecond / graphile;
    const liteRatio = throughput["sundial-sqlite"]?.jobsPerSecond / graphile;
    lines.push(
      `throughput, PostgreSQL ≥ ${TARGETS.postgresThroughput}× graphile-worker: ` +
        `${ratio(pgRatio)}: ${verdict(Number.isFinite(pgRatio) ? pgRatio >= TARGETS.postgresThroughput : undefined)}`,
      `throughput, SQLite ≥ ${TARGETS.sqliteThroughput}× graphile-worker: ` +
        `${ratio(liteRatio)}: ${verdict(Number.isFinite(liteRatio) ? liteRatio >= TARGETS.sqliteThroughput : undefined)}`,
    );
  }
  const perStore = (results, pick, limit, what) => {
    if (!results) return;
    const figures = SUNDIALS.map(({ id, label }) => [label, pick(results[id])]);
    const known = figures.filter(([, v]) => Number.isFinite(v));
    const ok = known.length === 0 ? undefined : known.every(([, v]) => v < limit);
    const text = figures.map(([label, v]) => `${label} ${ms(v)}`).join(", ");
    lines.push(`${what} < ${limit} ms: ${text}: ${verdict(ok)}`);
  };
  perStore(latency, (r) => r?.p99, TARGETS.latencyP99Ms, "enqueue→start p99");
  perStore(lateness, (r) => r?.started.p99, TARGETS.latenessP99Ms, "fire lateness p99 (start)");
  if (memory !== null) {
    const rss = memory?.rss;
    lines.push(
      `RSS with ${count(CONFIG.storedSchedules)} stored schedules < ${mib(TARGETS.rssBytes)}: ` +
        `${mib(rss)}: ${verdict(Number.isFinite(rss) ? rss < TARGETS.rssBytes : undefined)}` +
        (Number.isFinite(memory?.allParsedRss)
          ? ` (${mib(memory.allParsedRss)} once every trigger is parsed)`
          : ""),
    );
  }
  console.log("\ntargets");
  for (const line of lines) console.log(`  ${line}`);
}

const began = performance.now();
const phases = [];
const results = { throughput: null, latency: null, lateness: null, memory: null };
const steps = { throughput, latency, lateness, memory };
try {
  await printHeader();
  for (const name of CONFIG.only) {
    const t0 = performance.now();
    results[name] = await steps[name]();
    phases.push(`${name} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  printTargets(results);
} finally {
  await dropRunSchemas(CONFIG.databaseUrl, runId).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
}
console.log(
  `\n(${((performance.now() - began) / 1000).toFixed(0)} s: ${phases.join(", ")}; ` +
    `load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} at the end)`,
);
