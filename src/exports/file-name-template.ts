/**
 * File names from templates such as `sales_${region}_{yesterday:%Y%m%d}.csv`. The full
 * syntax, with examples, is in docs/exports.md:
 *
 * - `${name}`: the task's parameter `name`;
 * - `%Y`, `%m`, …: the run's instant in the task's zone, strftime-style (`%%` is a `%`);
 * - `{steps:format}`: a date moved by steps (`yesterday`, `-1M last`, `+1wd`), then
 *   printed with `format`; `{{` and `}}` are literal braces.
 *
 * A template is parsed (and its mistakes reported, by character position) when it is
 * saved, and rendered when a run needs the name; the name it renders is checked again, so
 * that no parameter can lead out of the directory.
 */
import { type WorkingCalendar, Zone } from "../calendar/index.js";
import { SundialError } from "../errors.js";
import { applyStep, type DateStep, parseStep, STEP_FORMS } from "./date-steps.js";
import { DATE_CODE_LIST, DATE_CODES, formatMoment } from "./strftime.js";

type FormatPiece = string | { readonly code: string };

type TemplatePart =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "parameter"; readonly name: string; readonly at: number }
  | {
      readonly kind: "date";
      readonly steps: readonly DateStep[];
      readonly format: readonly FormatPiece[];
      readonly at: number;
      readonly source: string;
    };

/** A parsed template; render it with {@link renderFileName}. */
export interface FileNameTemplate {
  readonly text: string;
  /** The field it was read from, which messages name. */
  readonly field: string;
  readonly parts: readonly TemplatePart[];
}

/** What a template is rendered against. */
export interface FileNameContext {
  /** The run's instant; dates count from it. */
  readonly instant: Date | number;
  /** The IANA zone whose clocks dates are read on, e.g. `Europe/London`. */
  readonly timeZone: string;
  /** Values for `${name}`. */
  readonly parameters?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Weekend and holidays for `wd` steps; default Saturday and Sunday off, no holidays. */
  readonly workingDays?: Omit<WorkingCalendar, "timeZone"> | undefined;
}

const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
// A name longer than this is refused by most file systems (ext4, NTFS, APFS count 255).
const MAX_NAME_BYTES = 255;
const MAX_YEAR = 9999;
const TRAVERSAL = "it could lead out of the directory";

/** Reports a mistake at a position of the template (0-based; messages count from 1). */
type Fail = (at: number, what: string, reason: string) => never;

/**
 * Parses a file name template.
 * @param field what the template is known by in messages, e.g. `output.fileName`.
 * @throws SundialError `badRequest` naming `field` and the character position at fault.
 * @example
 * parseFileNameTemplate("sales_%Y%m%d.csv");
 * parseFileNameTemplate("sales_{-1M first:%Y-%m-%d}_{-1M last:%d}.csv");
 * parseFileNameTemplate("a/%Y.csv"); // throws: fileName: "/" at character 2 can't be in a file name …
 */
export function parseFileNameTemplate(text: string, field = "fileName"): FileNameTemplate {
  if (typeof text !== "string" || text === "") {
    throw new SundialError(
      "badRequest",
      `${field}: is empty; give a file name such as sales_%Y%m%d.csv`,
      {
        field,
      },
    );
  }
  const fail: Fail = (at, what, reason) => {
    throw new SundialError(
      "badRequest",
      `${field}: ${JSON.stringify(what)} at character ${at + 1} ${reason}`,
      { field },
    );
  };
  const parts: TemplatePart[] = [];
  let literal = "";
  let literalAt = 0;
  const pushLiteral = () => {
    if (literal.includes("..")) {
      fail(literalAt + literal.indexOf(".."), "..", `can't be in a file name (${TRAVERSAL})`);
    }
    if (literal !== "") parts.push({ kind: "text", text: literal });
    literal = "";
  };
  const addLiteral = (at: number, characters: string) => {
    if (literal === "") literalAt = at;
    literal += characters;
  };

  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === "%") {
      if (next === "%") {
        addLiteral(i, "%");
      } else {
        pushLiteral();
        parts.push({
          kind: "date",
          steps: [],
          format: [dateCode(text, i, fail)],
          at: i,
          source: text.slice(i, i + 2),
        });
      }
      i += 2;
    } else if (c === "$" && next === "{") {
      const close = closing(text, i, fail);
      const name = text.slice(i + 2, close);
      if (!PARAMETER_NAME.test(name)) {
        const hint = name.includes(":") ? "; a date is written {steps:format}, without $" : "";
        fail(
          i,
          text.slice(i, close + 1),
          `is not a parameter (a name of letters, digits, _ . -, not starting with a digit)${hint}`,
        );
      }
      pushLiteral();
      parts.push({ kind: "parameter", name, at: i });
      i = close + 1;
    } else if ((c === "{" || c === "}") && next === c) {
      addLiteral(i, c);
      i += 2;
    } else if (c === "{") {
      const close = closing(text, i, fail);
      pushLiteral();
      parts.push(dateBlock(text, i, close, fail));
      i = close + 1;
    } else if (c === "}") {
      fail(i, "}", "closes nothing; write }} for a literal brace");
    } else {
      refuseCharacter(c, i, fail);
      addLiteral(i, c);
      i++;
    }
  }
  pushLiteral();
  return { text, field, parts };
}

