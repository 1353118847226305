/**
 * A spinner on one terminal line, for commands that wait. Only on a terminal: piped into
 * a file or another program, its frames would be noise around the result.
 */
import type { Writable } from "node:stream";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const FRAME_MS = 100;
/** Back to the line's start and erase it. */
const CLEAR_LINE = "\r\u001b[K";

export class Spinner {
  private frame = 0;
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly stream: Writable,
    private text: string,
  ) {
    this.draw();
    this.timer = setInterval(() => this.draw(), FRAME_MS);
    // A spinner never keeps the process alive by itself.
    this.timer.unref();
  }

  /**
   * A spinner showing `text` on `stream`, or undefined when `stream` is not a terminal.
   * @example const spinner = Spinner.start(io.stderr, "Waiting for job 0193…");
   */
  static start(stream: Writable, text: string): Spinner | undefined {
    return (stream as Partial<NodeJS.WriteStream>).isTTY === true
      ? new Spinner(stream, text)
      : undefined;
  }

  update(text: string): void {
    this.text = text;
  }

  /** Erases the spinner's line, leaving the cursor where the spinner began. */
  stop(): void {
    clearInterval(this.timer);
    this.stream.write(CLEAR_LINE);
  }

  private draw(): void {
    this.frame = (this.frame + 1) % FRAMES.length;
    // A line wider than the terminal wraps, and the next frame would erase only its end.
    const columns = (this.stream as Partial<NodeJS.WriteStream>).columns ?? 80;
    const text = this.text.length > columns - 3 ? `${this.text.slice(0, columns - 4)}…` : this.text;
    this.stream.write(`${CLEAR_LINE}${FRAMES[this.frame]} ${text}`);
  }
}
