/**
 * Cuts a stream of text into lines, for output that becomes log lines.
 */

/**
 * Turns chunks of text into whole lines (`\n` or `\r\n` endings removed). A line longer
 * than `maxChars` is cut into pieces of `maxChars`, so a program printing megabytes
 * without a newline can't hold them all in memory.
 * @example
 * const lines = new LineSplitter(10_000);
 * lines.push("a\nb"); // ["a"]
 * lines.end();        // ["b"]
 */
export class LineSplitter {
  private partial = "";

  constructor(private readonly maxChars: number) {}

  /** The lines completed by `chunk`. */
  push(chunk: string): string[] {
    const text = this.partial + chunk;
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    const lines = parts.flatMap((line) => this.cut(line.endsWith("\r") ? line.slice(0, -1) : line));
    if (this.partial.length > this.maxChars) {
      const pieces = this.cut(this.partial);
      this.partial = pieces.pop() ?? "";
      lines.push(...pieces);
    }
    return lines;
  }

  /** The last line, when the text did not end with a newline. */
  end(): string[] {
    const rest = this.partial;
    this.partial = "";
    return rest === "" ? [] : this.cut(rest);
  }

  private cut(line: string): string[] {
    if (line.length <= this.maxChars) return [line];
    const pieces: string[] = [];
    for (let at = 0; at < line.length; at += this.maxChars) {
      pieces.push(line.slice(at, at + this.maxChars));
    }
    return pieces;
  }
}
