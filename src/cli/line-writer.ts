/**
 * Buffered line output. Writing each line to a stream costs a system call (stdout to a
 * pipe is synchronous on Linux), which dominates a 10,000-line batch; lines are gathered
 * and written in chunks, waiting for the stream to drain so memory stays bounded.
 */
import type { Writable } from "node:stream";

const CHUNK_CHARS = 64 * 1024;

export class LineWriter {
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly stream: Writable) {}

  /** True once the reader has gone away (e.g. `| head`): there is no point producing more. */
  get closed(): boolean {
    return this.stream.destroyed || this.stream.writableEnded;
  }

  /** Adds a line (without its newline); resolves once any resulting chunk is accepted. */
  async line(text: string): Promise<void> {
    this.parts.push(text, "\n");
    this.size += text.length + 1;
    if (this.size >= CHUNK_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join("");
    this.parts = [];
    this.size = 0;
    if (this.closed) return;
    if (!this.stream.write(text)) await drained(this.stream);
  }
}

/** Resolves on `drain`, or on `close`/`error`, after which `closed` tells the caller. */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      stream.off("error", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
    stream.on("error", done);
  });
}
