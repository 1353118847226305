/**
 * IANA time zones as tables of offset transitions.
 *
 * The only zone data a Node process has is ICU's, reachable through `Intl`, which answers
 * "what is the offset at instant t" at about 2 µs a call: far too slow to ask for every
 * fire. So each zone's transitions are found once per UTC year (sampling the offset every
 * few days, then bisecting each change to the second) and kept; every later question is
 * a lookup in a short sorted array.
 */
import { civilFromDays, DAY, daysFromCivil } from "./civil.js";
import { TriggerError } from "./trigger-error.js";

/** A change of UTC offset at instant `at` (ms), from `before` to `after` (both in ms). */
export interface Transition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

interface YearTable {
  /** The offset in force at the first instant of the year. */
  readonly startOffset: number;
  readonly transitions: readonly Transition[];
}

/**
 * Sampling step for finding transitions. No zone since 1970 has changed its offset and
 * changed it back within two days (checked against ICU over every zone, 1970-2100, every
 * six hours; test/calendar/zone.test.ts keeps a faster subset of that check).
 */
const SAMPLE_STEP = 2 * DAY;
const SECOND = 1000;

const zones = new Map<string, Zone>();

export class Zone {
  /** The canonical IANA name, as ICU spells it. */
  readonly name: string;
  private readonly format: Intl.DateTimeFormat | null;
  private readonly years = new Map<number, YearTable>();
  private readonly scratch = [0, 0, 0];
  // The segment of constant offset that the last offsetAt() fell in.
  private segStart = 1;
  private segEnd = 0;
  private segOffset = 0;

  private constructor(name: string, format: Intl.DateTimeFormat | null) {
    this.name = name;
    this.format = format;
  }

  /**
   * The zone named `name` (any IANA name, or `UTC`). Zones are shared and cached.
   * @throws TriggerError `invalidTimeZone` for a name ICU does not know.
   * @example Zone.of("Europe/London").offsetAt(Date.UTC(2026, 6, 1)) // 3600000
   */
  static of(name: string): Zone {
    const known = zones.get(name);
    if (known) return known;
    let zone: Zone;
    if (name === "UTC" || name === "Etc/UTC" || name === "GMT" || name === "Z") {
      zone = new Zone("UTC", null);
    } else {
      let format: Intl.DateTimeFormat;
      try {
        format = new Intl.DateTimeFormat("en-US", { timeZone: name, timeZoneName: "longOffset" });
      } catch {
        throw new TriggerError(
          "invalidTimeZone",
          `timeZone: "${name}" is not an IANA time zone (for example Europe/London, America/New_York, UTC)`,
          { field: "timeZone", text: name, allowed: "an IANA time zone name" },
        );
      }
      zone = new Zone(format.resolvedOptions().timeZone, format);
    }
    zones.set(name, zone);
    return zone;
  }

  /** True when the zone has one fixed offset (UTC). */
  get isFixed(): boolean {
    return this.format === null;
  }

  /** Asks ICU for the offset at an instant; slow, used only to build the tables. */
  private intlOffset(instant: number): number {
    if (this.format === null) return 0;
    const text = this.format.format(instant);
    const at = text.lastIndexOf("GMT");
    if (at < 0 || at + 3 >= text.length) return 0;
    const sign =
      text.charCodeAt(at + 3) === 45 /* - */ || text.charCodeAt(at + 3) === 0x2212 ? -1 : 1;
    const parts = text.slice(at + 4).split(":");
    const h = Number(parts[0] ?? 0);
    const m = Number(parts[1] ?? 0);
    const s = Number(parts[2] ?? 0);
    return sign * ((h * 60 + m) * 60 + s) * SECOND;
  }

  private yearOf(instant: number): number {
    civilFromDays(Math.floor(instant / DAY), this.scratch);
    return this.scratch[0] as number;
  }

