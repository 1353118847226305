/**
 * Differential test: our Quartz cron engine (`dst: "quartz"`) against real Quartz
 * (`org.quartz.CronExpression` from Debian's libquartz2-java), on a few thousand seeded
 * random cases plus a handful of pinned ones. Every case must either agree exactly
 * (the same fires, or both rejecting the expression) or fall under one of the
 * KNOWN_DIFFERENCES (test/quartz/known-differences.ts), each of which states what we
 * compute instead and is checked against Quartz computing that on a rewritten question.
 * Anything else fails the test.
 *
 * Vary the cases with QUARTZ_DIFF_SEED=<n> (default: a fixed seed, so CI is repeatable) and
 * their number with QUARTZ_DIFF_CASES=<n> (default 3000, sized for a slow two-core machine).
 */
import { describe, expect, it } from "vitest";
import { nextFireTimes, TriggerError } from "../../src/calendar/index.js";
import { type CronCase, generateCronCases } from "../quartz/cron-generator.js";
import {
  describeOutcome,
  firesUpTo,
  firstDifference,
  inFirstPassOfOverlap,
  mergeFires,
  nearGap,
  nearTransition,
  type Outcome,
  sameFires,
} from "../quartz/differential.js";
import { knownFor, OUR_LAST_YEAR, OUTSIDE_THE_ENGINES } from "../quartz/known-differences.js";
import {
  type QuartzAnswer,
  type QuartzCase,
  type QuartzPeer,
  quartzForTests,
} from "../quartz/quartz.js";
import { icuOffsetMinutes } from "../quartz/zones.js";

const SEED = Number(process.env.QUARTZ_DIFF_SEED ?? 20_261_121);
const GENERATED = Number(process.env.QUARTZ_DIFF_CASES ?? 3000);
const COUNT = 5;

/**
 * Cases worth keeping whatever the seed: the DST gap and overlap in New York and London,
 * the 30-minute DST of Lord Howe, Chatham's 02:45 change, Samoa's skipped day, Chile's
 * midnight change, and the day-of-month rules at the month's edges.
 */
const PINNED: readonly Omit<CronCase, "id" | "family" | "count">[] = [
  { expression: "0 30 2 * * ?", timeZone: "America/New_York", from: "2026-03-07T12:00:00.000Z" },
  { expression: "0 30 1 * * ?", timeZone: "America/New_York", from: "2026-10-31T12:00:00.000Z" },
  { expression: "0 30 1 * * ?", timeZone: "America/New_York", from: "2026-11-01T05:45:00.000Z" },
  { expression: "0 */15 * * * ?", timeZone: "America/New_York", from: "2026-03-08T06:20:00.000Z" },
  { expression: "0 */15 * * * ?", timeZone: "America/New_York", from: "2026-11-01T04:50:00.000Z" },
  { expression: "0 */15 * * * ?", timeZone: "America/New_York", from: "2026-11-01T05:20:00.000Z" },
  {
    expression: "0 */10 2 * * ?",
    timeZone: "Australia/Lord_Howe",
    from: "2026-10-03T14:00:00.000Z",
  },
  {
    expression: "0 */10 1 * * ?",
    timeZone: "Australia/Lord_Howe",
    from: "2026-04-04T13:00:00.000Z",
  },
  { expression: "0 0 3 * * ?", timeZone: "Pacific/Chatham", from: "2026-09-26T10:00:00.000Z" },
  { expression: "0 0 12 * * ?", timeZone: "Pacific/Apia", from: "2011-12-28T00:00:00.000Z" },
  { expression: "0 0 0 * * ?", timeZone: "America/Santiago", from: "2026-09-04T12:00:00.000Z" },
  { expression: "0 30 23 * * ?", timeZone: "America/Santiago", from: "2026-04-04T12:00:00.000Z" },
  { expression: "0 0 9 15W * ?", timeZone: "UTC", from: "2026-01-01T00:00:00.000Z" },
  { expression: "0 0 9 31W * ?", timeZone: "UTC", from: "2026-04-10T00:00:00.000Z" },
  { expression: "0 0 9 L-3 * ?", timeZone: "UTC", from: "2026-01-01T00:00:00.000Z" },
  { expression: "0 0 9 LW * ?", timeZone: "Europe/London", from: "2026-01-01T00:00:00.000Z" },
  { expression: "0 0 9 ? * 6L", timeZone: "Europe/Berlin", from: "2026-01-01T00:00:00.000Z" },
  { expression: "0 0 9 ? * 2#5", timeZone: "Asia/Kathmandu", from: "2026-01-01T00:00:00.000Z" },
  // Starting inside the first pass of the hour London repeats.
  { expression: "0 0 * * * ?", timeZone: "Europe/London", from: "2016-10-30T00:00:00.000Z" },
  // Gaps that do not end on the hour: 02:00-02:30 (Lord Howe), 02:45-03:45 (Chatham).
  {
    expression: "0 10-50/10 * * * ?",
    timeZone: "Australia/Lord_Howe",
    from: "2026-10-03T15:15:00.000Z",
  },
  { expression: "0 50 3 * * ?", timeZone: "Pacific/Chatham", from: "2026-09-26T00:00:00.000Z" },
  // 1 May 2027 is a Saturday, which Quartz takes for the 31st of April.
  { expression: "0 0 9 31W * ?", timeZone: "UTC", from: "2027-04-01T00:00:00.000Z" },
  // Quartz never returns: LW of December 2011 is the 30th, a day Samoa skipped.
  { expression: "0 0 9 LW * ?", timeZone: "Pacific/Apia", from: "2011-12-01T00:00:00.000Z" },
];

