/**
 * `/metrics` on a real Sundial: who may read it, and each metric family after known
 * activity (jobs that finished, failed, waited and ran late; missed fires under both
 * policies; a fire whose job another node had made). A fake clock makes every duration
 * and lateness an exact, chosen number; nothing here depends on how fast the machine is.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type App, buildApp } from "../../src/api/app.js";
import { AuthService, authPlugin } from "../../src/auth/index.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { postgresAvailable } from "../helpers/postgres.js";
import { waitFor } from "../helpers/wait-for.js";
import { type Database, type TestApi, testApi } from "./helpers.js";

const T0 = "2026-11-23T09:00:30.000Z";
const at = (iso: string) => Date.parse(iso);

let api: TestApi | undefined;
const apps: App[] = [];

afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  await api?.close();
  api = undefined;
});

/**
 * An app on the test's Sundial with authentication, and a viewer's token for it. Each app
 * reuses the counts it read for a while: a test reads the store again through a new app.
 */
async function metricsApp(
  test: TestApi,
  options: { metricsPublic?: boolean; metricsCacheMs?: number } = {},
): Promise<{ app: App; token: string }> {
  const auth = new AuthService(test.sundial.store);
  const app = buildApp({
    sundial: test.sundial,
    plugins: [(scope) => authPlugin(auth)(scope, {})],
    ...options,
  });
  apps.push(app);
  const name = `watcher-${apps.length}`;
  await auth.createUser({ name, password: "long enough password", roles: ["viewer"] });
  const { secret } = await auth.createToken({ name: "prometheus", user: name });
  return { app, token: secret };
}

