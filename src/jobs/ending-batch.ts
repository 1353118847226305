/**
 * Records how a node's runs ended, many to a statement. While one batch is being written
 * the next gathers, so a quiet node writes each ending at once and a busy one writes a
 * statement per round trip however many jobs end meanwhile.
 *
 * The node's other statement over many of its held jobs, the lease renewal, runs through
 * {@link EndingBatch.exclusive}, never beside a batch: two statements changing the same
 * rows in different orders could deadlock on PostgreSQL, and locking the rows in id order
 * first cost a fifth of each ending statement.
 */
import type { JobEnding, JobOutcome, JobRow, Store } from "../store/store.js";

/** Endings per statement: one JSON parameter, so only the statement's size bounds it. */
const MAX_BATCH = 1000;

interface Waiting {
  readonly ending: JobEnding;
  readonly resolve: (row: JobRow | undefined) => void;
  readonly reject: (error: unknown) => void;
}

export class EndingBatch {
  private queue: Waiting[] = [];
  private writing = false;
  /** Settles when the batch being written, or the exclusive work running, is done. */
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly node: string,
  ) {}

  /**
   * Ends (or requeues) a job this node holds, as `store.finishJob` does; resolves with the
   * job as it now is, or `undefined` when the node no longer holds it. Rejects when the
   * batch it went in failed, so the caller can try again. `held` is the job as this node
   * knows it (see JobEnding.held).
   */
  finish(held: JobRow, outcome: JobOutcome): Promise<JobRow | undefined> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ending: { id: held.id, outcome, held }, resolve, reject });
      if (this.writing) return;
      this.writing = true;
      // Endings recorded in the same turn go together.
      queueMicrotask(() => void this.write());
    });
  }

  /**
   * Runs `work` once no batch is being written, and writes none until it is done.
   * @example await endings.exclusive(() => store.renewLeases(node, until));
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const done = this.busy.then(work);
    this.busy = settled(done);
    return done;
  }

  private async write(): Promise<void> {
    while (this.queue.length > 0) {
      // Behind any exclusive work, including work asked for while waiting; the endings
      // that arrive meanwhile join this batch.
      let before: Promise<void>;
      do {
        before = this.busy;
        await before;
      } while (before !== this.busy);
      const batch = this.queue.splice(0, MAX_BATCH);
      const written = this.store.finishJobs(
        this.node,
        batch.map((waiting) => waiting.ending),
      );
      this.busy = settled(written);
      try {
        const rows = await written;
        for (const [i, waiting] of batch.entries()) waiting.resolve(rows[i]);
      } catch (error) {
        for (const waiting of batch) waiting.reject(error);
      }
    }
    this.writing = false;
  }
}

/** Settles, never rejecting, when `work` does: what waits behind it needs only its end. */
function settled(work: Promise<unknown>): Promise<void> {
  return work.then(
    () => undefined,
    () => undefined,
  );
}
