/**
 * Proleptic Gregorian date arithmetic on "wall" times.
 *
 * A wall time is a local date and time encoded as the number of milliseconds since
 * 1970-01-01T00:00 *in that same calendar*, i.e. as if the zone were UTC. Keeping wall
 * times as plain numbers lets the matchers work without any zone, and keeps `Date`
 * allocation off the hot path. The algorithms are Howard Hinnant's `days_from_civil`
 * and `civil_from_days`, exact for every year we accept.
 */

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Days since 1970-01-01 of a date; `month` is 1-12. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The civil date of a day number; writes `[year, month 1-12, day 1-31]` into `out`. */
export function civilFromDays(days: number, out: number[]): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  out[0] = yoe + era * 400 + (month <= 2 ? 1 : 0);
  out[1] = month;
  out[2] = day;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Number of days in `month` (1-12) of `year`. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (MONTH_DAYS[month - 1] as number);
}

/** Day of week of a day number, 0 = Sunday … 6 = Saturday. */
export function weekdayOfDays(days: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((days + 4) % 7) + 7) % 7;
}

/** Day of week of a civil date, 0 = Sunday … 6 = Saturday. */
export function weekdayOf(year: number, month: number, day: number): number {
  return weekdayOfDays(daysFromCivil(year, month, day));
}

/** Wall time (ms) of a civil date and time. */
export function wallOf(
  year: number,
  month: number,
  day: number,
  hour = 0,
  minute = 0,
  second = 0,
  ms = 0,
): number {
  return (
    daysFromCivil(year, month, day) * DAY + hour * HOUR + minute * MINUTE + second * SECOND + ms
  );
}

/** The parts of a wall time: `[year, month, day, hour, minute, second, ms]`. */
export function partsOfWall(
  wall: number,
): [number, number, number, number, number, number, number] {
  const days = Math.floor(wall / DAY);
  let rest = wall - days * DAY;
  const out = [0, 0, 0];
  civilFromDays(days, out);
  const hour = Math.floor(rest / HOUR);
  rest -= hour * HOUR;
  const minute = Math.floor(rest / MINUTE);
  rest -= minute * MINUTE;
  const second = Math.floor(rest / SECOND);
  return [
    out[0] as number,
    out[1] as number,
    out[2] as number,
    hour,
    minute,
    second,
    rest - second * SECOND,
  ];
}

/** Rounds a time in ms up to the next whole second (unchanged when already whole). */
export function ceilToSecond(ms: number): number {
  return Math.ceil(ms / SECOND) * SECOND;
}
