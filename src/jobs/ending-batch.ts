/**
 * Records how a node's runs ended, many to a statement. While one batch is being written
 * the next gathers, so a quiet node writes each ending at once and a busy one writes a
 * statement per round trip however many jobs end meanwhile.
 *
 * The node's other statement over many of its held jobs, the lease renewal, runs through
 * {@link EndingBatch.exclusive}, never beside a batch: two statements changing the same
 * rows in different orders could deadlock on PostgreSQL, and locking the rows in id order
 * first cost a fifth of each ending statement.
 *
 * An ending the database refuses (see statementRefused) must not hold up the others in
 * its statement: a refused batch is written again in halves, down to that ending alone,
 * which is then the only one told of the refusal. A failure of the moment (the database
 * away) fails the batch as it is, for its runs to try again.
 */
import { statementRefused } from "../store/database-errors.js";
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
   * batch it went in failed for the moment, or when the database refused this ending.
   * `held` is the job as this node knows it (see JobEnding.held).
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
      const written = this.writeBatch(this.queue.splice(0, MAX_BATCH));
      this.busy = written;
      await written;
    }
    this.writing = false;
  }

  /** Writes `batch` and settles each of its endings; never rejects. */
  private async writeBatch(batch: readonly Waiting[]): Promise<void> {
    try {
      const rows = await this.store.finishJobs(
        this.node,
        batch.map((waiting) => waiting.ending),
      );
      for (const [i, waiting] of batch.entries()) waiting.resolve(rows[i]);
    } catch (error) {
      if (batch.length === 1 || !statementRefused(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      const half = Math.ceil(batch.length / 2);
      await this.writeBatch(batch.slice(0, half));
      await this.writeBatch(batch.slice(half));
    }
  }
}

/** Settles, never rejecting, when `work` does: what waits behind it needs only its end. */
function settled(work: Promise<unknown>): Promise<void> {
  return work.then(
    () => undefined,
    () => undefined,
  );
}
