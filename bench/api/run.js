/**
 * The REST API with 1,000,000 jobs stored, on SQLite (the default store) and PostgreSQL,
 * measured with autocannon against the real app (buildApp, the auth plugin, an admin API
 * token) in a server process of its own, beside the same work done in-process (the
 * service call the route makes, without HTTP), all in this one run.
 *
 * Run:  npm run bench:api                  (builds dist/, then runs this; ~3 min)
 *       node bench/api/run.js              (when dist/ is already built)
 *       BENCH_API_ONLY=sqlite npm run bench:api   (one store; see config.js for all settings)
 *
 * Read: per store, one row per request: its in-process peer (p50, p99, calls/s, one at a
 * time), the HTTP request with one connection (p50, p99, and p50 over the in-process p50:
 * what HTTP, authentication, schemas and JSON add), and with 10 connections (req/s, p50,
 * p99: the server under load); then the database's plan for each filtered page, the time
 * to count the jobs for /metrics, and the target (p99 under 50 ms for a filtered page of
 * 50, under load).
 */
import { fork } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { dropRunSchemas, schemaName, serverVersion } from "../queue/postgres.js";
import { count, ms, ratio, seconds, table, verdict } from "../queue/report.js";
import { percentile } from "../queue/stats.js";
import { CONFIG, TARGETS } from "./config.js";

const SERVER = fileURLToPath(new URL("./server.js", import.meta.url));
const runId = `api${Date.now().toString(36)}`;
const tmp = mkdtempSync(join(CONFIG.tmp, "sundial-bench-api-"));

/** Type and status shares are fill.js's. */
const REQUESTS = [
  {
    label: "GET type=export&status=FINISHED",
    note: "36% of the jobs",
    kind: "page",
    query: { type: "export", status: "FINISHED" },
    page: true,
  },
  {
    label: "GET type=audit&status=PENDING",
    note: "0.02% of the jobs",
    kind: "page",
    query: { type: "audit", status: "PENDING" },
    page: true,
  },
  {
    label: "GET status=RUNNING",
    note: "0.01%, no type",
    kind: "page",
    query: { status: "RUNNING" },
  },
  {
    label: "GET type=export",
    note: "40%, no status",
    kind: "page",
    query: { type: "export" },
  },
  { label: "POST /jobs", note: "enqueue a job", kind: "post" },
];

function versionOf(name) {
  const path =
    name === "sundial" ? "../../package.json" : `../../node_modules/${name}/package.json`;
  return JSON.parse(readFileSync(new URL(path, import.meta.url), "utf8")).version;
}

/** The server process, and one request/answer at a time over IPC. */
async function startServer(place) {
  const child = fork(SERVER, [JSON.stringify(place)]);
  const answers = [];
  let waiting;
  child.on("message", (message) => {
    if (waiting) {
      const settle = waiting;
      waiting = undefined;
      settle(message);
    } else answers.push(message);
  });
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const next = () =>
    new Promise((resolve, reject) => {
      const settle = (message) =>
        message.ok ? resolve(message.result) : reject(new Error(message.error));
      if (answers.length > 0) settle(answers.shift());
      else {
        waiting = settle;
        exited.then((code) => reject(new Error(`the server exited (${code})`)));
      }
    });
  const ask = (message) => {
    child.send(message);
    return next();
  };
  const ready = await next();
  return { ...ready, ask, stop: () => ask({ kind: "stop" }).then(() => exited) };
}

function pathOf(query) {
  const params = new URLSearchParams({ ...query, _size: "50" });
  return `/api/v1/jobs?${params}`;
}

/** One autocannon run; latencies are taken from each response (autocannon's own histogram has 1 ms steps). */
async function load(server, request, connections, duration) {
  const latencies = [];
  const post = request.kind === "post";
  const instance = autocannon({
    url: server.url + (post ? "/api/v1/jobs" : pathOf(request.query)),
    connections,
    duration,
    method: post ? "POST" : "GET",
    headers: {
      authorization: `Bearer ${server.token}`,
      ...(post ? { "content-type": "application/json" } : {}),
    },
    ...(post ? { body: JSON.stringify({ type: "noop", data: { from: "autocannon" } }) } : {}),
  });
  const failed = new Map();
  instance.on("response", (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
    else failed.set(statusCode, (failed.get(statusCode) ?? 0) + 1);
  });
  const result = await instance;
  return {
    perSecond: latencies.length / (result.duration || duration),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    count: latencies.length,
    failed: [...failed, ["errors", result.errors], ["timeouts", result.timeouts]].filter(
      ([, n]) => n > 0,
    ),
  };
}

