/**
 * pg-boss's side of the common queue shape. Its workers poll: each `work()` call is one
 * loop that fetches up to `batchSize` jobs, hands them to the handler together, and then
 * waits out the rest of its polling interval (0.5 s at least) even when it found jobs.
 * So `concurrency` loops run here, each with a batch; jobs are added with `insert`, its
 * bulk API.
 */
import PgBoss from "pg-boss";

const QUEUE = "noop";

export function pgBossQueue({ url, schema, concurrency, batchSize, pollingIntervalSeconds }) {
  let boss;
  return {
    async open() {
      // No cron: the throughput and latency runs have no schedules.
      boss = new PgBoss({ connectionString: url, schema, schedule: false, max: concurrency + 2 });
      boss.on("error", (error) => console.error(`pg-boss: ${error.message}`));
      await boss.start();
      await boss.createQueue(QUEUE);
    },
    async enqueueMany(count) {
      await boss.insert(Array.from({ length: count }, (_, i) => ({ name: QUEUE, data: { i } })));
    },
    async enqueueOne(i) {
      await boss.send(QUEUE, { i });
    },
    async start(onStart) {
      for (let w = 0; w < concurrency; w++) {
        await boss.work(QUEUE, { batchSize, pollingIntervalSeconds }, async (jobs) => {
          for (const job of jobs) onStart(job.data.i);
        });
      }
    },
    /** Whether a job is created, retrying or active: not yet completed. */
    async anyUnfinished() {
      return (await boss.getQueueSize(QUEUE, { before: "completed" })) > 0;
    },
    async close() {
      await boss?.stop({ graceful: true, wait: true, timeout: 2000 });
    },
  };
}
