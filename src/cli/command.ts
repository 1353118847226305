/**
 * What every `sundial` command is, and what it is given to run: the streams, the
 * environment and the clock, all passed in so that tests can run a command in-process.
 */
import type { Readable, Writable } from "node:stream";

export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The current instant in epoch ms. */
  readonly now: () => number;
}

export interface Command {
  /** As typed after `sundial`. */
  readonly name: string;
  /** The full text of `sundial <name> --help`. */
  help(): string;
  /**
   * Runs the command with the arguments after its name and resolves to the exit code.
   * User mistakes are thrown (a SundialError or TriggerError with a registered code);
   * main prints them as one line and maps the code to the exit status.
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
