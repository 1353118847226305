/**
 * Enqueue→start latency: one job at a time into an idle queue, from just before the
 * enqueue call to the first line of its handler, in the same process. After each start
 * the next enqueue waits a random gap: long enough for the job to end, and, for a library
 * that polls, spread over its whole polling interval so that the samples meet every phase
 * of its poll rather than always the same one.
 */
import { deferred, sleep, summary, within } from "./stats.js";

export async function measureLatency(queue, { count, warmup, gapMs }) {
  const total = warmup + count;
  const startedAt = new Float64Array(total);
  let waiting;
  await queue.open();
  try {
    await queue.start((i) => {
      startedAt[i] = performance.now();
      if (waiting?.i === i) waiting.resolve();
    });
    const samples = [];
    for (let i = 0; i < total; i++) {
      waiting = { i, ...deferred() };
      const t0 = performance.now();
      await queue.enqueueOne(i);
      await within(waiting.promise, 30_000, `job ${i}`);
      if (i >= warmup) samples.push(startedAt[i] - t0);
      await sleep(gapMs[0] + Math.random() * (gapMs[1] - gapMs[0]));
    }
    return summary(samples);
  } finally {
    await queue.close();
  }
}
