/**
 * How the CLI shows a fire to a person: the wall time in the trigger's zone, with the
 * offset (which tells the two 01:30s of a fall-back night apart) and, where ICU knows one,
 * the zone's abbreviation (EST, BST, CET).
 */
import { Zone } from "../calendar/index.js";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

/** `+01:00`, `-05:00`, or `+00:19:32` for the odd historical offset with seconds. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const total = Math.round(Math.abs(offsetMs) / 1000);
  const seconds = total % 60;
  const text = `${sign}${pad(Math.floor(total / 3600))}:${pad(Math.floor(total / 60) % 60)}`;
  return seconds === 0 ? text : `${text}:${pad(seconds)}`;
}

export class WallTimeFormat {
  private readonly zone: Zone;
  // en-US knows the North American abbreviations and en-GB the European ones; where
  // neither has letters (it says "GMT+9"), the offset alone is clearer.
  private readonly namers: readonly Intl.DateTimeFormat[];

  constructor(timeZone: string) {
    this.zone = Zone.of(timeZone);
    this.namers = ["en-US", "en-GB"].map(
      (locale) =>
        new Intl.DateTimeFormat(locale, { timeZone: this.zone.name, timeZoneName: "short" }),
    );
  }

  /**
   * @example new WallTimeFormat("America/New_York").format(Date.UTC(2026, 10, 1, 5, 30))
   *   // "Sun 2026-11-01 01:30:00 -04:00 EDT"
   */
  format(instant: number): string {
    const offset = this.zone.offsetAt(instant);
    const wall = new Date(instant + offset);
    const date = `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())}`;
    const time = `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}`;
    const ms = wall.getUTCMilliseconds();
    const fraction = ms === 0 ? "" : `.${pad(ms, 3)}`;
    const name = this.abbreviation(instant);
    const weekday = WEEKDAYS[wall.getUTCDay()] as string;
    return `${weekday} ${date} ${time}${fraction} ${formatOffset(offset)}${name ? ` ${name}` : ""}`;
  }

  private abbreviation(instant: number): string | undefined {
    for (const namer of this.namers) {
      const name = namer.formatToParts(instant).find((p) => p.type === "timeZoneName")?.value;
      if (name !== undefined && /^[A-Z]{2,5}$/.test(name)) return name;
    }
    return undefined;
  }
}
