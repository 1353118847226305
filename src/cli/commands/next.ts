/**
 * `sundial next`: the next fire times of a trigger, to check an expression before it goes
 * into a schedule. With `--batch` it answers JSON Lines requests on stdin (next-batch.ts).
 */
import * as calendar from "../../calendar/index.js";
import { SundialError } from "../../errors.js";
import { formatFlagHelp, oneOf, parseFlags, SHARED_FLAGS, wholeNumber } from "../args.js";
import type { CliIo, Command } from "../command.js";
import { LineWriter } from "../line-writer.js";
import { WallTimeFormat } from "../wall-time.js";
import { runBatch } from "./next-batch.js";

const DEFAULT_COUNT = 5;

const FLAGS = {
  type: {
    type: "string",
    value: "TYPE",
    help: "cron, unix, calendar, interval or once (default: inferred).",
  },
  tz: SHARED_FLAGS.tz,
  from: {
    type: "string",
    value: "ISO",
    help: "List the fires after this instant (default: now).",
  },
  count: {
    type: "string",
    short: "n",
    value: "N",
    help: `How many fires, 1-${calendar.MAX_COUNT} (default ${DEFAULT_COUNT}).`,
  },
  dst: {
    type: "string",
    value: "POLICY",
    help: "Daylight-saving policy; see below.",
  },
  every: {
    type: "string",
    value: "N",
    help: "Interval: fire every N units (with --unit).",
  },
  unit: {
    type: "string",
    value: "UNIT",
    help: `Interval unit: ${calendar.INTERVAL_UNITS.join(", ")}.`,
  },
  anchor: {
    type: "string",
    value: "ISO",
    help: "Interval: the fire the others count from (default: --from).",
  },
  at: { type: "string", value: "ISO", help: "Once: the instant it fires." },
  start: { type: "string", value: "ISO", help: "No fire before this instant (startTime)." },
  end: { type: "string", value: "ISO", help: "No fire after this instant (endTime)." },
  json: SHARED_FLAGS.json,
  batch: {
    type: "boolean",
    help: "Answer JSON Lines requests on stdin; see below.",
  },
  help: SHARED_FLAGS.help,
} as const satisfies Parameters<typeof formatFlagHelp>[0];

type Flags = ReturnType<typeof parseFlags<typeof FLAGS>>["flags"];

/** Flags that describe a single trigger, and so make no sense with --batch. */
const TRIGGER_FLAGS = [
  "type",
  "tz",
  "from",
  "count",
  "dst",
  "every",
  "unit",
  "anchor",
  "at",
  "start",
  "end",
  "json",
] as const;

const HELP = `Usage: sundial next <expression> [options]
       sundial next --every N --unit UNIT [--anchor ISO] [options]
       sundial next --at ISO [options]
       sundial next --batch < requests.jsonl

Print the next fire times of a trigger, one a line: the instant in UTC, then the wall
time, offset and zone abbreviation in the trigger's time zone.

The type of an expression is inferred: 5 fields are Unix cron, 6 or 7 fields Quartz cron,
and name=value pairs an EJB calendar expression. Quote the expression so that the shell
leaves * and ? alone. Instants (--from, --anchor, --at, --start, --end) are ISO 8601;
without an offset or Z they are wall times in --tz, so "--from 2026-03-07" is midnight
there.

Options:
${formatFlagHelp(FLAGS)}

Daylight saving (--dst):
  default   a wall time that the spring-forward skips fires just after the jump
            (02:30 -> 03:30); one that the fall-back repeats fires at its first
            occurrence (at both, for triggers that fire every hour)
  quartz    as Quartz: skip the missing wall time; fire the repeated one at its second
            occurrence
  gap=shift|skip,overlap=first|second|both|auto
            choose each half; a half left out keeps its default

Examples:
  # Quartz cron (second minute hour day-of-month month day-of-week): weekdays at 06:00
  sundial next "0 0 6 ? * MON-FRI" --tz Europe/London

  # Unix cron: every 15 minutes, ten fires after a given instant
  sundial next "*/15 * * * *" --from 2026-01-01T00:00:00Z --count 10

  # Calendar expression: every half hour in office hours, Monday to Friday
  sundial next "hour=8-17; minute=*/30; dayOfWeek=Mon-Fri" --tz America/New_York

  # Interval: every 2 hours, counted from 09:00 Paris time on 5 January
  sundial next --every 2 --unit hours --anchor 2026-01-05T09:00 --tz Europe/Paris

  # Once: Christmas Eve at 18:00 in Berlin
  sundial next --at 2026-12-24T18:00 --tz Europe/Berlin

  # Quartz's daylight-saving rules across New York's spring-forward night
  sundial next "0 30 2 * * ?" --tz America/New_York --from 2026-03-07 --dst quartz

  # JSON, for scripts
  sundial next "0 0 6 ? * MON-FRI" --json

  # Batch: JSON Lines in, one JSON line out per request, in order
  echo '{"id":1,"expression":"0 0 6 * * ?","from":"2026-01-01","count":3}' |
    sundial next --batch

Batch (--batch):
  Each stdin line is a request {"id", "expression", "type"?, "timeZone"?, "dst"?,
  "from", "count"}; each gets one stdout line, in order: {"id", "next": [...]} or
  {"id", "error": {"code", "message"}}. A bad line gets an error line and the batch goes
  on; the exit code is 0 once stdin is read. See docs/cli.md.
`;

