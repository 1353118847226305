/**
 * Throughput: `count` no-op jobs enqueued up front with the library's batch API while no
 * worker runs, then the workers start; timed from the start until the store shows every
 * job ended. The store is asked only once every handler has started, so the polling adds
 * no load while the jobs run.
 */
import { deferred, sleep, within } from "./stats.js";

const LIMIT_MS = 10 * 60_000;

export async function measureThroughput(queue, count) {
  await queue.open();
  try {
    let t0 = performance.now();
    await queue.enqueueMany(count);
    const enqueueMs = performance.now() - t0;

    const seen = new Uint8Array(count);
    let started = 0;
    let repeats = 0;
    const allStarted = deferred();
    t0 = performance.now();
    await queue.start((i) => {
      if (seen[i] === 1) {
        repeats++;
        return;
      }
      seen[i] = 1;
      if (++started === count) allStarted.resolve();
    });
    await within(allStarted.promise, LIMIT_MS, "throughput");
    const startedMs = performance.now() - t0;
    while (await queue.anyUnfinished()) await sleep(2);
    const doneMs = performance.now() - t0;
    return { count, enqueueMs, startedMs, doneMs, repeats, jobsPerSecond: (count / doneMs) * 1000 };
  } finally {
    await queue.close();
  }
}