type Verdict =
  | { readonly kind: "agree"; readonly how: "fires" | "both reject" | "horizon" }
  | { readonly kind: "known"; readonly names: readonly string[] }
  | { readonly kind: "zoneData" }
  | { readonly kind: "different"; readonly what: string };

interface Row {
  readonly c: CronCase;
  readonly quartz: Outcome;
  readonly ours: Outcome;
  verdict?: Verdict;
}

function sundial(c: CronCase): Outcome {
  try {
    const fires = nextFireTimes(
      { type: "cron", expression: c.expression, timeZone: c.timeZone, dst: "quartz" },
      { from: c.from, count: c.count },
    );
    return { kind: "fires", fires: fires.map((d) => d.getTime()) };
  } catch (error) {
    if (error instanceof TriggerError && error.code === "invalidTrigger") {
      return { kind: "rejected", message: error.message };
    }
    return {
      kind: "crashed",
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    };
  }
}

function fromQuartz(a: QuartzAnswer): Outcome {
  if (a.kind === "rejected") return { kind: "rejected", message: a.error };
  return { kind: "fires", fires: a.next.map((t) => Date.parse(t)), incomplete: a.incomplete };
}

/** Agreement without help: the same fires (up to our horizon), or both rejecting. */
function plainVerdict(c: CronCase, quartz: Outcome, ours: Outcome): Verdict | undefined {
  if (ours.kind === "crashed") return { kind: "different", what: "we crash" };
  if (quartz.kind === "rejected" && ours.kind === "rejected")
    return { kind: "agree", how: "both reject" };
  if (quartz.kind === "fires" && quartz.incomplete !== undefined) return undefined;
  if (quartz.kind === "rejected") return { kind: "different", what: "only Quartz rejects" };
  if (ours.kind === "rejected") return { kind: "different", what: "only we reject" };
  if (quartz.kind !== "fires" || ours.kind !== "fires") return undefined;
  if (sameFires(quartz.fires, ours.fires)) return { kind: "agree", how: "fires" };
  const reachable = firesUpTo(c.timeZone, quartz.fires, OUR_LAST_YEAR);
  if (reachable.length < quartz.fires.length && sameFires(reachable, ours.fires)) {
    return { kind: "agree", how: "horizon" };
  }
  return undefined;
}

