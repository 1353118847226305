/**
 * Reading instants from user input. A time with an offset or `Z` is an instant; a local
 * date-time without one (`2026-12-01T09:00`) is a wall time in the trigger's zone, which
 * is what a person filling in a start time means.
 */
import { wallOf } from "./civil.js";
import { invalid } from "./trigger-error.js";
import type { Zone } from "./zone.js";

export type InstantInput = Date | number | string;

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * The instant (ms) that `input` names, reading local date-times in `zone`.
 * @example parseInstant("2026-03-29T01:30", "startTime", Zone.of("Europe/London"))
 */
export function parseInstant(input: InstantInput, field: string, zone: Zone): number {
  if (input instanceof Date) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) invalid(field, String(input), "is an invalid Date");
    return ms;
  }
  if (typeof input === "number") {
    if (!Number.isFinite(input))
      invalid(field, String(input), "is not a finite number of milliseconds");
    return Math.trunc(input);
  }
  if (typeof input !== "string")
    return invalid(
      field,
      String(input),
      "is not a date; use ISO 8601, e.g.",
      "2026-12-01T09:00:00Z",
    );
  const m = ISO.exec(input.trim());
  if (!m)
    return invalid(
      field,
      input,
      "is not an ISO 8601 date-time, e.g.",
      "2026-12-01T09:00:00Z or 2026-12-01T09:00",
    );
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) =>
    Number(m[i] ?? 0),
  ) as [number, number, number, number, number, number];
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  const wall = wallOf(year, month, day, hour, minute, second, ms);
  const back = new Date(wall);
  if (
    month < 1 ||
    month > 12 ||
    back.getUTCDate() !== day ||
    back.getUTCMonth() + 1 !== month ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    invalid(field, input, "is not a real date and time");
  }
  const zoneText = m[8];
  if (zoneText === undefined) {
    const { instants, before } = zone.instantsOfWall(wall);
    return instants[0] ?? wall - before;
  }
  if (zoneText.toUpperCase() === "Z") return wall;
  const digits = zoneText.replace(":", "");
  const sign = digits.startsWith("-") ? -1 : 1;
  const offset = sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5))) * 60_000;
  return wall - offset;
}
