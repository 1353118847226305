/** Parsing shared by commands: command groups with subcommands, stray arguments, tables. */
import { readFile } from "node:fs/promises";
import { SundialError } from "../errors.js";
import {
  type FlagDefinitions,
  type FlagValues,
  nearest,
  parseFlags,
  SHARED_FLAGS,
} from "./args.js";
import type { CliIo } from "./command.js";

/** The subcommand `argv` starts with; undefined when it starts with a flag or is empty. */
function subcommandOf<S extends string>(
  argv: readonly string[],
  names: readonly S[],
): S | undefined {
  const first = argv[0];
  if (first === undefined || first.startsWith("-")) return undefined;
  if ((names as readonly string[]).includes(first)) return first as S;
  const near = nearest(first, names);
  throw new SundialError(
    "badRequest",
    `unknown subcommand "${first}"${near === undefined ? "" : `; did you mean "${near}"?`} (${names.join(", ")})`,
    { field: first },
  );
}

/**
 * Reads `<subcommand> [flags] [arguments]` for a command group.
 * Each subcommand accepts only its own flags. With no subcommand, or `--help`, prints the
 * help and gives the exit code instead.
 * @throws SundialError `badRequest` for an unknown subcommand (suggesting the nearest) or flag.
 */
export function parseSubcommand<S extends string, F extends FlagDefinitions>(
  argv: readonly string[],
  subcommands: Readonly<Record<S, F>>,
  help: () => string,
  io: CliIo,
): { sub: S; flags: FlagValues<F>; positionals: readonly string[] } | { exitCode: number } {
  const sub = subcommandOf(argv, Object.keys(subcommands) as S[]);
  const { flags, positionals } = parseFlags(
    sub === undefined ? argv : argv.slice(1),
    sub === undefined ? ({ help: SHARED_FLAGS.help } as unknown as F) : subcommands[sub],
  );
  if (sub === undefined || flags.help) {
    (flags.help ? io.stdout : io.stderr).write(help());
    return { exitCode: flags.help ? 0 : 2 };
  }
  return { sub, flags, positionals };
}

/** Rows as aligned columns under a header. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const table = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]?.length ?? 0)));
  return table
    .map(
      (row) =>
        `${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd()}\n`,
    )
    .join("");
}

/** Refuses positionals beyond the `expected` ones; `hint` says what the command takes. */
export function refuseExtra(positionals: readonly string[], expected: number, hint?: string): void {
  const extra = positionals[expected];
  if (extra !== undefined) {
    throw new SundialError(
      "badRequest",
      `unexpected argument "${extra}"${hint === undefined ? "" : `; ${hint}`}`,
      { field: extra },
    );
  }
}

/** Label and value pairs as two aligned columns, for one item shown in full. */
export function keyValueLines(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([key]) => key.length)) + 2;
  return pairs.map(([key, value]) => `${key.padEnd(width)}${value}\n`).join("");
}

/**
 * The one argument a subcommand takes (`jobs show <id>`).
 * @throws SundialError `badRequest` saying what is missing (`usage` needs `what`), or
 *   naming an argument too many.
 * @example onlyArgument(["0193…"], "jobs show", "the job's id")
 */
export function onlyArgument(positionals: readonly string[], usage: string, what: string): string {
  const value = positionals[0];
  if (value === undefined) {
    throw new SundialError("badRequest", `${usage} needs ${what}`, { field: "id" });
  }
  refuseExtra(positionals, 1);
  return value;
}

/**
 * Refuses flags that exclude each other, given together.
 * @example refuseBoth(flags, "enabled", "disabled") // throws when both are set
 */
export function refuseBoth(flags: object, a: string, b: string): void {
  const given = flags as Record<string, unknown>;
  if (given[a] !== undefined && given[b] !== undefined) {
    throw new SundialError("badRequest", `give --${a} or --${b}, not both`, { field: `--${b}` });
  }
}

/**
 * The JSON object in `file` (`-`: stdin).
 * @throws SundialError `badRequest` naming `--file`.
 */
export async function readBody(
  file: string | undefined,
  io: CliIo,
  what: string,
): Promise<Record<string, unknown>> {
  if (file === undefined) {
    throw new SundialError("badRequest", `--file is required: the ${what} as JSON, - for stdin`, {
      field: "--file",
    });
  }
  const name = file === "-" ? "stdin" : file;
  let text: string;
  try {
    if (file === "-") {
      const chunks: Buffer[] = [];
      for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk));
      text = Buffer.concat(chunks).toString("utf8");
    } else {
      text = await readFile(file, "utf8");
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new SundialError("badRequest", `--file: cannot read ${name} (${code})`, {
      field: "--file",
      cause: error,
    });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new SundialError(
      "badRequest",
      `--file: ${name} is not JSON (${(error as Error).message})`,
      { field: "--file" },
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SundialError("badRequest", `--file: ${name} must hold one JSON object, a ${what}`, {
      field: "--file",
    });
  }
  return body as Record<string, unknown>;
}