function verdictName(v: Verdict): string {
  switch (v.kind) {
    case "agree":
      return v.how === "horizon" ? `agree up to ${OUR_LAST_YEAR} (horizon)` : `agree: ${v.how}`;
    case "known":
      return `known: ${v.names.join(" + ")}`;
    case "zoneData":
      return "zone data differs (JDK vs ICU)";
    case "different":
      return `DIFFERENT: ${v.what}`;
  }
}

async function classify(quartz: QuartzPeer, rows: Row[]): Promise<void> {
  const pending: { row: Row; names: string[]; cases: QuartzCase[]; untils: number[] }[] = [];
  for (const row of rows) {
    row.verdict = plainVerdict(row.c, row.quartz, row.ours);
    if (row.verdict?.kind === "agree" || row.ours.kind === "crashed") continue;
    const known = knownFor(row.c, row.quartz);
    if (known.names.length === 0) continue;
    if (known.ours === "reject") {
      if (row.ours.kind === "rejected") row.verdict = { kind: "known", names: known.names };
      continue;
    }
    const cases = known.ours.map(({ until: _until, ...q }, i) => ({
      ...row.c,
      ...q,
      id: `${row.c.id}/${i}`,
    }));
    const untils = known.ours.map((q) => q.until ?? Number.POSITIVE_INFINITY);
    pending.push({ row, names: known.names, cases, untils });
  }

  // Ask Quartz about all rewritten expressions in one run.
  const answers = (await quartz.nextFireTimes(pending.flatMap((p) => p.cases))).map(fromQuartz);
  let next = 0;
  for (const p of pending) {
    const mine = answers.slice(next, next + p.cases.length);
    next += p.cases.length;
    if (mine.some((a) => a.kind !== "fires" || a.incomplete !== undefined)) continue;
    const lists: (readonly number[])[] = mine.map((a, i) =>
      a.kind === "fires" ? a.fires.filter((t) => t < (p.untils[i] as number)) : [],
    );
    // What Quartz gave before it hung is still its answer.
    if (p.row.quartz.kind === "fires" && p.row.quartz.incomplete) lists.push(p.row.quartz.fires);
    const expected: Outcome = { kind: "fires", fires: mergeFires(lists, p.row.c.count) };
    if (plainVerdict(p.row.c, expected, p.row.ours)?.kind === "agree") {
      p.row.verdict = { kind: "known", names: p.names };
    }
  }

  // What still differs: does the JDK's zone data agree with ICU's where it matters?
  const suspects = rows.filter(
    (r) => r.verdict === undefined && r.quartz.kind === "fires" && r.ours.kind === "fires",
  );
  const requests = suspects.map((r) => ({
    timeZone: r.c.timeZone,
    instants: [
      Date.parse(r.c.from),
      ...[r.quartz, r.ours].flatMap((o) => (o.kind === "fires" ? o.fires : [])),
    ],
  }));
  const offsets = suspects.length === 0 ? [] : await quartz.zoneOffsets(requests);
  suspects.forEach((r, i) => {
    const jdk = offsets[i]!;
    if (requests[i]!.instants.some((t, j) => icuOffsetMinutes(r.c.timeZone, t) !== jdk[j])) {
      r.verdict = { kind: "zoneData" };
    }
  });

  for (const row of rows) row.verdict ??= { kind: "different", what: whatDiffers(row) };
}

/** Sorts unexplained fire differences by where they happen, to point at the cause. */
function whatDiffers({ c, quartz, ours }: Row): string {
  if (quartz.kind === "fires" && quartz.incomplete !== undefined) return "Quartz did not finish";
  const from = Date.parse(c.from);
  if (inFirstPassOfOverlap(c.timeZone, from))
    return "fires, starting in the first pass of a repeated hour";
  const at =
    quartz.kind === "fires" && ours.kind === "fires"
      ? firstDifference(quartz.fires, ours.fires)
      : 0;
  const t = (quartz.kind === "fires" ? quartz.fires[at] : undefined) ?? from;
  if (nearGap(c.timeZone, t) || nearGap(c.timeZone, from))
    return "fires, near clocks going forward";
  return "fires";
}