const badRequest = (message: string, flag: string): SundialError =>
  new SundialError("badRequest", message, { field: flag });

/** The spec's fields as the flags that set them, so errors name what the user typed. */
function flagOfField(field: string, flags: Flags): string | undefined {
  if (field === "dst") return "--dst";
  if (field.startsWith("dst.")) return `--dst ${field.slice("dst.".length)}`;
  const byField: Record<string, string> = {
    type: "--type",
    timeZone: "--tz",
    from: "--from",
    count: "--count",
    every: "--every",
    unit: "--unit",
    // An anchor left out is taken from --from, so its errors are about --from.
    anchor: flags.anchor === undefined ? "--from" : "--anchor",
    at: "--at",
    startTime: "--start",
    endTime: "--end",
  };
  return Object.hasOwn(byField, field) ? byField[field] : undefined;
}

/** Rewrites a calendar error about a spec field (`from: "x" is not...`) in flag terms. */
function inFlagTerms(error: unknown, flags: Flags): unknown {
  if (!(error instanceof calendar.TriggerError)) return error;
  const flag = flagOfField(error.field, flags);
  if (flag === undefined || !error.message.startsWith(`${error.field}:`)) return error;
  return new calendar.TriggerError(error.code, flag + error.message.slice(error.field.length), {
    field: flag,
    ...(error.text === undefined ? {} : { text: error.text }),
    ...(error.allowed === undefined ? {} : { allowed: error.allowed }),
  });
}

/** Accepts `hour` as well as `hours`, as people say "--every 1 --unit hour". */
function unitOf(text: string): calendar.IntervalUnit {
  const plural = text.endsWith("s") ? text : `${text}s`;
  return oneOf("--unit", plural.toLowerCase(), calendar.INTERVAL_UNITS);
}

