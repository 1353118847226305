/**
 * Where our Quartz engine deliberately differs from real Quartz, as a differential test
 * needs to know it: each entry says which cases it covers and what we compute instead,
 * in terms that Quartz itself can check (see test/calendar/quartz-differential.test.ts).
 * docs/triggers.md ("Where Sundial differs from Quartz") is the user-facing version.
 */

import {
  hasSpecialDayInList,
  hasStepOnNames,
  jumpsForward,
  namesToNumbers,
  nearestWeekdayDay,
  nearestWeekdayWhereTheDayExists,
  type Outcome,
  skippedDays,
  splitSpecialDayList,
  startOfNextMonth,
} from "./differential.js";
import { icuOffsetMinutes, transitionsIn } from "./zones.js";

/** Our searches stop at the end of 2099 (MAX_YEAR in src/calendar); Quartz goes on to (now + 100). */
export const OUR_LAST_YEAR = 2099;

/**
 * Where we deliberately differ from Quartz. Each entry covers cases by a precise rule
 * (mostly syntax; never "any difference"), says why, and says what we do instead: reject
 * the expression, or fire exactly as Quartz does on rewritten questions that it answers
 * correctly (their fires merged). A case is explained only if we do exactly that.
 */
export interface KnownDifference {
  readonly name: string;
  /** Why we differ; what a reader needs to accept the entry. */
  readonly why: string;
  /** Whether the entry applies; `quartz` is Quartz's answer to the original case. */
  readonly covers: (q: Question, quartz: Outcome) => boolean;
  readonly ours: "reject" | ((q: Question, quartz: Outcome) => Question[]);
  /** Rewrites normally explain only fires; set this when the entry also covers expressions Quartz refuses. */
  readonly evenWhereQuartzRefuses?: boolean;
}

/** The part of a case that a known difference looks at and may rewrite. */
export interface Question {
  readonly expression: string;
  readonly timeZone: string;
  readonly from: string;
  /** Only Quartz's fires before this instant count (a rewrite valid up to a point). */
  readonly until?: number;
}

/** Lifts a rule about expressions alone to one about questions. */
const onExpression =
  (test: (expression: string) => boolean) =>
  (q: Question, _quartz: Outcome): boolean =>
    test(q.expression);
const rewriteExpression =
  (rewrite: (expression: string) => string[]) =>
  (q: Question): Question[] =>
    rewrite(q.expression).map((expression) => ({ ...q, expression }));

const fieldOf = (expression: string, index: number): string =>
  expression.trim().split(/\s+/)[index] ?? "";
const DAY = 86_400_000;
const DOM = 3;
const MONTH = 4;
const DOW = 5;
const YEAR = 6;

const dayKeyword = (q: Question): boolean =>
  /[LW]/i.test(fieldOf(q.expression, DOM) + fieldOf(q.expression, DOW));

/** The first clock jump forward after Quartz's last fire, when Quartz hung. */
function gapAfterHang(q: Question, quartz: Outcome): number | undefined {
  if (quartz.kind !== "fires" || quartz.incomplete === undefined) return undefined;
  const start = quartz.fires.at(-1) ?? Date.parse(q.from);
  return jumpsForward(q.timeZone, start, start + 400 * DAY)[0];
}

const SECOND = 1000;

/** The zone's transitions (instants at which its offset changes) in [from, to]. */
function transitionsBetween(zone: string, from: number, to: number): number[] {
  const found: number[] = [];
  for (let year = new Date(from).getUTCFullYear(); year <= new Date(to).getUTCFullYear(); year++) {
    for (const t of transitionsIn(zone, year)) if (t >= from && t <= to) found.push(t);
  }
  return found;
}

/** The offset change at transition `t`, in minutes (positive: clocks jump forward). */
const jumpAt = (zone: string, t: number): number =>
  icuOffsetMinutes(zone, t) - icuOffsetMinutes(zone, t - SECOND);

/**
 * When `t` lies in the first pass of a repeated hour: the instant that first pass began
 * (the transition minus the size of the step back).
 */
function firstPassStart(zone: string, t: number): number | undefined {
  const back = transitionsBetween(zone, t, t + 3 * 3_600_000).find((tr) => jumpAt(zone, tr) < 0);
  if (back === undefined) return undefined;
  const start = back + jumpAt(zone, back) * 60_000;
  return t >= start ? start : undefined;
}

