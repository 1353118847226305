/**
 * Sundial's side of the common queue shape (see ../run.js): one no-op job type, `noop`,
 * whose handler only reports its start. On PostgreSQL or on a SQLite file, as `database`
 * says.
 */
import { Sundial } from "../../../dist/index.js";

export function sundialQueue({ database, schema, concurrency }) {
  let sundial;
  let onStart = () => undefined;
  return {
    async open() {
      sundial = await Sundial.open({
        database,
        ...(schema === undefined ? {} : { schema }),
        node: "bench-queue",
      });
      sundial.define("noop", ({ data }) => {
        onStart(data.i);
      });
    },
    async enqueueMany(count) {
      await sundial.jobs.enqueueMany(
        Array.from({ length: count }, (_, i) => ({ type: "noop", data: { i } })),
      );
    },
    async enqueueOne(i) {
      await sundial.jobs.enqueue("noop", { i });
    },
    async start(listener) {
      onStart = listener;
      await sundial.start({ concurrency });
    },
    /** Whether a job is not yet recorded as ended in the store. */
    async anyUnfinished() {
      const jobs = await sundial.jobs.find({ status: "PENDING,RUNNING,STOPPING", _size: 1 });
      return jobs.length > 0;
    },
    async close() {
      await sundial?.close({ graceMs: 1000 });
    },
  };
}