async function scrape(app: App, token: string): Promise<string> {
  const res = await app.inject({
    method: "GET",
    url: "/metrics",
    headers: { authorization: `Bearer ${token}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.body;
}

/**
 * The value of one sample in the text format, e.g. `sample(text, "sundial_jobs", { type:
 * "noop", status: "FINISHED" })`; `undefined` when there is none with exactly those labels.
 */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const wanted = Object.entries(labels)
    .map(([key, value]) => `${key}="${value}"`)
    .sort()
    .join(",");
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = (match[2] ?? "")
      .split(/,(?=[a-z_]+=")/)
      .filter(Boolean)
      .sort()
      .join(",");
    if (have === wanted) return Number(match[3]);
  }
  return undefined;
}

describe("/metrics access", () => {
  it("needs a viewer's token by default, and answers the Prometheus text format", async () => {
    api = await testApi({ start: false });
    const { app, token } = await metricsApp(api);
    const anonymous = await app.inject({ method: "GET", url: "/metrics" });
    expect(anonymous.statusCode).toBe(401);
    const res = await app.inject({
      method: "GET",
      url: "/metrics",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(res.body).toContain("# TYPE sundial_jobs gauge");
  });

  it("answers anyone when metricsPublic is set", async () => {
    api = await testApi({ start: false });
    const { app } = await metricsApp(api, { metricsPublic: true });
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("# TYPE sundial_queue_depth gauge");
  });
});

const databases: Database[] = ["sqlite"];
if (await postgresAvailable("the metrics tests")) databases.push("postgres");

describe.each(databases)("counts read from the store (%s)", (database) => {
  it("gives jobs by type and status, every status of a type, and the ready queue", async () => {
    const clock = new FakeClock(T0);
    api = await testApi({ database, start: false, clock });
    const { app, token } = await metricsApp(api);
    await api.sundial.jobs.enqueue("noop", { n: 1 });
    await api.sundial.jobs.enqueue("noop", { n: 2 });
    await api.sundial.jobs.enqueue("noop", { n: 3 }, { delayMs: 60_000 });
    const canceled = await api.sundial.jobs.enqueue("fail", {});
    await api.sundial.jobs.cancel(canceled.id);
    const text = await scrape(app, token);
    expect(sample(text, "sundial_jobs", { type: "noop", status: "PENDING" })).toBe(3);
    expect(sample(text, "sundial_jobs", { type: "noop", status: "RUNNING" })).toBe(0);
    expect(sample(text, "sundial_jobs", { type: "fail", status: "CANCELED" })).toBe(1);
    expect(sample(text, "sundial_jobs", { type: "fail", status: "PENDING" })).toBe(0);
    // The delayed job is not ready yet.
    expect(sample(text, "sundial_queue_depth")).toBe(2);
    expect(sample(text, "sundial_nodes_leasing")).toBe(0);
    // Not started: no fire loop pass yet, so no heartbeat.
    expect(sample(text, "sundial_node_heartbeat_timestamp_seconds", { node: "api-test" })).toBe(
      undefined,
    );
  });

  it("reuses the counts for metricsCacheMs, so that scrapes don't each query the database", async () => {
    api = await testApi({ database, start: false });
    const { app, token } = await metricsApp(api, { metricsCacheMs: 3_600_000 });
    await api.sundial.jobs.enqueue("noop", {});
    expect(
      sample(await scrape(app, token), "sundial_jobs", { type: "noop", status: "PENDING" }),
    ).toBe(1);
    await api.sundial.jobs.enqueue("noop", {});
    expect(
      sample(await scrape(app, token), "sundial_jobs", { type: "noop", status: "PENDING" }),
    ).toBe(1);
    // A fresh app reads the store again.
    const fresh = await metricsApp(api);
    expect(
      sample(await scrape(fresh.app, fresh.token), "sundial_jobs", {
        type: "noop",
        status: "PENDING",
      }),
    ).toBe(2);
  });
});

describe("metrics of a running node", () => {
  it("counts fires, missed fires and duplicates, and times jobs and lateness on the node's clock", async () => {
    const clock = new FakeClock(T0);
    api = await testApi({ start: false, clock });
    const { sundial, gates } = api;
    const { app, token } = await metricsApp(api);
    // Two one-off fires at 09:01, missed while the node is down: one runs late, one is recorded missed.
    await sundial.schedules.put("late", { at: "2026-11-23T09:01:00", invokeService: "noop" });
    await sundial.schedules.put("skipped", {
      at: "2026-11-23T09:01:00",
      invokeService: "noop",
      misfirePolicy: "doNothing",
    });
    // A fire at 09:06 whose job another node already made.
    await sundial.schedules.put("dup", { at: "2026-11-23T09:06:00", invokeService: "noop" });
    await sundial.store.insertJob({
      id: "made-by-another-node",
      type: "noop",
      status: "CANCELED",
      scheduleId: "dup",
      fireTime: at("2026-11-23T09:06:00.000Z"),
      firedBy: "another-node",
      runAt: at(T0),
      createDate: at(T0),
    });
    await clock.advance(5 * 60_000); // 09:05:30, the node still down

    await sundial.start({ concurrency: 4 });
    const ended = (type: string) =>
      waitFor(`a ${type} job to end`, async () => {
        const [job] = await sundial.jobs.find({ type, status: "FINISHED" });
        return job;
      });
    await ended("noop"); // "late", run at 09:05:30: 270 s after its fire
    const failed = await sundial.jobs.enqueue("fail", {});
    await waitFor("the failed job", async () =>
      (await sundial.jobs.findById(failed.id)).status === "FINISHED" ? true : undefined,
    );
    const gated = await sundial.jobs.enqueue("gated", {});
    await waitFor("the gated job to run", async () =>
      (await sundial.jobs.findById(gated.id)).progress === 10 ? true : undefined,
    );
    // Read by another app, whose counts this one doesn't reuse.
    const now = await metricsApp(api);
    const running = await scrape(now.app, now.token);
    expect(sample(running, "sundial_nodes_leasing")).toBe(1);
    expect(sample(running, "sundial_jobs", { type: "gated", status: "RUNNING" })).toBe(1);
    await clock.advance(3000); // 09:05:33: the gated job has run 3 s
    gates.open(gated.id);
    await sundial.jobs.waitForJob(gated.id, ["FINISHED"], 60_000);
    const delayed = await sundial.jobs.enqueue("noop", { delayed: true }, { delayMs: 2000 });
    await clock.untilSleeping();
    await clock.advance(2000); // 09:05:35: it starts 2 s after it was created
    await sundial.jobs.waitForJob(delayed.id, ["FINISHED"], 60_000);
    await clock.untilSleeping();
    await clock.advance(25_000); // 09:06:00: "dup" fires, and finds its job made
    await waitFor("the duplicate fire", async () =>
      (await sundial.schedules.get("dup"))?.lastFireTime === "2026-11-23T09:06:00.000Z"
        ? true
        : undefined,
    );

    const text = await scrape(app, token);
    expect(sample(text, "sundial_fires_total")).toBe(2);
    expect(sample(text, "sundial_fires_missed_total", { misfire_policy: "fireAndProceed" })).toBe(
      1,
    );
    expect(sample(text, "sundial_fires_missed_total", { misfire_policy: "doNothing" })).toBe(1);
    expect(sample(text, "sundial_duplicate_fires_prevented_total")).toBe(1);

    expect(sample(text, "sundial_fire_lateness_seconds_count")).toBe(1);
    expect(sample(text, "sundial_fire_lateness_seconds_sum")).toBe(270);
    expect(sample(text, "sundial_fire_lateness_seconds_bucket", { le: "60" })).toBe(0);
    expect(sample(text, "sundial_fire_lateness_seconds_bucket", { le: "300" })).toBe(1);

    const gatedRun = { type: "gated", status: "FINISHED", has_errors: "false" };
    expect(sample(text, "sundial_job_duration_seconds_count", gatedRun)).toBe(1);
    expect(sample(text, "sundial_job_duration_seconds_sum", gatedRun)).toBe(3);
    expect(sample(text, "sundial_job_duration_seconds_bucket", { ...gatedRun, le: "2.5" })).toBe(0);
    expect(sample(text, "sundial_job_duration_seconds_bucket", { ...gatedRun, le: "5" })).toBe(1);
    const failedRun = { type: "fail", status: "FINISHED", has_errors: "true" };
    expect(sample(text, "sundial_job_duration_seconds_count", failedRun)).toBe(1);
    // "late" waited 0 s (made as it ran), the delayed noop 2 s.
    expect(sample(text, "sundial_job_waiting_seconds_count", { type: "noop" })).toBe(2);
    expect(sample(text, "sundial_job_waiting_seconds_sum", { type: "noop" })).toBe(2);

    expect(sample(text, "sundial_jobs", { type: "noop", status: "FINISHED" })).toBe(2);
    expect(sample(text, "sundial_jobs", { type: "noop", status: "CANCELED" })).toBe(2);
    expect(sample(text, "sundial_jobs", { type: "fail", status: "FINISHED" })).toBe(1);
    expect(sample(text, "sundial_queue_depth")).toBe(0);
    expect(sample(text, "sundial_nodes_leasing")).toBe(0);
    const beat = sample(text, "sundial_node_heartbeat_timestamp_seconds", { node: "api-test" });
    expect(beat).toBeGreaterThanOrEqual(at("2026-11-23T09:05:30.000Z") / 1000);
    expect(beat).toBeLessThanOrEqual(clock.now() / 1000);

    // Node's own metrics come along.
    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(text).toContain("# TYPE nodejs_heap_size_used_bytes gauge");
    expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
  });
});
