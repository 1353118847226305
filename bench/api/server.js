/**
 * The server under test, in a process of its own (started by run.js), so that autocannon
 * does not share its event loop. It fills a fresh store, opens Sundial on it as
 * `sundial serve` does (buildApp with the auth plugin, a real admin API token) without
 * starting the scheduler and workers, so the stored jobs stay as they are, and listens.
 * Then it answers run.js's messages: time a request's in-process peer, time the counts
 * behind /metrics, stop.
 *
 * Argument: JSON `{ database, schema?, jobs }`.
 */
import { CompiledQuery } from "kysely";
import { buildApp } from "../../dist/api/app.js";
import { AuthService, authPlugin } from "../../dist/auth/index.js";
import { Sundial } from "../../dist/sundial.js";
import { summary } from "../queue/stats.js";
import { fillJobs } from "./fill.js";

const place = JSON.parse(process.argv[2]);
const send = (message) => process.send(message);

const sundial = await Sundial.open({
  database: place.database,
  ...(place.schema === undefined ? {} : { schema: place.schema }),
  invokers: false,
  node: "bench-api",
});
sundial.define("noop", async () => null);
const fillMs = await fillJobs(sundial.store, place.jobs, Date.now());

const auth = new AuthService(sundial.store);
// The same service without its token cache: what a request's authentication costs when
// the token was not used in the last few seconds (or on another node).
const uncachedAuth = new AuthService(sundial.store, { tokenCacheMs: 0 });
await auth.createUser({ name: "bench", password: "long enough password", roles: ["admin"] });
const { secret: token } = await auth.createToken({ name: "autocannon", user: "bench" });
const app = buildApp({ sundial, plugins: [(scope) => authPlugin(auth)(scope, {})] });
const url = await app.listen({ host: "127.0.0.1", port: 0 });

/** What the route handler calls for each request, without HTTP, auth, schemas or JSON. */
let posted = 0;
const IN_PROCESS = {
  page: (query) => sundial.jobs.find({ ...query, _size: 50 }),
  post: () => sundial.jobs.enqueue("noop", { n: ++posted }),
  // What every request does first, before its route: a token used in the last 5 s is
  // answered from the cache; one that was not reads the database (three statements).
  auth: () => auth.authenticateToken(token),
  authUncached: () => uncachedAuth.authenticateToken(token),
};

async function timeInProcess({ kind, query, seconds }) {
  const call = IN_PROCESS[kind];
  // Warm: the first calls compile code and fill caches, as a server's first requests do.
  for (let i = 0; i < 50; i++) await call(query);
  const latencies = [];
  const began = performance.now();
  const end = began + seconds * 1000;
  for (let now = began; now < end; ) {
    await call(query);
    const after = performance.now();
    latencies.push(after - now);
    now = after;
  }
  return {
    ...summary(latencies),
    perSecond: latencies.length / ((performance.now() - began) / 1000),
  };
}

/**
 * The statement the store runs for a page (findJobs), caught on its way to the database:
 * the store shapes it by the filter (a status of held jobs reads another index), so a copy
 * built here could explain another query than the one timed.
 */
async function pageStatement(query) {
  const executor = sundial.store.db.getExecutor();
  const run = executor.executeQuery;
  let caught;
  executor.executeQuery = function (compiled, queryId) {
    if (/^select/i.test(compiled.sql) && /from "jobs"/i.test(compiled.sql)) caught = compiled;
    return run.call(this, compiled, queryId);
  };
  try {
    await sundial.jobs.find({ ...query, _size: 50 });
  } finally {
    executor.executeQuery = run;
  }
  if (caught === undefined) throw new Error("findJobs ran no SELECT on jobs");
  return caught;
}

/** The database's plan for the page query, as the store runs it. */
async function planOf(query) {
  const { db, dialect } = sundial.store;
  const compiled = await pageStatement(query);
  const prefix = dialect === "sqlite" ? "EXPLAIN QUERY PLAN " : "EXPLAIN ";
  const { rows } = await db.executeQuery(
    CompiledQuery.raw(prefix + compiled.sql, [...compiled.parameters]),
  );
  if (dialect === "sqlite") return rows.map((row) => row.detail).join("; ");
  return rows
    .map((row) =>
      row["QUERY PLAN"]
        .trim()
        .replace(/^->\s*/, "")
        .replace(/\s*\(cost=.*$/, ""),
    )
    .filter((line) => /Scan|Sort|Limit/.test(line) && !line.startsWith("Sort Key"))
    .join("; ");
}

async function timeCounts(times) {
  const latencies = [];
  for (let i = 0; i < times; i++) {
    const began = performance.now();
    await sundial.store.countJobs(Date.now());
    latencies.push(performance.now() - began);
  }
  return summary(latencies);
}

process.on("message", async (message) => {
  try {
    if (message.kind === "stop") {
      await app.close();
      await sundial.close({ graceMs: 0 });
      send({ ok: true });
      process.disconnect();
      return;
    }
    if (message.kind === "plan") send({ ok: true, result: await planOf(message.query) });
    else if (message.kind === "counts") send({ ok: true, result: await timeCounts(message.times) });
    else send({ ok: true, result: await timeInProcess(message) });
  } catch (error) {
    send({ ok: false, error: error instanceof Error ? error.stack : String(error) });
  }
});

send({ ok: true, result: { url, token, fillMs, dialect: sundial.store.dialect } });
