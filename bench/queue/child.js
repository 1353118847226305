/**
 * One measurement of one library, in a process of its own (started by run.js), so that
 * no library runs beside another's timers, pools or heap. Arguments: the measurement, the
 * library and a JSON object with the schema and file to use; the result goes back to the
 * parent as one IPC message.
 */
import { CONFIG, PGBOSS_POLLING_SECONDS } from "./config.js";
import { measureLatency } from "./latency.js";
import { measureLateness } from "./lateness.js";
import { graphileQueue } from "./libraries/graphile-worker.js";
import { pgBossQueue } from "./libraries/pg-boss.js";
import { sundialQueue } from "./libraries/sundial.js";
import { fillStore, measureStoredSchedules } from "./stored-schedules.js";
import { measureThroughput } from "./throughput.js";

const { concurrency, databaseUrl: url } = CONFIG;

/** The common queue shape of each library (libraries/*.js). */
function queueOf(library, { schema, file }) {
  switch (library) {
    case "sundial-pg":
      return sundialQueue({ database: url, schema, concurrency });
    case "sundial-sqlite":
      return sundialQueue({ database: file, concurrency });
    case "graphile-worker":
      return graphileQueue({ url, schema, concurrency, localQueueSize: CONFIG.graphileLocalQueue });
    case "pg-boss":
      return pgBossQueue({
        url,
        schema,
        concurrency,
        batchSize: CONFIG.pgBossBatch,
        pollingIntervalSeconds: PGBOSS_POLLING_SECONDS,
      });
    default:
      throw new Error(`unknown library ${library}`);
  }
}

function measure(measurement, library, place) {
  switch (measurement) {
    case "throughput":
      return measureThroughput(queueOf(library, place), CONFIG.jobs);
    case "latency": {
      const polls = library === "pg-boss";
      return measureLatency(queueOf(library, place), {
        count: polls ? CONFIG.latencyPolledJobs : CONFIG.latencyJobs,
        warmup: CONFIG.latencyWarmup,
        // 5-15 ms lets a job end before the next; a poller's gap spans its interval.
        gapMs: polls ? [5, 5 + PGBOSS_POLLING_SECONDS * 1000] : [5, 15],
      });
    }
    case "lateness":
      return measureLateness({
        database: library === "sundial-pg" ? url : place.file,
        schema: place.schema,
        concurrency,
        schedules: CONFIG.schedules,
        seconds: CONFIG.latenessSeconds,
      });
    case "fill":
      return fillStore({ file: place.file, total: CONFIG.storedSchedules, put: CONFIG.storedPut });
    case "rss":
      return measureStoredSchedules({
        file: place.file,
        concurrency,
        warmupSeconds: CONFIG.warmupSeconds,
      });
    default:
      throw new Error(`unknown measurement ${measurement}`);
  }
}

const [measurement, library, place] = process.argv.slice(2);
let message;
try {
  message = { ok: true, result: await measure(measurement, library, JSON.parse(place)) };
} catch (error) {
  message = { ok: false, error: error?.stack ?? String(error) };
}
await new Promise((resolve) => process.send(message, resolve));
// A library may leave a timer or socket behind; the result is sent, so end here.
process.exit(0);