/**
 * The file name a template gives for one run.
 * @throws SundialError `badRequest` naming the template's field: an unknown parameter, a
 *   parameter value or a result that is not a safe file name, a date beyond the year 9999.
 * @example
 * // 00:30 BST on Monday 30 March 2026 is still Sunday 23:30 in UTC:
 * renderFileName("sales_{yesterday:%Y%m%d}_${region}.csv", {
 *   instant: new Date("2026-03-29T23:30:00Z"),
 *   timeZone: "Europe/London",
 *   parameters: { region: "north" },
 * }); // "sales_20260329_north.csv"
 */
export function renderFileName(
  template: FileNameTemplate | string,
  context: FileNameContext,
): string {
  const parsed = typeof template === "string" ? parseFileNameTemplate(template) : template;
  const { field } = parsed;
  const instant = context.instant instanceof Date ? context.instant.getTime() : context.instant;
  if (typeof instant !== "number" || !Number.isFinite(instant)) {
    throw new SundialError(
      "badRequest",
      `instant: ${String(context.instant)} is not a valid date`,
      {
        field: "instant",
      },
    );
  }
  const zone = Zone.of(context.timeZone);
  const calendar: WorkingCalendar = { ...context.workingDays, timeZone: context.timeZone };
  const parameters = context.parameters ?? {};
  let name = "";
  for (const part of parsed.parts) {
    if (part.kind === "text") {
      name += part.text;
    } else if (part.kind === "parameter") {
      name += parameterValue(parameters, part, field);
    } else {
      let at = instant;
      for (const step of part.steps) {
        at = applyStep(at, step, calendar);
        const year = new Date(zone.wallAt(at)).getUTCFullYear();
        if (year < 1 || year > MAX_YEAR) {
          throw new SundialError(
            "badRequest",
            `${field}: ${JSON.stringify(part.source)} at character ${part.at + 1} gives the year ${year}, outside 1-${MAX_YEAR}`,
            { field },
          );
        }
      }
      name += formatMoment(part.format, { wall: zone.wallAt(at), offset: zone.offsetAt(at) });
    }
  }
  checkFileName(name, field);
  return name;
}

/**
 * Checks that `name` names a file inside a directory, and nothing else: not empty, no `/`,
 * `\`, `..` or control character, at most 255 bytes.
 * @throws SundialError `badRequest` naming `field`.
 * @example checkFileName("../etc/passwd", "fileName"); // throws: fileName: the name "../etc/passwd" holds "..", …
 */
export function checkFileName(name: string, field = "fileName"): void {
  const problem = nameProblem(name);
  if (problem !== undefined) {
    throw new SundialError("badRequest", `${field}: the name ${JSON.stringify(name)} ${problem}`, {
      field,
    });
  }
}

