/**
 * Date arithmetic for file names: steps such as `-1d`, `-1M`, `last`, `+1wd`, applied left
 * to right to the run's instant, in the task's zone. Days and longer keep the wall-clock
 * time (so `-1d` across a DST change is 23 or 25 hours); hours and shorter are elapsed
 * time. Days and working days are the calendar's `addDelay` and `isWorkingDay`, so a
 * wall time that a DST change skips moves forward by the gap, and a repeated one takes
 * its first occurrence, as everywhere in Sundial.
 */
import { addDelay, isWorkingDay, type WorkingCalendar, Zone } from "../calendar/index.js";

/** `s` seconds, `m` minutes, `h` hours, `d` days, `wd` working days, `w` weeks, `M` months, `y` years. */
type StepUnit = "s" | "m" | "h" | "d" | "wd" | "w" | "M" | "y";

export type DateStep =
  | { readonly kind: "shift"; readonly amount: number; readonly unit: StepUnit }
  /** The first or last day of the month, at the same wall-clock time. */
  | { readonly kind: "first" | "last" };

// At most 99,999 of a unit, which keeps every result far inside `Date`'s range.
const SHIFT = /^([+-])(\d{1,5})(wd|s|m|h|d|w|M|y)$/;
const NAMED: Readonly<Record<string, DateStep>> = {
  today: { kind: "shift", amount: 0, unit: "d" },
  yesterday: { kind: "shift", amount: -1, unit: "d" },
  tomorrow: { kind: "shift", amount: 1, unit: "d" },
  first: { kind: "first" },
  last: { kind: "last" },
};

/** The words and forms a step may take, for messages. */
export const STEP_FORMS =
  "today, yesterday, tomorrow, first, last, or a signed amount and unit such as -1d, +2wd, -1M (units: s m h d wd w M y; m is minutes, M months)";

/**
 * The step a token stands for, or `undefined` when it is none.
 * @example parseStep("-1M") // { kind: "shift", amount: -1, unit: "M" }
 */
export function parseStep(token: string): DateStep | undefined {
  if (Object.hasOwn(NAMED, token)) return NAMED[token];
  const match = SHIFT.exec(token);
  if (match === null) return undefined;
  const amount = Number(match[2]) * (match[1] === "-" ? -1 : 1);
  return { kind: "shift", amount: amount === 0 ? 0 : amount, unit: match[3] as StepUnit };
}

/**
 * The instant `step` leads to from `instant` (milliseconds), in `calendar`'s zone.
 * @example
 * // Jan 31 minus a month is Dec 31; Mar 31 minus a month is the last day of February.
 * applyStep(Date.UTC(2026, 0, 31, 9), { kind: "shift", amount: -1, unit: "M" }, { timeZone: "UTC" });
 * // Date.UTC(2025, 11, 31, 9)
 */
export function applyStep(instant: number, step: DateStep, calendar: WorkingCalendar): number {
  const zone = { timeZone: calendar.timeZone ?? "UTC" };
  if (step.kind !== "shift") return moveDate(instant, step.kind, 0, zone);
  const { amount, unit } = step;
  switch (unit) {
    case "s":
      return instant + amount * 1000;
    case "m":
      return addDelay(instant, amount, "minutes").getTime();
    case "h":
      return addDelay(instant, amount, "hours").getTime();
    case "d":
      return addDelay(instant, amount, "days", zone).getTime();
    case "w":
      return addDelay(instant, 7 * amount, "days", zone).getTime();
    case "wd":
      return workingDaysFrom(instant, amount, calendar);
    case "M":
    case "y":
      return moveDate(instant, "months", unit === "y" ? 12 * amount : amount, zone);
  }
}

/**
 * The `|amount|`-th working day strictly after (or, negative, before) the local date of
 * `instant`, at the same wall-clock time. Unlike `addDelay`'s `workingDays`, a weekend start
 * counts from itself: the working day before Saturday is Friday, which is what "the
 * previous business day" means in a file name.
 */
function workingDaysFrom(instant: number, amount: number, calendar: WorkingCalendar): number {
  const direction = Math.sign(amount);
  let at = instant;
  for (let left = Math.abs(amount); left > 0; ) {
    at = addDelay(at, direction, "days", calendar).getTime();
    if (isWorkingDay(at, calendar)) left--;
  }
  return at;
}

/** Moves the local date by whole months, or to the month's first or last day, keeping the time. */
function moveDate(
  instant: number,
  move: "months" | "first" | "last",
  months: number,
  zone: { readonly timeZone: string },
): number {
  const wall = new Date(Zone.of(zone.timeZone).wallAt(instant));
  const monthIndex = wall.getUTCFullYear() * 12 + wall.getUTCMonth() + months;
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12;
  const length = daysInMonth(year, month);
  const day = move === "first" ? 1 : move === "last" ? length : Math.min(wall.getUTCDate(), length);
  const target = new Date(0);
  target.setUTCFullYear(year, month, day);
  const days = Math.round((target.getTime() - startOfDay(wall.getTime())) / 86_400_000);
  return addDelay(instant, days, "days", zone).getTime();
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month + 1, 0);
  return date.getUTCDate();
}

function startOfDay(wall: number): number {
  return Math.floor(wall / 86_400_000) * 86_400_000;
}