/** Forward jumps that land on a wall time off the hour (Lord Howe's 02:30, Chatham's 03:45). */
function gapsEndingOffTheHour(zone: string, from: number, to: number): number[] {
  return transitionsBetween(zone, from, to).filter(
    (t) => jumpAt(zone, t) > 0 && (icuOffsetMinutes(zone, t) + Math.floor(t / 60_000)) % 60 !== 0,
  );
}

/** A Java custom zone of a fixed offset, e.g. `GMT+13:45`. */
function fixedZone(offsetMinutes: number): string {
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  const two = (n: number) => String(n).padStart(2, "0");
  return `GMT${sign}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
}

/** A date the zone skipped, within two months of the start. */
function skippedDayNear(q: Question): number | undefined {
  return skippedDays(q.timeZone, Date.parse(q.from), Date.parse(q.from) + 62 * DAY)[0];
}

export const KNOWN_DIFFERENCES: readonly KnownDifference[] = [
  // Quartz accepts these and then computes something else than they say.
  {
    name: "step on names",
    why:
      "Quartz reads a month or weekday name (or name range) and returns before looking at " +
      "what follows, so `JAN-JUN/2` is JAN-JUN and `MON-FRI/2` is MON-FRI; we honour the " +
      "step, exactly as Quartz does for the same range in numbers.",
    covers: onExpression(hasStepOnNames),
    ours: rewriteExpression((e) => [namesToNumbers(e)]),
  },
  {
    name: "W, L or # in a list",
    why:
      "Quartz keeps one nearest-weekday flag per day-of-month field and one nth value per " +
      "day-of-week field, and applies it to the smallest day only: `1W,15W` fires near the " +
      "1st alone, `15W,20` never on the 20th, `2#1,3` never on a Tuesday. It refuses `L` in " +
      "a list (`L,15`, `6L,2`) and more than one `#`. We fire on every item, as each item " +
      "would on its own (docs/triggers.md, 'Where Sundial differs from Quartz').",
    covers: onExpression(hasSpecialDayInList),
    ours: rewriteExpression(splitSpecialDayList),
    evenWhereQuartzRefuses: true,
  },
  {
    name: "nW past the month's end",
    why:
      "For `nW` in a month without an n-th day Quartz lets java.util.Calendar roll the date " +
      "into the next month and, when that lands on a weekend, fires on a day near the end of " +
      "the short month (29W fired on 28 Feb 2025, because 1 Mar 2025 was a Saturday). We " +
      "skip months that have no n-th day, as Quartz does whenever the roll lands on a weekday.",
    covers: onExpression((e) => (nearestWeekdayDay(e) ?? 0) >= 29),
    ours: rewriteExpression((e) => nearestWeekdayWhereTheDayExists(e, OUR_LAST_YEAR)),
  },
  {
    name: "W against the clock's milliseconds",
    why:
      "To decide whether this month's nearest weekday is still ahead, Quartz builds the " +
      "candidate from Calendar.getInstance(), which keeps the milliseconds of the moment the " +
      "code runs, and compares it with `from` + 1 s. When `from` has milliseconds and the " +
      "fire is less than a second after it, Quartz skips the month or not depending on the " +
      "clock. We fire. With `from` cut to its whole second (which changes no fire, since fires " +
      "fall on whole seconds) Quartz computes what we do, every time.",
    covers: (q) => /W/i.test(fieldOf(q.expression, DOM)) && Date.parse(q.from) % 1000 !== 0,
    ours: (q) => [
      { ...q, from: new Date(Math.floor(Date.parse(q.from) / 1000) * 1000).toISOString() },
    ],
  },
  {
    name: "W or L day in a gap",
    why:
      "Quartz sets the nearest weekday (or last day) on a lenient Calendar and then the hour; " +
      "when that day's matching times lie in a gap (a DST change at midnight, or 30 December " +
      "2011, which Samoa skipped) the Calendar moves them to the next day and Quartz tries the " +
      "same day again, forever. We treat those times like any others in a gap (the quartz " +
      "policy skips them). Quartz's fires before it hung count; from the month after the gap " +
      "on, Quartz agrees with us.",
    covers: (q, quartz) =>
      dayKeyword(q) && quartz.kind === "fires" && gapAfterHang(q, quartz) !== undefined,
    ours: (q, quartz) => [
      {
        ...q,
        from: new Date(startOfNextMonth(q.timeZone, gapAfterHang(q, quartz)!)).toISOString(),
      },
    ],
  },
  {
    name: "a day the zone skipped",
    why:
      "Samoa (Pacific/Apia) skipped 30 December 2011. For `30W` Quartz lets the lenient " +
      "Calendar move the 30th to the 31st, sees a Saturday, and fires on the 29th. The 30th " +
      "has no wall times, so we fire nothing for it, as for any time in a gap. From the next " +
      "month on, Quartz agrees.",
    covers: (q, quartz) => {
      const skip = skippedDayNear(q);
      return (
        dayKeyword(q) &&
        skip !== undefined &&
        quartz.kind === "fires" &&
        quartz.fires.some((t) => Math.abs(t - skip) < 2 * DAY)
      );
    },
    ours: (q) => [
      { ...q, from: new Date(startOfNextMonth(q.timeZone, skippedDayNear(q)!)).toISOString() },
    ],
  },
  {
    name: "start inside a repeated hour",
    why:
      "Asked for the next fire from an instant in the first pass of a repeated hour, Quartz " +
      "moves to the same wall time in the second pass, and so loses every second-pass fire " +
      "at an earlier wall time (from 01:45 EDT on a fall-back night, `0 30 1 * * ?` skips " +
      "01:30 EST and the whole day). Under the quartz policy (`overlap: second`) no fire " +
      "lies in a first pass, so we give what Quartz gives when asked from just before it.",
    covers: (q) => firstPassStart(q.timeZone, Date.parse(q.from)) !== undefined,
    ours: (q) => [
      { ...q, from: new Date(firstPassStart(q.timeZone, Date.parse(q.from))! - 1).toISOString() },
    ],
  },
  {
    name: "a gap that ends off the hour",
    why:
      "Quartz moves a time that falls into a gap forward by the gap's length, and enters each " +
      "new hour at :00; when that :00 is in the gap it skips the whole hour, or the day. Where " +
      "a gap ends on the hour nothing is lost; where it ends off it (Lord Howe 02:00 → 02:30, " +
      "Chatham 02:45 → 03:45), the wall times after the gap that do exist are lost (03:50 on " +
      "Chatham's change day). We fire them: what Quartz gives before the gap, then what it " +
      "gives at the new fixed offset until the next transition, then what it gives from there.",
    covers: (q, quartz) => {
      const from = Date.parse(q.from);
      const last = quartz.kind === "fires" ? (quartz.fires.at(-1) ?? from) : from;
      return gapsEndingOffTheHour(q.timeZone, from, Math.max(last, from + 400 * DAY)).length > 0;
    },
    ours: (q) => {
      const from = Date.parse(q.from);
      const gap = gapsEndingOffTheHour(q.timeZone, from, from + 400 * DAY)[0]!;
      const after =
        transitionsBetween(q.timeZone, gap + SECOND, gap + 400 * DAY)[0] ?? gap + 400 * DAY;
      return [
        { ...q, until: gap },
        {
          ...q,
          timeZone: fixedZone(icuOffsetMinutes(q.timeZone, gap)),
          from: new Date(gap - 1).toISOString(),
          until: after,
        },
        { ...q, from: new Date(after - 1).toISOString() },
      ];
    },
  },
  // Quartz accepts these but reads only part of what is written; we reject them.
  {
    name: "day 0 with W",
    why:
      "Quartz checks only the upper bound of the day before `W`, accepts `0W`, and then " +
      "never returns from getTimeAfter. Day 0 does not exist; we reject it.",
    covers: onExpression((e) => /^0+W$/i.test(fieldOf(e, DOM))),
    ours: "reject",
  },
  {
    name: "letters after a range",
    why:
      "Quartz drops an `L` or `W` that follows a range (`2-6L` is 2-6, `1-5W` is 1-5), and " +
      "reads `L-n` in day-of-week as a bare L (Saturday). We reject rather than guess.",
    covers: onExpression(
      (e) => /\d-\d+[LW]/i.test(fieldOf(e, DOM)) || /\d-\d+L|^L-/i.test(fieldOf(e, DOW)),
    ),
    ours: "reject",
  },
  {
    name: "words for names",
    why: "Quartz reads the first three letters of a name and ignores the rest (`MONDAY`, `MONXYZ`); we reject.",
    covers: onExpression(
      (e) => /[A-Z]{4,}/i.test(fieldOf(e, MONTH)) || /[A-Z]{4,}/i.test(fieldOf(e, DOW)),
    ),
    ours: "reject",
  },
  {
    name: "empty list items",
    why: "Quartz skips empty items (`MON,`, `,MON`, `1,,2`), which are typos more often than not; we reject.",
    covers: onExpression((e) =>
      e
        .trim()
        .split(/\s+/)
        .some((f) => /^,|,$|,,/.test(f)),
    ),
    ours: "reject",
  },
  {
    name: "step 0",
    why: "Quartz takes a step of 0 after `*` as 1 (`*/0` is `*`); we reject a step that never moves.",
    covers: onExpression((e) => /\/0+(?!\d)/.test(e)),
    ours: "reject",
  },
  {
    name: "a step larger than the field after a range",
    why:
      "Quartz limits steps to the field's largest value (59 for seconds, 23 for hours), but " +
      "does not check a step that follows a range: `10-50/60` is accepted and fires at 10 " +
      "only. We apply the same limit everywhere and reject it.",
    covers: onExpression((e) =>
      e
        .trim()
        .split(/\s+/)
        .slice(0, 3)
        .some(
          (field, i) =>
            /\d-\d+\/(\d+)/.test(field) && Number(/\/(\d+)/.exec(field)?.[1]) > (i === 2 ? 23 : 59),
        ),
    ),
    ours: "reject",
  },
  {
    name: "more than 7 fields",
    why: "Quartz ignores every field after the seventh; we reject, so a pasted extra field is not silently lost.",
    covers: onExpression((e) => e.trim().split(/\s+/).length > 7),
    ours: "reject",
  },
  {
    name: "years outside 1970-2099",
    why:
      `Quartz accepts any year, fires in none before 1970 and none after (its start-up year + 100); ` +
      `our searches end with ${OUR_LAST_YEAR}, so we reject years outside 1970-${OUR_LAST_YEAR} ` +
      "instead of accepting a schedule that never fires.",
    covers: onExpression((e) =>
      fieldOf(e, YEAR)
        .split(",")
        .flatMap((item) => (item.split("/")[0] ?? "").match(/\d+/g) ?? [])
        .some((y) => Number(y) < 1970 || Number(y) > OUR_LAST_YEAR),
    ),
    ours: "reject",
  },
];

