/**
 * The fixed corpus for bench/calendar/run.js: plain expressions of the kind people put in
 * crontabs and Quartz schedules, each written so that Sundial, croner and cron-parser all
 * read it the same way:
 * - 5 fields are Unix cron; 6 fields are Quartz with seconds first and `?` in one day
 *   field. Quartz days of week are given by name, because Quartz numbers them 1-7 from
 *   Sunday while croner and cron-parser number them 0-6.
 * - day-of-month and day-of-week are never both restricted, where the libraries' rules
 *   (Vixie's OR, Quartz's `?`) differ.
 * - no L, W, # or year field: those are not "plain", and not every peer has them.
 */

/**
 * Every sequence starts here, so that all libraries compute the same fires: the night
 * London's clocks go forward, so that sequences in that zone meet a DST change early.
 */
export const START = Date.UTC(2026, 2, 29);

/**
 * Successive fires per sequence. The peers take from 10 µs to 2 ms a fire (cron-parser
 * in a DST zone), so 10,000 fires over the whole corpus in two zones would take minutes.
 */
export const FIRES = 500;

/** A zone without offset changes, and one with DST (gap in March, overlap in October). */
export const ZONES = ["UTC", "Europe/London"];

/**
 * `fires` is lowered where the default would run past 2099, the last year Sundial
 * searches (Quartz's limit); a sequence that ends early would be a shorter benchmark.
 */
export const CORPUS = [
  { label: "every minute", expression: "* * * * *" },
  { label: "every 5 minutes", expression: "*/5 * * * *" },
  { label: "every 2 hours", expression: "0 */2 * * *" },
  { label: "daily 10:15", expression: "15 10 * * *" },
  { label: "daily 01:30 (in London's gap/overlap)", expression: "30 1 * * *" },
  { label: "weekdays 06:00", expression: "0 6 * * 1-5" },
  { label: "hourly 9-17 on weekdays", expression: "0 9-17 * * 1-5" },
  { label: "half-hourly 8-18", expression: "0,30 8-18 * * *" },
  { label: "Sundays 00:00", expression: "0 0 * * 0" },
  { label: "1st and 15th 12:00", expression: "0 12 1,15 * *" },
  { label: "1st of month 02:30", expression: "30 2 1 * *" },
  { label: "1 January 00:00", expression: "0 0 1 1 *", fires: 70 },
  { label: "every second", expression: "* * * * * ?" },
  { label: "every minute (6 fields)", expression: "0 * * * * ?" },
  { label: "every 15 min at :30 s", expression: "30 */15 * * * ?" },
  { label: "every 10 s, 9-17 weekdays", expression: "*/10 * 9-17 ? * MON-FRI" },
  { label: "weekdays 06:00 (6 fields)", expression: "0 0 6 ? * MON-FRI" },
  { label: "daily 10:15 (6 fields)", expression: "0 15 10 * * ?" },
  { label: "Sundays 12:00 (6 fields)", expression: "0 0 12 ? * SUN" },
  { label: "1st of month 02:30 (6 fields)", expression: "0 30 2 1 * ?" },
];

const pick = (list, i) => list[i % list.length];

/**
 * The `i`th of a family of distinct expressions, for the memory measurement: varied so
 * that no library can share one parsed object between equal strings, and built fresh so
 * that every string is its own heap object (the caller keeps them all, and so does not
 * count them against any library).
 */
export function variedExpression(i) {
  const m = i % 60;
  const h = (i >> 3) % 24;
  switch (i % 8) {
    case 0:
      return `${m} ${h} * * *`;
    case 1:
      return `*/${pick([2, 3, 5, 10, 15, 20, 30], i)} * * * *`;
    case 2:
      return `${m} ${h} * * 1-5`;
    case 3:
      return `${m} ${h} ${1 + (i % 28)} * *`;
    case 4:
      return `${m} */${pick([2, 3, 4, 6, 8, 12], i)} * * *`;
    case 5:
      return `0 ${m} ${h} ? * ${pick(["MON-FRI", "SAT,SUN", "MON", "FRI"], i)}`;
    case 6:
      return `${m} */${pick([5, 10, 15, 30], i)} * * * ?`;
    default:
      return `0 ${m} ${h} ${1 + (i % 28)} * ?`;
  }
}
