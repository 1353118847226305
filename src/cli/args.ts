/**
 * Command-line flags: one definition per flag (its name, value, and help line), shared by
 * every command that takes it, and one parser that turns mistakes into `badRequest`
 * errors naming the flag, so each command reads typed values and never parses argv.
 */
import { parseArgs } from "node:util";
import { SundialError } from "../errors.js";

export interface FlagDefinition {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** The placeholder shown in help, e.g. `ZONE`; only for string flags. */
  readonly value?: string;
  /** One line for the help text. */
  readonly help: string;
}

export type FlagDefinitions = Readonly<Record<string, FlagDefinition>>;

export type FlagValues<F extends FlagDefinitions> = {
  -readonly [K in keyof F]?: F[K]["type"] extends "boolean" ? boolean : string;
};

export interface ParsedArgs<F extends FlagDefinitions> {
  readonly flags: FlagValues<F>;
  readonly positionals: readonly string[];
}

/** Flags that more than one command takes; commands spread the ones they need. */
export const SHARED_FLAGS = {
  help: { type: "boolean", short: "h", help: "Show this help." },
  json: { type: "boolean", help: "Print JSON instead of text." },
  tz: {
    type: "string",
    value: "ZONE",
    help: "IANA time zone, e.g. Europe/London (default UTC).",
  },
  database: {
    type: "string",
    value: "URL|FILE",
    help: "postgres://… or a SQLite file (default $DATABASE_URL, else ./data/sundial.db).",
  },
  schema: {
    type: "string",
    value: "NAME",
    help: "PostgreSQL schema to use (default public).",
  },
} as const satisfies FlagDefinitions;

const badFlag = (message: string, flag: string): SundialError =>
  new SundialError("badRequest", message, { field: flag });

/**
 * Parses `argv` against `definitions`.
 * @throws SundialError `badRequest` for an unknown flag, a flag given twice, a string flag
 *   without its value, or a value given to a boolean flag.
 * @example parseFlags(["0 0 6 * * ?", "--tz", "UTC"], { tz: SHARED_FLAGS.tz })
 *   // { flags: { tz: "UTC" }, positionals: ["0 0 6 * * ?"] }
 */
export function parseFlags<F extends FlagDefinitions>(
  argv: readonly string[],
  definitions: F,
): ParsedArgs<F> {
  // strict: false hands unknown flags back as tokens, so the messages here can name them;
  // parseArgs' own errors are long and suggest `--` where that is rarely what was meant.
  const { tokens } = parseArgs({
    args: [...argv],
    options: definitions as Record<string, FlagDefinition>,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const flags: Record<string, string | boolean> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    const definition = Object.hasOwn(definitions, token.name) ? definitions[token.name] : undefined;
    const shown = definition ? `--${token.name}` : token.rawName;
    if (definition === undefined) {
      const near = nearest(token.name, Object.keys(definitions));
      const hint = near === undefined ? "" : `; did you mean --${near}?`;
      throw badFlag(`unknown flag ${token.rawName}${hint}`, token.rawName);
    }
    if (Object.hasOwn(flags, token.name)) {
      throw badFlag(`${shown} is given more than once`, shown);
    }
    if (definition.type === "boolean") {
      if (token.value !== undefined) {
        throw badFlag(`${shown} takes no value (got "${token.value}")`, shown);
      }
      flags[token.name] = true;
      continue;
    }
    // A detached value that looks like another long flag means this one's value was left
    // out (`--tz --json`); one dash is allowed, for values such as `-05:00`.
    if (token.value === undefined || (!token.inlineValue && token.value.startsWith("--"))) {
      throw badFlag(
        `${shown} needs a value${definition.value ? ` (${definition.value})` : ""}`,
        shown,
      );
    }
    flags[token.name] = token.value;
  }
  return { flags: flags as FlagValues<F>, positionals };
}

/**
 * Reads a flag's value as a whole number in `[min, max]`.
 * @example wholeNumber("--count", "12", 1, 10_000) // 12
 */
export function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw badFlag(`${flag}: "${text}" is not a whole number ${range}`, flag);
  }
  return value;
}

/**
 * Reads a flag's value as one of `allowed`.
 * @example oneOf("--type", "cron", ["cron", "unix"]) // "cron"
 */
export function oneOf<T extends string>(flag: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw badFlag(`${flag}: "${text}" is not one of ${allowed.join(", ")}`, flag);
  }
  return text as T;
}

/** The aligned "Options:" lines of a command's help. */
export function formatFlagHelp(definitions: FlagDefinitions): string {
  const rows = Object.entries(definitions).map(([name, d]) => {
    const short = d.short ? `-${d.short}, ` : "    ";
    const value = d.type === "string" ? ` ${d.value ?? "VALUE"}` : "";
    return [`  ${short}--${name}${value}`, d.help] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, help]) => left.padEnd(width) + help).join("\n");
}

/** The smallest number of one-character edits that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(
        Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}

/**
 * The candidate a mistyped name most likely meant, for "did you mean"; none when every
 * candidate is more than two edits away (or, for short names, more than one).
 * @example nearest("cont", ["count", "tz"]) // "count"
 */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const limit = name.length <= 3 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of candidates) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