/** The trigger spec the flags describe; `from` is the default anchor of an interval. */
function specOf(positionals: readonly string[], flags: Flags, from: string): calendar.TriggerSpec {
  if (positionals.length > 1) {
    throw badRequest(
      `expected one expression but got ${positionals.length} arguments; quote the expression, e.g. sundial next "0 0 6 ? * MON-FRI"`,
      "expression",
    );
  }
  const expression = positionals[0];
  const forms = [
    expression === undefined ? undefined : "an expression",
    flags.every === undefined ? undefined : "--every",
    flags.at === undefined ? undefined : "--at",
  ].filter((form) => form !== undefined);
  if (forms.length > 1) {
    throw badRequest(
      `give one of an expression, --every or --at, not ${forms.join(" and ")}`,
      "expression",
    );
  }
  for (const flag of ["unit", "anchor"] as const) {
    if (flags[flag] !== undefined && flags.every === undefined) {
      throw badRequest(`--${flag} goes with --every N (an interval trigger)`, `--${flag}`);
    }
  }
  const type =
    flags.type === undefined ? undefined : oneOf("--type", flags.type, calendar.TRIGGER_TYPES);
  const common = {
    ...(flags.tz === undefined ? {} : { timeZone: flags.tz }),
    ...(flags.dst === undefined ? {} : { dst: calendar.parseDstText(flags.dst) }),
    ...(flags.start === undefined ? {} : { startTime: flags.start }),
    ...(flags.end === undefined ? {} : { endTime: flags.end }),
  };
  const fits = (wanted: readonly calendar.TriggerType[], form: string): void => {
    if (type !== undefined && !wanted.includes(type)) {
      throw badRequest(`--type ${type} does not go with ${form}`, "--type");
    }
  };

  if (flags.every !== undefined) {
    fits(["interval"], "--every");
    if (flags.unit === undefined) {
      throw badRequest(`--every needs --unit (${calendar.INTERVAL_UNITS.join(", ")})`, "--unit");
    }
    return {
      type: "interval",
      every: wholeNumber("--every", flags.every, 1, Number.MAX_SAFE_INTEGER),
      unit: unitOf(flags.unit),
      anchor: flags.anchor ?? from,
      ...common,
    };
  }
  if (flags.at !== undefined) {
    fits(["once"], "--at");
    return { type: "once", at: flags.at, ...common };
  }
  if (expression === undefined) {
    throw badRequest(
      'give an expression (e.g. "0 0 6 ? * MON-FRI"), or --every N --unit UNIT, or --at ISO',
      "expression",
    );
  }
  fits(["cron", "unix", "calendar"], "an expression");
  return { ...(type === undefined ? {} : { type }), expression, ...common };
}

async function runOne(flags: Flags, positionals: readonly string[], io: CliIo): Promise<number> {
  // Whole seconds, so that an interval counted from now prints readable times.
  const from = flags.from ?? new Date(Math.floor(io.now() / 1000) * 1000).toISOString();
  const count =
    flags.count === undefined
      ? DEFAULT_COUNT
      : wholeNumber("--count", flags.count, 1, calendar.MAX_COUNT);

  let trigger: calendar.Trigger;
  let fires: Date[];
  try {
    trigger = calendar.parseTrigger(specOf(positionals, flags, from));
    fires = calendar.nextFireTimes(trigger, { from, count });
  } catch (error) {
    throw inFlagTerms(error, flags);
  }
  const description = calendar.describeTrigger(trigger);
  const out = new LineWriter(io.stdout);

  if (flags.json) {
    const { spec } = trigger;
    const shape =
      trigger.type === "interval"
        ? { every: spec.every, unit: spec.unit, anchor: spec.anchor }
        : trigger.type === "once"
          ? { at: spec.at }
          : { expression: spec.expression };
    await out.line(
      JSON.stringify({
        ...shape,
        type: trigger.type,
        timeZone: trigger.timeZone,
        description,
        next: fires.map((fire) => fire.toISOString()),
      }),
    );
  } else {
    await out.line(description);
    const wall = new WallTimeFormat(trigger.timeZone);
    for (const fire of fires) {
      if (out.closed) break;
      await out.line(`${fire.toISOString()}  ${wall.format(fire.getTime())}`);
    }
  }
  await out.flush();
  if (!flags.json && fires.length < count) {
    // On stderr, so that what stdout holds is still only fires.
    io.stderr.write(
      `sundial next: ${fires.length} of ${count} fires; the trigger has no more after ${fires.at(-1)?.toISOString() ?? from}\n`,
    );
  }
  return 0;
}

export const nextCommand: Command = {
  name: "next",
  help: () => HELP,
  async run(argv, io) {
    // Help wins over any other mistake on the line: it is what the user needs to fix it.
    const end = argv.indexOf("--");
    const options = end < 0 ? argv : argv.slice(0, end);
    if (options.includes("--help") || options.includes("-h")) {
      io.stdout.write(HELP);
      return 0;
    }
    const { flags, positionals } = parseFlags(argv, FLAGS);
    if (flags.batch) {
      const extra = TRIGGER_FLAGS.find((flag) => flags[flag] !== undefined);
      if (extra !== undefined || positionals.length > 0) {
        throw badRequest(
          `--batch reads every trigger from stdin; leave out ${extra === undefined ? "the expression" : `--${extra}`}`,
          "--batch",
        );
      }
      return runBatch(io);
    }
    return runOne(flags, positionals, io);
  },
};