function nameProblem(name: string): string | undefined {
  if (name === "") return "is empty";
  const cantHold = (what: string, why: string) =>
    `holds ${JSON.stringify(what)}, which can't be in a file name (${why})`;
  if (name.includes("..")) return cantHold("..", TRAVERSAL);
  for (const c of name) {
    const why = characterProblem(c);
    if (why !== undefined) return cantHold(c, why);
  }
  const bytes = Buffer.byteLength(name);
  return bytes > MAX_NAME_BYTES
    ? `is ${bytes} bytes long; file systems allow ${MAX_NAME_BYTES}`
    : undefined;
}

/** Why `c` can't be in a file name, or `undefined` when it can. */
function characterProblem(c: string): string | undefined {
  if (c === "/" || c === "\\") return "it would name a directory";
  const code = c.charCodeAt(0);
  return code < 0x20 || code === 0x7f ? "it is a control character" : undefined;
}

function parameterValue(
  parameters: Readonly<Record<string, string | number | boolean>>,
  part: { readonly name: string; readonly at: number },
  field: string,
): string {
  if (!Object.hasOwn(parameters, part.name)) {
    const known = Object.keys(parameters);
    throw new SundialError(
      "badRequest",
      `${field}: "\${${part.name}}" at character ${part.at + 1} names no parameter of this run (${known.length === 0 ? "it has none" : `it has ${known.join(", ")}`})`,
      { field },
    );
  }
  const value = String(parameters[part.name]);
  // An empty value is fine inside a longer name; the whole name is checked afterwards.
  const problem = value === "" ? undefined : nameProblem(value);
  if (problem !== undefined) {
    throw new SundialError(
      "badRequest",
      `${field}: parameter ${part.name} (${JSON.stringify(value)}) ${problem}`,
      { field },
    );
  }
  return value;
}

function refuseCharacter(c: string, at: number, fail: Fail): void {
  const why = characterProblem(c);
  if (why !== undefined) fail(at, c, `can't be in a file name (${why})`);
}

/** The `%` code at `i`, as a format piece. */
function dateCode(text: string, i: number, fail: Fail): FormatPiece {
  const code = text[i + 1];
  if (code === undefined) {
    return fail(i, "%", "is not followed by a date code; write %% for a percent sign");
  }
  if (!Object.hasOwn(DATE_CODES, code)) {
    return fail(i, `%${code}`, `is not a date code; use one of ${DATE_CODE_LIST}`);
  }
  return { code };
}

/** The index of the `}` closing the block opened at `open`. */
function closing(text: string, open: number, fail: Fail): number {
  const close = text.indexOf("}", open);
  const nested = text.indexOf("{", open + 1);
  if (close < 0) return fail(open, text.slice(open), "has no closing }");
  if (nested >= 0 && nested < close && text[open] !== "$") {
    return fail(nested, "{", "opens a block inside a block; write {{ for a literal brace");
  }
  return close;
}

/** The date block `{steps:format}` between `open` and `close`. */
function dateBlock(text: string, open: number, close: number, fail: Fail): TemplatePart {
  const source = text.slice(open, close + 1);
  const colon = text.indexOf(":", open);
  if (colon < 0 || colon > close) {
    return fail(
      open,
      source,
      "is not a date block {steps:format} such as {yesterday:%Y%m%d}; write {{ for a literal brace",
    );
  }
  const steps: DateStep[] = [];
  for (const match of text.slice(open + 1, colon).matchAll(/\S+/g)) {
    const step = parseStep(match[0]);
    if (step === undefined) {
      fail(open + 1 + match.index, match[0], `is not a date step; use ${STEP_FORMS}`);
    }
    steps.push(step as DateStep);
  }
  const format: FormatPiece[] = [];
  for (let i = colon + 1; i < close; ) {
    const c = text[i] as string;
    if (c === "%" && text[i + 1] === "%") {
      format.push("%");
    } else if (c === "%") {
      format.push(dateCode(text.slice(0, close), i, fail));
    } else {
      refuseCharacter(c, i, fail);
      format.push(c);
      i++;
      continue;
    }
    i += 2;
  }
  if (!format.some((piece) => typeof piece !== "string")) {
    fail(open, source, "prints no date; put codes after the colon, such as {yesterday:%Y%m%d}");
  }
  return { kind: "date", steps, format, at: open, source };
}