  private table(year: number): YearTable {
    const known = this.years.get(year);
    if (known) return known;
    const start = daysFromCivil(year, 1, 1) * DAY;
    const end = daysFromCivil(year + 1, 1, 1) * DAY;
    const startOffset = this.intlOffset(start);
    const transitions: Transition[] = [];
    if (this.format !== null) {
      let prevAt = start;
      let prevOffset = startOffset;
      for (let t = Math.min(start + SAMPLE_STEP, end); ; t = Math.min(t + SAMPLE_STEP, end)) {
        const offset = this.intlOffset(t);
        if (offset !== prevOffset) {
          // Bisect to the first second at which the new offset holds.
          let lo = prevAt;
          let hi = t;
          while (hi - lo > SECOND) {
            const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
            if (this.intlOffset(mid) === prevOffset) lo = mid;
            else hi = mid;
          }
          const after = this.intlOffset(hi);
          transitions.push({ at: hi, before: prevOffset, after });
          prevOffset = after;
          prevAt = hi;
          // A second change inside the same step would be missed; resume from the transition.
          t = hi;
          continue;
        }
        prevAt = t;
        if (t >= end) break;
      }
    }
    const table = { startOffset, transitions };
    this.years.set(year, table);
    return table;
  }

  /**
   * The UTC offset (ms) in force at `instant`.
   * @example Zone.of("America/New_York").offsetAt(Date.UTC(2026, 0, 1)) // -18000000
   */
  offsetAt(instant: number): number {
    if (instant >= this.segStart && instant < this.segEnd) return this.segOffset;
    if (this.format === null) return 0;
    const year = this.yearOf(instant);
    const table = this.table(year);
    let offset = table.startOffset;
    let segStart = daysFromCivil(year, 1, 1) * DAY;
    let segEnd = daysFromCivil(year + 1, 1, 1) * DAY;
    for (const tr of table.transitions) {
      if (tr.at <= instant) {
        offset = tr.after;
        segStart = tr.at;
      } else {
        segEnd = tr.at;
        break;
      }
    }
    this.segStart = segStart;
    this.segEnd = segEnd;
    this.segOffset = offset;
    return offset;
  }

  /** The wall time (see civil.ts) that the zone's clocks show at `instant`. */
  wallAt(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /** The first transition strictly after `instant` and at or before `limit`, if any. */
  transitionAfter(instant: number, limit: number): Transition | undefined {
    if (this.format === null) return undefined;
    const last = this.yearOf(limit);
    for (let year = this.yearOf(instant); year <= last; year++) {
      for (const tr of this.table(year).transitions) {
        if (tr.at > limit) return undefined;
        if (tr.at > instant) return tr;
      }
    }
    return undefined;
  }

  /** The last transition at or before `instant` and after `since`, if any. */
  transitionAtOrBefore(instant: number, since: number): Transition | undefined {
    if (this.format === null) return undefined;
    const first = this.yearOf(since);
    for (let year = this.yearOf(instant); year >= first; year--) {
      const list = this.table(year).transitions;
      for (let i = list.length - 1; i >= 0; i--) {
        const tr = list[i] as Transition;
        if (tr.at <= since) return undefined;
        if (tr.at <= instant) return tr;
      }
    }
    return undefined;
  }

  /**
   * The instants at which the zone's clocks show `wall`, ascending: one normally, none in
   * a gap (spring forward), two in an overlap (fall back). `before` is the offset in force
   * just before the nearest transition, which is how a gap time is shifted forward.
   */
  instantsOfWall(wall: number): { instants: number[]; before: number } {
    const before = this.offsetAt(wall - DAY - 14 * 3_600_000);
    const after = this.offsetAt(wall + DAY + 14 * 3_600_000);
    const instants: number[] = [];
    for (const offset of before === after ? [before] : [before, after]) {
      const instant = wall - offset;
      if (this.offsetAt(instant) === offset) instants.push(instant);
    }
    instants.sort((a, b) => a - b);
    return { instants, before };
  }
}
