/**
 * Time zones for differential tests: the zones that trip schedulers up, their offsets and
 * transitions straight from ICU (so that test inputs do not depend on the engine under
 * test), and start instants biased towards their daylight-saving transitions.
 */
import fc from "fast-check";

const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/**
 * Zones whose rules trip schedulers up: half-hour and 45-minute DST or offsets, midnight
 * transitions, a skipped day (Apia, 2011), abolished DST (Tehran, Sao Paulo), DST
 * suspended for Ramadan (Casablanca), southern-hemisphere rules.
 */
export const INTERESTING_ZONES = [
  "UTC",
  "Europe/London",
  "America/New_York",
  "America/Santiago",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Apia",
  "Asia/Kathmandu",
  "Europe/Berlin",
  "America/Sao_Paulo",
  "Asia/Tehran",
  "Africa/Casablanca",
] as const;

const FIRST_YEAR = 1995;
const LAST_YEAR = 2060;
/**
 * The JDK's java.util.TimeZone (which Quartz uses) keeps explicit transitions only up to
 * 2037; Casablanca's Ramadan changes after that exist in ICU's data but not in the JDK's,
 * so later starts there would test the zone databases rather than the engines.
 */
const LAST_YEAR_BY_ZONE: Readonly<Record<string, number>> = { "Africa/Casablanca": 2036 };

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The zone's UTC offset in minutes at instant `t`, straight from ICU, so that start
 * instants do not depend on the engine under test.
 */
export function icuOffsetMinutes(zone: string, t: number): number {
  let format = offsetFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
    offsetFormats.set(zone, format);
  }
  const name = format.formatToParts(t).find((p) => p.type === "timeZoneName")?.value;
  if (name === "GMT") return 0;
  // ICU may write the minus sign as U+2212.
  const m = /^GMT([+\-\u2212])(\d{2}):(\d{2})$/.exec(name ?? "");
  if (!m)
    throw new Error(`unexpected offset "${name}" for ${zone} at ${new Date(t).toISOString()}`);
  return (m[1] === "+" ? 1 : -1) * (Number(m[2]) * 60 + Number(m[3]));
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const transitionCache = new Map<string, number[]>();

/**
 * The instants (ms) in UTC year `year` at which `zone` changes its offset. A weekly sample
 * then a bisection to the second: none of these zones changes twice within a week.
 */
export function transitionsIn(zone: string, year: number): number[] {
  const key = `${zone} ${year}`;
  const known = transitionCache.get(key);
  if (known) return known;
  const found: number[] = [];
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  let t = start;
  let offset = icuOffsetMinutes(zone, t);
  while (t < end) {
    const next = Math.min(t + 7 * DAY_MS, end);
    const nextOffset = icuOffsetMinutes(zone, next);
    if (nextOffset !== offset) {
      let lo = t;
      let hi = next;
      while (hi - lo > 1000) {
        const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
        if (icuOffsetMinutes(zone, mid) === offset) lo = mid;
        else hi = mid;
      }
      found.push(hi);
    }
    t = next;
    offset = nextOffset;
  }
  transitionCache.set(key, found);
  return found;
}

/** The n-th (1-based) or, for n = -1, the last Sunday of a month, as a UTC date (ms). */
function sundayOf(year: number, month: number, n: number): number {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return Date.UTC(year, month, 1 + ((7 - first) % 7) + 7 * (n - 1));
  }
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay());
}

/** The Sundays on which DST rules of the last decades have changed clocks, by month. */
const RULE_SUNDAYS: readonly (readonly [month: number, nth: number])[] = [
  [2, -1], // last Sunday of March (EU)
  [9, -1], // last Sunday of October (EU)
  [2, 2], // second Sunday of March (US)
  [10, 1], // first Sunday of November (US)
  [3, 1], // first Sunday of April (Australia, New Zealand, Chile)
  [8, -1], // last Sunday of September (New Zealand)
  [9, 1], // first Sunday of October (Australia)
  [8, 1], // first Sunday of September (Chile)
  [9, 3], // third Sunday of October (Brazil, until 2019)
  [1, 3], // third Sunday of February (Brazil)
];

/**
 * A start instant: near one of the zone's real transitions (or, in a year without any,
 * near a rule Sunday), near a Sunday on which DST rules commonly change clocks (local
 * 00:00-04:00), or anywhere in 1995-2060.
 */
export function startInstant(zone: string): fc.Arbitrary<number> {
  const lastYear = LAST_YEAR_BY_ZONE[zone] ?? LAST_YEAR;
  const year = fc.integer({ min: FIRST_YEAR, max: lastYear });
  const nearRuleSunday = (
    y: number,
    rule: readonly [number, number],
    hour: number,
    delta: number,
  ) => {
    const localWall = sundayOf(y, rule[0], rule[1]) + hour * HOUR_MS;
    return localWall - icuOffsetMinutes(zone, localWall) * 60_000 + delta;
  };
  const rule = fc.constantFrom(...RULE_SUNDAYS);
  const hour = fc.integer({ min: 0, max: 4 });
  return fc.oneof(
    w(
      3,
      fc.tuple(year, fc.nat(), rule, hour, nearOffset).map(([y, pick, r, h, delta]) => {
        const transitions = transitionsIn(zone, y);
        if (transitions.length === 0) return nearRuleSunday(y, r, h, delta);
        return transitions[pick % transitions.length]! + delta;
      }),
    ),
    w(
      2,
      fc
        .tuple(year, rule, hour, nearOffset)
        .map(([y, r, h, delta]) => nearRuleSunday(y, r, h, delta)),
    ),
    w(2, fc.integer({ min: Date.UTC(FIRST_YEAR, 0, 1), max: Date.UTC(lastYear + 1, 0, 1) - 1 })),
  );
}

/**
 * How far before or after the chosen instant to start: exactly on it, a second either
 * side, inside the hour that repeats or is skipped, or up to six days before so that
 * daily and weekly fires walk across the change.
 */
const nearOffset: fc.Arbitrary<number> = fc.oneof(
  w(
    2,
    fc.constantFrom(
      0,
      -1000,
      1000,
      -1,
      -HOUR_MS,
      -HOUR_MS / 2,
      HOUR_MS / 2,
      -HOUR_MS - 1000,
      -45 * 60_000,
    ),
  ),
  w(
    3,
    fc.integer({ min: -26 * 60, max: 2 * 60 }).map((m) => m * 60_000),
  ),
  w(2, fc.integer({ min: -26 * HOUR_MS, max: 2 * HOUR_MS })),
  w(
    2,
    fc.integer({ min: -6 * 24, max: 0 }).map((h) => h * HOUR_MS),
  ),
);

/** A zone and a start instant in it (ISO UTC with milliseconds). */
export const zonedStart: fc.Arbitrary<{ timeZone: string; from: string }> = fc
  .constantFrom(...INTERESTING_ZONES)
  .chain((timeZone) =>
    startInstant(timeZone).map((t) => ({ timeZone, from: new Date(t).toISOString() })),
  );
