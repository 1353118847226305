/**
 * graphile-worker's side of the common queue shape, in its batched mode as its performance
 * guide configures it: a local queue that locks and pulls jobs in batches
 * (`localQueue.size`), and completions and failures batched (`completeJobBatchDelay: 0`,
 * `failJobBatchDelay: 0`). Jobs are added with `addJobs`, its bulk API.
 */
import { Logger, makeWorkerUtils, run, runMigrations } from "graphile-worker";

// Its info lines would drown the table; its errors still show.
const logger = new Logger(() => (level, message) => {
  if (level === "error") console.error(`graphile-worker: ${message}`);
});

export function graphileQueue({ url, schema, concurrency, localQueueSize }) {
  const common = { connectionString: url, schema, logger };
  let utils;
  let runner;
  return {
    async open() {
      await runMigrations(common);
      utils = await makeWorkerUtils(common);
    },
    async enqueueMany(count) {
      await utils.addJobs(
        Array.from({ length: count }, (_, i) => ({ identifier: "noop", payload: { i } })),
      );
    },
    async enqueueOne(i) {
      await utils.addJob("noop", { i });
    },
    async start(onStart) {
      runner = await run({
        ...common,
        noHandleSignals: true,
        // No crontab file is read from the working directory.
        parsedCronItems: [],
        taskList: {
          noop: async (payload) => {
            onStart(payload.i);
          },
        },
        preset: {
          worker: {
            concurrentJobs: concurrency,
            // Its advice: 10 or concurrency + 2, whichever is larger.
            maxPoolSize: Math.max(10, concurrency + 2),
            localQueue: { size: localQueueSize },
            completeJobBatchDelay: 0,
            failJobBatchDelay: 0,
          },
        },
      });
    },
    /** Whether a job is not yet completed: graphile-worker deletes a job when it completes. */
    async anyUnfinished() {
      const { rows } = await utils.withPgClient((client) =>
        client.query(`SELECT EXISTS (SELECT 1 FROM "${schema}"._private_jobs) AS any`),
      );
      return rows[0].any;
    },
    async close() {
      await runner?.stop();
      await utils?.release();
    },
  };
}
