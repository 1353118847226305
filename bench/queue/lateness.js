/**
 * Fire lateness (Sundial only): `schedules` schedules, each firing every minute at second
 * `i % 60` (Quartz `s * * * * ?`), so about schedules/60 fire together every second. For
 * each fire in a window of `seconds`, two figures against the fire's time (`job.fireTime`):
 * - started: when its handler began (what a user sees), which includes waiting for one of
 *   the `concurrency` worker slots behind the other fires of the same second;
 * - created: the job's `createDate`.
 * The window opens only once the node has caught up with the fires that fell due while the
 * schedules were being put (they fire late, by design, when the node starts).
 */
import { Sundial } from "../../dist/index.js";
import { sleep, summary } from "./stats.js";

const CATCH_UP_LIMIT_MS = 120_000;
const STRAGGLER_LIMIT_MS = 30_000;

export async function measureLateness({ database, schema, concurrency, schedules, seconds }) {
  const sundial = await Sundial.open({
    database,
    ...(schema === undefined ? {} : { schema }),
    node: "bench-queue",
  });
  try {
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    const started = [];
    const created = [];
    sundial.define("tick", ({ job }) => {
      const now = Date.now();
      if (job.fireTime < from || job.fireTime >= to) return;
      started.push(now - job.fireTime);
      created.push(job.createDate - job.fireTime);
    });

    // As many puts in flight as the store has connections to use (PostgreSQL's pool is 10).
    const t0 = performance.now();
    for (let i = 0; i < schedules; i += concurrency) {
      const group = [];
      for (let k = i; k < Math.min(schedules, i + concurrency); k++) {
        group.push(
          sundial.schedules.put(`tick-${k}`, {
            schedule: `${k % 60} * * * * ?`,
            invokeService: "tick",
          }),
        );
      }
      await Promise.all(group);
    }
    const putMs = performance.now() - t0;

    await sundial.start({ concurrency });
    const startedAt = Date.now();
    await sleep(1000);
    while (await busy(sundial)) {
      if (Date.now() - startedAt > CATCH_UP_LIMIT_MS) throw new Error("never caught up");
      await sleep(50);
    }
    const catchUpMs = Date.now() - startedAt;
    from = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    to = from + seconds * 1000;
    const expected = firesBetween(from, to, schedules);
    await sleep(to - Date.now());
    const waitedFrom = Date.now();
    while (started.length < expected && Date.now() - waitedFrom < STRAGGLER_LIMIT_MS) {
      await sleep(100);
    }
    return {
      schedules,
      seconds,
      putMs,
      catchUpMs,
      expected,
      started: summary(started),
      created: summary(created),
    };
  } finally {
    await sundial.close({ graceMs: 1000 });
  }
}

async function busy(sundial) {
  const jobs = await sundial.jobs.find({ status: "PENDING,RUNNING", _size: 1 });
  return jobs.length > 0;
}

/** Fires of schedules `i % 60` in [from, to), both whole seconds. */
function firesBetween(from, to, schedules) {
  const perSecond = (second) => Math.floor(schedules / 60) + (second < schedules % 60 ? 1 : 0);
  let count = 0;
  for (let t = from; t < to; t += 1000) count += perSecond((t / 1000) % 60);
  return count;
}
