/**
 * Properties of every field-based trigger, checked by brute force. Under the policy
 * `{ gap: "skip", overlap: "both" }` the fires are exactly the whole seconds whose wall
 * clock matches the fields, which gives an oracle independent of the search: walk every
 * second between t and next(t) and check none matches.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CalendarFields, matchesWall } from "../../src/calendar/calendar-fields.js";
import { type DstOption, parseTrigger, Zone } from "../../src/calendar/index.js";

const ZONES = [
  "UTC",
  "Europe/London",
  "America/New_York",
  "America/Santiago",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Asia/Kathmandu",
  "Pacific/Apia",
];

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
const quartz = fc
  .record({
    second: pick("0", "*/15", "*", "5,35", "50-10/7"),
    minute: pick("0", "*", "*/10", "0/30", "15,45", "58-2"),
    hour: pick("*", "0-3", "1,2", "*/6", "23-1", "9-17"),
    days: pick(
      ["*", "?"],
      ["?", "*"],
      ["L", "?"],
      ["15W", "?"],
      ["LW", "?"],
      ["1,15,L", "?"],
      ["?", "MON-FRI"],
      ["?", "FRI-MON"],
      ["?", "6L"],
      ["?", "1#2"],
      ["29", "?"],
      ["L-2", "?"],
    ),
    month: pick("*", "*", "3,10,11", "JAN-MAR", "NOV-FEB", "2"),
  })
  .map((f) => `${f.second} ${f.minute} ${f.hour} ${f.days[0]} ${f.month} ${f.days[1]}`);
const unix = fc
  .record({
    minute: pick("*", "0", "*/5", "30", "0,30"),
    hour: pick("*", "1-3", "*/2", "0"),
    dom: pick("*", "1", "*/2", "13", "1-7"),
    month: pick("*", "*/3", "3,11"),
    dow: pick("*", "0", "5", "1-5", "6,7"),
  })
  .map((f) => `${f.minute} ${f.hour} ${f.dom} ${f.month} ${f.dow}`);
const calendar = fc
  .record({
    hour: pick("*", "1-3", "22-2", "8-17"),
    minute: pick("0", "*/20", "15,45"),
    second: pick("0", "30/15"),
    day: pick(
      "",
      "; dayOfWeek=Mon-Fri",
      "; dayOfMonth=Last",
      "; dayOfMonth=2nd Sun",
      "; dayOfMonth=-2",
      "; dayOfMonth=1; dayOfWeek=Sat",
      "; dayOfMonth=2nd Mon-Last",
      "; dayOfMonth=25-3",
    ),
  })
  .map((f) => `hour=${f.hour}; minute=${f.minute}; second=${f.second}${f.day}`);

/** Instants near DST transitions and anywhere 1975-2060. */
const instant = fc.oneof(
  fc.integer({ min: Date.UTC(1975, 0, 1), max: Date.UTC(2060, 0, 1) }),
  fc
    .record({
      year: fc.integer({ min: 2000, max: 2040 }),
      month: pick(2, 3, 3, 9, 9, 10, 10, 11),
      day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }),
    })
    .map((d) => Date.UTC(d.year, d.month, d.day, d.hour, 17, 3)),
);

const WINDOW = 36 * 3_600_000;
/** Seconds of brute force a case may spend, so sparse expressions stay cheap. */
const BUDGET = 100_000;
const EXACT: DstOption = { gap: "skip", overlap: "both" };

/** Checks that no whole second in (from, next) matches, scanning at most `WINDOW`. */
function checkGap(
  fields: CalendarFields,
  zone: Zone,
  from: number,
  next: number,
  label: string,
): number {
  const end = Math.min(next, from + WINDOW);
  let scanned = 0;
  for (let t = Math.floor(from / 1000) * 1000 + 1000; t < end; t += 1000, scanned++) {
    if (matchesWall(fields, zone.wallAt(t))) {
      throw new Error(
        `${label}: ${new Date(t).toISOString()} matches, before next ${new Date(next).toISOString()} (from ${new Date(from).toISOString()})`,
      );
    }
  }
  return scanned;
}

/**
 * Starts just before a real fire (random instants mostly fall in long stretches where
 * nothing fires) and walks consecutive fires, brute-forcing every gap.
 */
function check(expression: string, zoneName: string, instant: number, jitter: number): void {
  const trigger = parseTrigger({ expression, timeZone: zoneName, dst: EXACT });
  const zone = Zone.of(zoneName);
  const fields = trigger.fields as CalendarFields;
  const label = `${expression} in ${zoneName}`;
  const first = trigger.nextMs(instant);
  if (first === undefined) return;
  let from = Math.max(instant, first - jitter);
  let budget = BUDGET;
  for (let i = 0; i < 25 && budget > 0; i++) {
    const next = trigger.nextMs(from);
    if (next === undefined) return;
    expect(next).toBeGreaterThan(from);
    expect(matchesWall(fields, zone.wallAt(next))).toBe(true);
    budget -= checkGap(fields, zone, from, next, label);
    from = next;
  }
}

/** How far before a fire to start: up to three hours, at any millisecond. */
const jitter = fc.integer({ min: 1, max: 3 * 3_600_000 });

describe("properties, by brute force over every gap between consecutive fires", () => {
  it("Quartz: next(t) > t, it matches, and nothing matches in between", () => {
    fc.assert(fc.property(quartz, pick(...ZONES), instant, jitter, check), {
      numRuns: 60,
      seed: 20261121,
    });
  });
  it("Unix", () => {
    fc.assert(fc.property(unix, pick(...ZONES), instant, jitter, check), { numRuns: 30, seed: 7 });
  });
  it("calendar", () => {
    fc.assert(fc.property(calendar, pick(...ZONES), instant, jitter, check), {
      numRuns: 40,
      seed: 11,
    });
  });
  it("every policy gives strictly increasing fires", () => {
    const policies: DstOption[] = [
      "default",
      "quartz",
      { gap: "shift", overlap: "both" },
      { gap: "skip", overlap: "first" },
    ];
    fc.assert(
      fc.property(
        quartz,
        pick(...ZONES),
        instant,
        pick(...policies),
        (expression, timeZone, from, dst) => {
          const trigger = parseTrigger({ expression, timeZone, dst });
          let t = from;
          for (let i = 0; i < 20; i++) {
            const next = trigger.nextMs(t);
            if (next === undefined) return;
            expect(next).toBeGreaterThan(t);
            t = next;
          }
        },
      ),
      { numRuns: 150, seed: 3 },
    );
  });
});
