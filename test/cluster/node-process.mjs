/**
 * One cluster node for test/cluster/cluster.test.ts: Sundial from the built package (dist/),
 * as `sundial serve` would run it, minus HTTP, in a process of its own so that it can be
 * killed with SIGKILL.
 *
 *   node test/cluster/node-process.mjs --database postgres://… --schema s --node n
 *     [--concurrency 20] [--lease-ms 3000]
 *
 * Each flag may come from the environment instead (`SUNDIAL_DATABASE`, `SUNDIAL_SCHEMA`,
 * `SUNDIAL_NODE`, `SUNDIAL_CONCURRENCY`, `SUNDIAL_LEASE_MS`).
 *
 * stdout carries one line, `ready`, once the node fires and runs jobs: the test waits for
 * it, so nothing else may go there. stderr carries warnings and, every second and at exit,
 * a `stats {…}` line: cumulative counts and wall time per store operation, jobs run, CPU
 * and event-loop delay. A killed node leaves its last second's line, which is how the test
 * can still say what that node did and where its time went.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Sundial } from "../../dist/index.js";

const { values } = parseArgs({
  options: {
    database: { type: "string", default: process.env.SUNDIAL_DATABASE },
    schema: { type: "string", default: process.env.SUNDIAL_SCHEMA },
    node: { type: "string", default: process.env.SUNDIAL_NODE },
    concurrency: { type: "string", default: process.env.SUNDIAL_CONCURRENCY ?? "20" },
    "lease-ms": { type: "string", default: process.env.SUNDIAL_LEASE_MS ?? "3000" },
    "job-ms": { type: "string", default: "0" },
  },
});
for (const name of ["database", "schema", "node"]) {
  if (!values[name]) {
    process.stderr.write(`node-process: --${name} is required\n`);
    process.exit(2);
  }
}
const concurrency = Number(values.concurrency);
const leaseMs = Number(values["lease-ms"]);
const jobMs = Number(values["job-ms"]);

/**
 * Per store operation: calls, wall ms (waits for a pooled connection and for row locks
 * included), rows (jobs claimed, fires won, schedules found due) and calls that found none.
 */
const operations = new Map();
const started = Date.now();
const cpuAtStart = process.cpuUsage();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
let jobsRun = 0;

/**
 * Times every store operation in place: the scheduler and the worker pool hold this very
 * object, so this sees their calls without a line of src/ knowing about it.
 */
function instrument(store) {
  const seen = new Set();
  for (let proto = Object.getPrototypeOf(store); proto && proto !== Object.prototype; ) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      const original = store[name];
      if (name === "constructor" || seen.has(name) || typeof original !== "function") continue;
      seen.add(name);
      const entry = { calls: 0, ms: 0, rows: 0, empty: 0 };
      store[name] = function timed(...args) {
        const t0 = performance.now();
        const result = original.apply(this, args);
        // The row mappers are synchronous and hot: leave them be.
        if (!(result instanceof Promise)) return result;
        operations.set(name, entry);
        return result.then(
          (value) => {
            entry.calls++;
            entry.ms += performance.now() - t0;
            const rows = rowsOf(value);
            entry.rows += rows;
            if (rows === 0) entry.empty++;
            return value;
          },
          (error) => {
            entry.calls++;
            entry.ms += performance.now() - t0;
            throw error;
          },
        );
      };
    }
    proto = Object.getPrototypeOf(proto);
  }
}

/** What an operation handed back, counted: a list's length, a claim's jobs, one row or none. */
function rowsOf(value) {
  if (Array.isArray(value)) return value.length;
  if (Array.isArray(value?.jobs)) return value.jobs.length;
  return value === undefined || value === null || typeof value !== "object" ? 0 : 1;
}

function stats() {
  const cpu = process.cpuUsage(cpuAtStart);
  const ops = {};
  for (const [name, entry] of operations) {
    if (entry.calls > 0) ops[name] = { ...entry, ms: Math.round(entry.ms) };
  }
  return {
    node: values.node,
    pid: process.pid,
    uptimeMs: Date.now() - started,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    loopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e6),
    loopDelayMaxMs: Math.round(loopDelay.max / 1e6),
    jobsRun,
    ops,
  };
}

const writeStats = () => process.stderr.write(`stats ${JSON.stringify(stats())}\n`);

const sundial = await Sundial.open({
  database: values.database,
  schema: values.schema,
  node: values.node,
  leaseMs,
});
instrument(sundial.store);
sundial.define(
  "noop",
  async () => {
    jobsRun++;
    if (jobMs > 0) await new Promise((resolve) => setTimeout(resolve, jobMs));
  },
  // A fire whose node died mid-run runs again on another node rather than ending failed.
  { maxAttempts: 3 },
);
sundial.jobs.events.on("error", (error) => {
  process.stderr.write(`node-process ${values.node}: ${error?.stack ?? String(error)}\n`);
});

let closing = false;
process.on("SIGTERM", () => {
  // A second SIGTERM while closing changes nothing: the first close is already under way.
  if (closing) return;
  closing = true;
  sundial
    .close()
    .then(() => {
      writeStats();
      process.exit(0);
    })
    .catch((error) => {
      process.stderr.write(`node-process ${values.node}: close failed: ${error?.stack ?? error}\n`);
      process.exit(1);
    });
});

await sundial.start({ concurrency });
setInterval(writeStats, 1000).unref();
process.stdout.write("ready\n");