async function measureStore(store) {
  const place =
    store === "postgres"
      ? { database: CONFIG.databaseUrl, schema: schemaName(runId, "api"), jobs: CONFIG.jobs }
      : { database: join(tmp, "sundial.db"), jobs: CONFIG.jobs };
  const began = performance.now();
  const server = await startServer(place);
  const results = [];
  try {
    for (const request of REQUESTS) {
      const inProcess = await server.ask({
        kind: request.kind,
        query: request.query,
        seconds: CONFIG.inProcessSeconds,
      });
      await load(server, request, 1, 1); // warm-up, discarded
      const single = await load(server, request, 1, CONFIG.seconds);
      const loaded = await load(server, request, CONFIG.connections, CONFIG.seconds);
      const plan =
        request.kind === "page"
          ? await server.ask({ kind: "plan", query: request.query })
          : undefined;
      results.push({ request, inProcess, single, loaded, plan });
    }
    const auth = await server.ask({ kind: "auth", seconds: CONFIG.inProcessSeconds });
    const authUncached = await server.ask({
      kind: "authUncached",
      seconds: CONFIG.inProcessSeconds,
    });
    const counts = await server.ask({ kind: "counts", times: 5 });
    return {
      store,
      fillMs: server.fillMs,
      results,
      auth,
      authUncached,
      counts,
      tookMs: performance.now() - began,
    };
  } finally {
    await server.stop();
  }
}

function printStore({ store, fillMs, results, auth, authUncached, counts, tookMs }) {
  const label = store === "postgres" ? "PostgreSQL" : "SQLite";
  console.log(
    `\n${label}: ${count(CONFIG.jobs)} jobs stored (filled in ${seconds(fillMs)}); ` +
      `in-process: the service call the route makes, one at a time; ` +
      `HTTP: autocannon, 1 connection, then ${CONFIG.connections}`,
  );
  const rows = [
    [
      "request",
      "in-process p50",
      "p99",
      "calls/s",
      "HTTP×1 p50",
      "p99",
      "×in-process",
      `HTTP×${CONFIG.connections} req/s`,
      "p50",
      "p99",
    ],
  ];
  for (const { request, inProcess, single, loaded } of results) {
    rows.push([
      `${request.label} (${request.note})`,
      ms(inProcess.p50),
      ms(inProcess.p99),
      count(inProcess.perSecond),
      ms(single.p50),
      ms(single.p99),
      ratio(single.p50 / inProcess.p50),
      count(loaded.perSecond),
      ms(loaded.p50),
      ms(loaded.p99),
    ]);
  }
  console.log(table(rows, ["l"]));
  for (const { request, plan } of results) {
    if (plan !== undefined) console.log(`  plan, ${request.label}: ${plan}`);
  }
  for (const { request, single, loaded } of results) {
    const failed = [...single.failed, ...loaded.failed];
    if (failed.length > 0) {
      const what = failed.map(([why, n]) => `${count(n)} × ${why}`).join(", ");
      console.log(`  warning: ${request.label}: requests failed: ${what}`);
    }
  }
  console.log(
    `  authenticating the bearer token, in-process (every request does it first): ` +
      `p50 ${ms(auth.p50)}, p99 ${ms(auth.p99)} (its principal cached); ` +
      `p50 ${ms(authUncached.p50)}, p99 ${ms(authUncached.p99)} read from the database`,
  );
  console.log(
    `  /metrics: counting the jobs by type and status, the ready queue and the leasing nodes ` +
      `takes ${ms(counts.p50)} (p50 of ${counts.count}, max ${ms(counts.max)}); a scrape reuses ` +
      `the counts for 2 s, or 20× that time if longer`,
  );
  console.log(`  (${seconds(tookMs)} for this store, fill included)`);
}

async function main() {
  const cpus = os.cpus();
  console.log(`Sundial API benchmark, ${new Date().toISOString()}`);
  console.log(
    `node ${process.version} (V8 ${process.versions.v8}), ${os.platform()} ${os.arch()}, ` +
      `${cpus[0]?.model.trim() ?? "unknown CPU"} × ${cpus.length}, ` +
      `${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, load ${os.loadavg()[0].toFixed(2)}`,
  );
  const pg = CONFIG.stores.includes("postgres")
    ? `PostgreSQL ${await serverVersion(CONFIG.databaseUrl)}, `
    : "";
  console.log(
    `${pg}sundial ${versionOf("sundial")}, autocannon ${versionOf("autocannon")}, ` +
      `fastify ${versionOf("fastify")}; ${CONFIG.seconds} s per HTTP run after a 1 s warm-up, ` +
      `${CONFIG.inProcessSeconds} s in-process; scheduler and workers not started`,
  );
  const began = performance.now();
  const measured = [];
  try {
    for (const store of CONFIG.stores) {
      const result = await measureStore(store);
      printStore(result);
      measured.push(result);
    }
  } finally {
    if (CONFIG.stores.includes("postgres")) await dropRunSchemas(CONFIG.databaseUrl, runId);
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log("\ntargets");
  for (const { store, results } of measured) {
    const pages = results.filter(({ request }) => request.page);
    // The worse of the two filtered pages, alone and under load.
    const alone = Math.max(...pages.map(({ single }) => single.p99));
    const loaded = Math.max(...pages.map(({ loaded }) => loaded.p99));
    console.log(
      `  filtered page of 50 (type and status), p99 < ${TARGETS.pageP99Ms} ms, ${store}: ` +
        `1 connection ${ms(alone)}: ${verdict(alone < TARGETS.pageP99Ms)}; ` +
        `${CONFIG.connections} connections ${ms(loaded)}: ${verdict(loaded < TARGETS.pageP99Ms)}`,
    );
  }
  console.log(
    `\n(${seconds(performance.now() - began)}; load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} at the end)`,
  );
}

await main();