/** Cases whose difference lies outside the engines. */
export const OUTSIDE_THE_ENGINES = {
  horizon:
    `Quartz computes up to (its start-up year + 100); our searches end with ${OUR_LAST_YEAR}. ` +
    `Fires after ${OUR_LAST_YEAR} are not compared.`,
  zoneData:
    "Quartz uses java.util.TimeZone (the JDK's tzdb, with explicit transitions only up to 2037) " +
    "and we use ICU's; where their offsets disagree at the start or at any fire, the case tests " +
    "the zone databases, not the engines.",
} as const;

/**
 * The known differences that cover a case, and what they say we do: reject it, or fire as
 * Quartz does on the rewritten questions. Where Quartz rejects an expression and we accept
 * it, only entries marked `evenWhereQuartzRefuses` apply.
 */
export function knownFor(
  c: Question,
  quartz: Outcome,
): { names: string[]; ours: "reject" | Question[] } {
  const names: string[] = [];
  let questions: Question[] = [{ expression: c.expression, timeZone: c.timeZone, from: c.from }];
  for (const k of KNOWN_DIFFERENCES) {
    const covers = (q: Question) => k.covers(q, quartz);
    if (!questions.some(covers)) continue;
    if (k.ours === "reject") return { names: [k.name], ours: "reject" };
    if (quartz.kind === "rejected" && !k.evenWhereQuartzRefuses) continue;
    names.push(k.name);
    const rewrite = k.ours;
    questions = questions.flatMap((q) => (covers(q) ? rewrite(q, quartz) : [q]));
  }
  return { names, ours: questions };
}