function explain(row: Row): string {
  const { c, quartz, ours } = row;
  const from = Date.parse(c.from);
  let at = 0;
  let dst = nearTransition(c.timeZone, from);
  if (quartz.kind === "fires" && ours.kind === "fires") {
    at = firstDifference(quartz.fires, ours.fires);
    const t = quartz.fires[at] ?? ours.fires[at];
    if (t !== undefined) dst ||= nearTransition(c.timeZone, t);
  }
  return [
    `  ${JSON.stringify(c.expression)} in ${c.timeZone} from ${c.from} [${c.id}, ${c.family}${dst ? ", near a DST change" : ""}]`,
    `    Quartz: ${describeOutcome(quartz, at)}`,
    `    ours:   ${describeOutcome(ours, at)}`,
  ].join("\n");
}

const quartz = quartzForTests();

describe.skipIf(quartz === undefined)("Quartz cron engine against real Quartz", () => {
  it(`agrees with Quartz on ${GENERATED} seeded cases and the pinned ones, or differs only as documented`, async () => {
    const peer = quartz!;
    const cases: CronCase[] = [
      ...PINNED.map((p, i) => ({ ...p, id: `pin${i}`, count: COUNT, family: "plain" as const })),
      ...generateCronCases({ seed: SEED, cases: GENERATED, count: COUNT }),
    ];

    const quartzStart = performance.now();
    const answers = await peer.nextFireTimes(cases);
    const quartzMs = performance.now() - quartzStart;
    const oursStart = performance.now();
    const rows: Row[] = cases.map((c, i) => ({
      c,
      quartz: fromQuartz(answers[i]!),
      ours: sundial(c),
    }));
    const oursMs = performance.now() - oursStart;
    await classify(peer, rows);

    const byVerdict = new Map<string, Row[]>();
    for (const row of rows) {
      const name = verdictName(row.verdict!);
      const same = byVerdict.get(name);
      if (same) same.push(row);
      else byVerdict.set(name, [row]);
    }
    const fires = rows.reduce(
      (n, r) =>
        n +
        (r.quartz.kind === "fires" && r.ours.kind === "fires"
          ? Math.max(r.quartz.fires.length, r.ours.fires.length)
          : 0),
      0,
    );
    const families = ["plain", "quirk", "edge"].map(
      (f) => `${rows.filter((r) => r.c.family === f).length} ${f}`,
    );
    const summary = [
      `Quartz differential, seed ${SEED}: ${rows.length} cases (${families.join(", ")}), ${fires} fires compared; ` +
        `Quartz ${(quartzMs / 1000).toFixed(1)} s (JVM start included), ours ${(oursMs / 1000).toFixed(1)} s\n` +
        `  Quartz is ${peer.description}`,
      ...[...byVerdict.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, rs]) => `  ${String(rs.length).padStart(5)}  ${name}`),
    ];
    console.log(summary.join("\n"));
    if (byVerdict.has(verdictName({ kind: "agree", how: "horizon" })))
      console.log(`  (horizon: ${OUTSIDE_THE_ENGINES.horizon})`);
    if (byVerdict.has(verdictName({ kind: "zoneData" })))
      console.log(`  (zone data: ${OUTSIDE_THE_ENGINES.zoneData})`);

    const different = rows.filter((r) => r.verdict?.kind === "different");
    const shown: string[] = [];
    for (const [name, rs] of byVerdict) {
      if (!name.startsWith("DIFFERENT")) continue;
      shown.push(
        `${name} (${rs.length}; first ${Math.min(rs.length, 8)}):`,
        ...rs.slice(0, 8).map(explain),
      );
    }
    expect(different.length, `${summary.join("\n")}\n\n${shown.join("\n")}`).toBe(0);
  });
});
