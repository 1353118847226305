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
await auth.createUser({ name: "bench", password: "long enough password", roles: ["admin"] });
const { secret: token } = await auth.createToken({ name: "autocannon", user: "bench" });
const app = buildApp({ sundial, plugins: [(scope) => authPlugin(auth)(scope, {})] });
const url = await app.listen({ host: "127.0.0.1", port: 0 });

/** What the route handler calls for each request, without HTTP, auth, schemas or JSON. */
let posted = 0;
const IN_PROCESS = {
  page: (query) => sundial.jobs.find({ ...query, _size: 50 }),
  post: () => sundial.jobs.enqueue("noop", { n: ++posted }),
  // What every request does first, before its route: most of HTTP's cost on PostgreSQL.
  auth: () => auth.authenticateToken(token),
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

/** The database's plan for the page query, as the store builds it (findJobs). */
async function planOf(query) {
  const { db, dialect } = sundial.store;
  let select = db.selectFrom("jobs").selectAll();
  if (query.type !== undefined) select = select.where("type", "in", [query.type]);
  if (query.status !== undefined) select = select.where("status", "in", [query.status]);
  const compiled = select.orderBy("create_date", "desc").orderBy("id", "desc").limit(50).compile();
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
