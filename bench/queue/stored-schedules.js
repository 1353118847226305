/**
 * Memory with many stored schedules, in two processes so that filling the store leaves
 * nothing in the heap that is measured:
 * - fill: `put` schedules go through `sundial.schedules.put` (timed, since that is how a
 *   user adds them); the rest are copies of what `put` stored, inserted in one SQLite
 *   transaction, because `put` takes about a millisecond each (a read and an upsert, each
 *   a transaction of its own), which for 100,000 would take most of the run's budget. The
 *   copies are checked against the rows `put` made for the first schedules.
 * - rss: a fresh node opens the store, starts, and runs for the warm-up; its RSS is read
 *   then. A second reading follows once every schedule's trigger has been parsed and
 *   cached, as the fire loop does for each schedule the first time it fires: the node's
 *   size after a day, when every daily schedule has fired once.
 * The schedules are daily, on weekdays or monthly, at times spread over the day, in three
 * zones, so about one fires a second during the warm-up.
 */
import BetterSqlite3 from "better-sqlite3";
import { parseTrigger, Sundial } from "../../dist/index.js";
import { sleep } from "./stats.js";

const ZONES = ["UTC", "Europe/London", "America/New_York"];

function scheduleOf(i) {
  const time = `${i % 60} ${Math.floor(i / 60) % 60} ${Math.floor(i / 3600) % 24}`;
  const days = [`* * ?`, `* * ?`, `? * MON-FRI`, `${1 + (i % 28)} * ?`][i % 4];
  return {
    schedule: `${time} ${days}`,
    timeZone: ZONES[i % ZONES.length],
    invokeService: "noop",
    invokeContext: { n: i },
  };
}

const idOf = (i) => `stored-${String(i).padStart(6, "0")}`;

export async function fillStore({ file, total, put }) {
  const sundial = await Sundial.open({ database: file, node: "bench-queue-fill" });
  // Schedules are checked against their job type when saved.
  sundial.define("noop", () => null);
  let putMs;
  let template;
  const made = new Map();
  try {
    const t0 = performance.now();
    for (let i = 0; i < put; i++) await sundial.schedules.put(idOf(i), scheduleOf(i));
    putMs = performance.now() - t0;
    template = (await sundial.store.getSchedule(idOf(0))).config;
    for (let i = 0; i < Math.min(put, 100); i++) {
      made.set(i, (await sundial.store.getSchedule(idOf(i))).config);
    }
  } finally {
    await sundial.close();
  }
  const configOf = (i, trigger) => ({
    ...template,
    _id: idOf(i),
    type: trigger.type,
    schedule: trigger.spec.expression,
    timeZone: trigger.timeZone,
    invokeContext: scheduleOf(i).invokeContext,
  });
  for (const [i, config] of made) {
    const { schedule, timeZone } = scheduleOf(i);
    const copy = configOf(i, parseTrigger({ expression: schedule, timeZone }));
    if (JSON.stringify(copy) !== JSON.stringify(config)) {
      throw new Error(
        `the copied schedule ${i} differs from put's: ${JSON.stringify(copy)} vs ${JSON.stringify(config)}`,
      );
    }
  }

  // The columns of the schedules table (src/store/migrations/sqlite/000001-initial.sql).
  const t0 = performance.now();
  const db = new BetterSqlite3(file);
  try {
    const insert = db.prepare(
      "INSERT INTO schedules (id, config, enabled, next_fire_at, last_fire_at, created_at, updated_at) VALUES (?, ?, 1, ?, NULL, ?, ?)",
    );
    const now = Date.now();
    db.transaction(() => {
      for (let i = put; i < total; i++) {
        const { schedule, timeZone } = scheduleOf(i);
        const trigger = parseTrigger({ expression: schedule, timeZone });
        const config = JSON.stringify(configOf(i, trigger));
        insert.run(idOf(i), config, trigger.nextMs(now) ?? null, now, now);
      }
    })();
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return { total, put, putMs, copyMs: performance.now() - t0 };
}

export async function measureStoredSchedules({ file, concurrency, warmupSeconds }) {
  const before = process.memoryUsage().rss;
  const sundial = await Sundial.open({ database: file, node: "bench-queue-rss" });
  let fired = 0;
  sundial.define("noop", () => {
    fired++;
  });
  try {
    await sundial.start({ concurrency });
    let peak = 0;
    const until = Date.now() + warmupSeconds * 1000;
    while (Date.now() < until) {
      peak = Math.max(peak, process.memoryUsage().rss);
      await sleep(250);
    }
    const warm = process.memoryUsage();
    peak = Math.max(peak, warm.rss);

    let parsed = 0;
    for (let afterId; ; ) {
      const rows = await sundial.store.listSchedules({
        ...(afterId === undefined ? {} : { afterId }),
        limit: 1000,
      });
      if (rows.length === 0) break;
      for (const row of rows) sundial.schedules.live(row);
      parsed += rows.length;
      afterId = rows.at(-1).id;
    }
    globalThis.gc?.();
    const allParsed = process.memoryUsage();
    return {
      before,
      rss: warm.rss,
      heapUsed: warm.heapUsed,
      peak,
      fired,
      parsed,
      allParsedRss: allParsed.rss,
      allParsedHeap: allParsed.heapUsed,
    };
  } finally {
    await sundial.close({ graceMs: 1000 });
  }
}
