/**
 * Turning wall-clock matches into instants in a zone, under a DST policy.
 *
 * Between two offset transitions a zone's wall clock and UTC differ by a constant, so a
 * search inside that stretch is a plain wall-clock search. The policy only matters at the
 * edges of a stretch:
 * - after a backward transition (overlap) the stretch starts with wall times already shown
 *   once; policy `first` skips them there, and policy `second` skips them at the end of
 *   the stretch before;
 * - after a forward transition (gap) the wall times that never showed are fired, under
 *   `shift`, at the offset from before the jump, which lands them just after it.
 * The stretch containing `from` is searched; if its first match lies beyond its end, the
 * search moves to the next stretch.
 */

import { type CalendarFields, type DayMaskCache, nextMatchingWall } from "./calendar-fields.js";
import { ceilToSecond, DAY } from "./civil.js";
import type { Zone } from "./zone.js";

export type OverlapMode = "first" | "second" | "both";

export interface ZonedSearch {
  readonly fields: CalendarFields;
  readonly cache: DayMaskCache;
  readonly zone: Zone;
  readonly gap: "shift" | "skip";
  readonly overlap: OverlapMode;
  readonly maxYear: number;
}

/** Transitions are never more than a day apart in size (Samoa skipped exactly one day). */
const LOOK = 2 * DAY;
/** Every stretch visited costs one search; more than this means the fields never match. */
const MAX_STRETCHES = 4096;

/** The first fire at or after instant `from` (ms), or `undefined` when there is none. */
export function firstFireAtOrAfter(search: ZonedSearch, from: number): number | undefined {
  const { fields, cache, zone, gap, overlap, maxYear } = search;
  // The wall search result for the last lower bound: walls in [knownLow, knownWall) don't match.
  let knownLow = Number.NaN;
  let knownWall: number | undefined;
  const wallSearch = (low: number): number | undefined => {
    if (low >= knownLow && (knownWall === undefined || low <= knownWall)) return knownWall;
    knownLow = low;
    knownWall = nextMatchingWall(fields, low, cache, maxYear);
    return knownWall;
  };

  let t = from;
  for (let stretch = 0; stretch < MAX_STRETCHES; stretch++) {
    const offset = zone.offsetAt(t);
    const prev = zone.transitionAtOrBefore(t, t - LOOK);
    let best: number | undefined;

    // Wall times that never showed, fired just after the jump under `shift`.
    if (prev !== undefined && prev.after > prev.before && gap === "shift") {
      const gapEnd = prev.at + prev.after;
      if (t < prev.at + (prev.after - prev.before)) {
        const w = nextMatchingWall(
          fields,
          Math.max(prev.at + prev.before, ceilToSecond(t + prev.before)),
          cache,
          maxYear,
        );
        if (w !== undefined && w < gapEnd) best = w - prev.before;
      }
    }

    let low = ceilToSecond(t + offset);
    if (prev !== undefined && prev.after < prev.before && overlap === "first") {
      low = Math.max(low, prev.at + prev.before);
    }
    const wall = wallSearch(low);
    const instant = wall === undefined ? undefined : wall - offset;
    const next = zone.transitionAfter(t, (instant ?? t) + LOOK);
    let inStretch = instant !== undefined && (next === undefined || instant < next.at);
    if (
      inStretch &&
      next !== undefined &&
      overlap === "second" &&
      next.after < next.before &&
      (wall as number) >= next.at + next.after
    ) {
      inStretch = false; // fires in the repeated hour after the transition instead
    }
    if (inStretch && (best === undefined || (instant as number) < best)) best = instant;
    if (best !== undefined) return best;
    if (next === undefined) return undefined;
    t = next.at;
  }
  return undefined;
}
