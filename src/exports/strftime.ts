/**
 * strftime-style date codes for file names, in English and independent of the process's
 * locale, so that a file is named the same on every node.
 */

/** A moment as the zone's clocks show it. */
export interface LocalMoment {
  /** The local date and time as milliseconds since 1970 counted as if the zone were UTC. */
  readonly wall: number;
  /** The zone's UTC offset at that moment, in milliseconds. */
  readonly offset: number;
}

const DAY = 86_400_000;
/** English names, from ICU's en-US data rather than the process's locale. */
const names = (options: Intl.DateTimeFormatOptions) => {
  const format = new Intl.DateTimeFormat("en-US", { ...options, timeZone: "UTC" });
  return (date: Date) => format.format(date);
};

const pad = (value: number, width = 2): string => String(value).padStart(width, "0");

/** The ISO 8601 week-numbering year and week of a wall time (weeks start on Monday). */
function isoWeek(date: Date): { year: number; week: number } {
  // The Thursday of the same ISO week decides its year.
  const thursday = new Date(date.getTime() + (3 - ((date.getUTCDay() + 6) % 7)) * DAY);
  const year = thursday.getUTCFullYear();
  const january1 = new Date(0);
  january1.setUTCFullYear(year, 0, 1);
  return { year, week: 1 + Math.floor((thursday.getTime() - january1.getTime()) / DAY / 7) };
}

function dayOfYear(date: Date): number {
  const january1 = new Date(0);
  january1.setUTCFullYear(date.getUTCFullYear(), 0, 1);
  return 1 + Math.floor((date.getTime() - january1.getTime()) / DAY);
}

/** What each code prints; the keys are the codes after `%`. */
export const DATE_CODES: Readonly<Record<string, (date: Date, moment: LocalMoment) => string>> = {
  Y: (d) => pad(d.getUTCFullYear(), 4),
  y: (d) => pad(d.getUTCFullYear() % 100),
  m: (d) => pad(d.getUTCMonth() + 1),
  d: (d) => pad(d.getUTCDate()),
  H: (d) => pad(d.getUTCHours()),
  I: (d) => pad(((d.getUTCHours() + 11) % 12) + 1),
  p: (d) => (d.getUTCHours() < 12 ? "AM" : "PM"),
  M: (d) => pad(d.getUTCMinutes()),
  S: (d) => pad(d.getUTCSeconds()),
  j: (d) => pad(dayOfYear(d), 3),
  a: names({ weekday: "short" }),
  A: names({ weekday: "long" }),
  b: names({ month: "short" }),
  B: names({ month: "long" }),
  u: (d) => String(((d.getUTCDay() + 6) % 7) + 1),
  w: (d) => String(d.getUTCDay()),
  V: (d) => pad(isoWeek(d).week),
  G: (d) => pad(isoWeek(d).year, 4),
  F: (d, moment) => ["Y", "m", "d"].map((code) => DATE_CODES[code]?.(d, moment)).join("-"),
  s: (_, moment) => String(Math.floor((moment.wall - moment.offset) / 1000)),
  z: (_, moment) => {
    const minutes = Math.round(Math.abs(moment.offset) / 60_000);
    return `${moment.offset < 0 ? "-" : "+"}${pad(Math.floor(minutes / 60))}${pad(minutes % 60)}`;
  },
};

/** The codes, as a message lists them. */
export const DATE_CODE_LIST = Object.keys(DATE_CODES)
  .map((code) => `%${code}`)
  .concat("%%")
  .join(" ");

/**
 * Prints `pieces` (literal text, or `{ code }` for a `%` code) for a local moment.
 * @example formatMoment(["day ", { code: "d" }], { wall: Date.UTC(2026, 2, 29), offset: 0 }) // "day 29"
 */
export function formatMoment(
  pieces: readonly (string | { readonly code: string })[],
  moment: LocalMoment,
): string {
  const date = new Date(moment.wall);
  let text = "";
  for (const piece of pieces) {
    text += typeof piece === "string" ? piece : (DATE_CODES[piece.code]?.(date, moment) ?? "");
  }
  return text;
}
