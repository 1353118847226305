/**
 * Interval triggers: every N units from an anchor. Seconds, minutes and hours are elapsed
 * time (a two-hourly job stays two hours apart across a DST change); days and longer are
 * counted on the zone's calendar, always as anchor + k·N (never by adding to the previous
 * fire), so a monthly trigger anchored on Jan 31 fires on Feb 28/29, Mar 31, Apr 30.
 */
import { DAY, daysFromCivil, daysInMonth, HOUR, MINUTE, partsOfWall, SECOND } from "./civil.js";
import type { Zone } from "./zone.js";
import type { OverlapMode } from "./zoned-search.js";

export const INTERVAL_UNITS = [
  "seconds",
  "minutes",
  "hours",
  "days",
  "weeks",
  "months",
  "years",
] as const;
export type IntervalUnit = (typeof INTERVAL_UNITS)[number];

const ELAPSED: Partial<Record<IntervalUnit, number>> = {
  seconds: SECOND,
  minutes: MINUTE,
  hours: HOUR,
};
/** The longest one step can take (a DST day, a 31-day month), so estimates of k never overshoot. */
const LONGEST_MS: Record<IntervalUnit, number> = {
  seconds: SECOND,
  minutes: MINUTE,
  hours: HOUR,
  days: DAY + 2 * HOUR,
  weeks: 7 * DAY + 2 * HOUR,
  months: 31 * DAY + 2 * HOUR,
  years: 366 * DAY + 2 * HOUR,
};

export interface IntervalSearch {
  readonly every: number;
  readonly unit: IntervalUnit;
  readonly anchor: number;
  readonly zone: Zone;
  readonly gap: "shift" | "skip";
  readonly overlap: OverlapMode;
}

/** The wall time of fire number `k`, for calendar units. */
function wallOfFire(s: IntervalSearch, anchorParts: number[], k: number): number {
  const [year, month, day, hour, minute, second, ms] = anchorParts as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const timeOfDay = hour * HOUR + minute * MINUTE + second * SECOND + ms;
  if (s.unit === "days" || s.unit === "weeks") {
    const days = daysFromCivil(year, month, day) + k * s.every * (s.unit === "weeks" ? 7 : 1);
    return days * DAY + timeOfDay;
  }
  const months = year * 12 + month - 1 + k * s.every * (s.unit === "years" ? 12 : 1);
  const y = Math.floor(months / 12);
  const m = months - y * 12 + 1;
  return daysFromCivil(y, m, Math.min(day, daysInMonth(y, m))) * DAY + timeOfDay;
}

/** The instants at which fire `k` happens under the DST policy (none, one or two). */
function instantsOfFire(s: IntervalSearch, anchorParts: number[], k: number): number[] {
  const { instants, before } = s.zone.instantsOfWall(wallOfFire(s, anchorParts, k));
  if (instants.length === 0)
    return s.gap === "shift" ? [wallOfFire(s, anchorParts, k) - before] : [];
  if (instants.length === 1 || s.overlap === "both") return instants;
  return [instants[s.overlap === "first" ? 0 : 1] as number];
}

/** The first fire at or after instant `from`. */
export function firstIntervalFireAtOrAfter(s: IntervalSearch, from: number): number {
  const elapsed = ELAPSED[s.unit];
  if (elapsed !== undefined) {
    const step = elapsed * s.every;
    if (from <= s.anchor) return s.anchor;
    return s.anchor + Math.ceil((from - s.anchor) / step) * step;
  }
  const anchorParts = partsOfWall(s.zone.wallAt(s.anchor));
  // Start a little before the estimate: calendar units vary in length.
  let k = Math.max(0, Math.floor((from - s.anchor) / (LONGEST_MS[s.unit] * s.every)) - 2);
  for (;;) {
    for (const instant of instantsOfFire(s, anchorParts, k)) if (instant >= from) return instant;
    k++;
  }
}
