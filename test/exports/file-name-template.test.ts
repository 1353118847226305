// biome-ignore-all lint/suspicious/noTemplateCurlyInString: file name templates write parameters as ${name}
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SundialError } from "../../src/errors.js";
import {
  checkFileName,
  type FileNameContext,
  parseFileNameTemplate,
  renderFileName,
} from "../../src/exports/index.js";

const london = (instant: string, extra: Partial<FileNameContext> = {}) => ({
  instant: new Date(instant),
  timeZone: "Europe/London",
  ...extra,
});

/** The error a call throws, for asserting its code, field and message. */
function thrown(call: () => unknown): SundialError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(SundialError);
    return error as SundialError;
  }
  throw new Error("expected an error");
}

describe("file name templates: dates of the run", () => {
  it("prints every strftime code in English, whatever the locale", () => {
    const at = { instant: Date.UTC(2026, 0, 1, 13, 5, 9), timeZone: "UTC" };
    expect(renderFileName("%Y-%y-%m-%d_%H-%I%p-%M-%S_%j_%a-%A_%b-%B_%u%w_%G-W%V_%F_%z", at)).toBe(
      "2026-26-01-01_13-01PM-05-09_001_Thu-Thursday_Jan-January_44_2026-W01_2026-01-01_+0000",
    );
    expect(renderFileName("%s", at)).toBe(String(Date.UTC(2026, 0, 1, 13, 5, 9) / 1000));
    expect(renderFileName("100%%_%Y{{x}}", at)).toBe("100%_2026{x}");
    // 31 December of a leap year is day 366; 1 January 2027 is in ISO week 53 of 2026.
    expect(renderFileName("%j", { instant: Date.UTC(2024, 11, 31), timeZone: "UTC" })).toBe("366");
    expect(renderFileName("%G%V_%I%p", { instant: Date.UTC(2027, 0, 1), timeZone: "UTC" })).toBe(
      "202653_12AM",
    );
  });

  it("reads the date on the task zone's clocks, not in UTC", () => {
    // 23:30 UTC on Sunday 29 March 2026 is 00:30 BST on Monday 30 March.
    const run = london("2026-03-29T23:30:00Z");
    expect(renderFileName("sales_%Y%m%d_%H%M%z.csv", run)).toBe("sales_20260330_0030+0100.csv");
    expect(renderFileName("sales_{yesterday:%Y%m%d_%H%M}.csv", run)).toBe(
      "sales_20260329_0030.csv",
    );
    expect(renderFileName("%Y%m%d", { ...run, timeZone: "UTC" })).toBe("20260329");
  });
});

describe("file name templates: arithmetic across DST (Europe/London)", () => {
  it("spring forward, 29 March 2026: hours are elapsed, days keep the wall-clock time", () => {
    const run = london("2026-03-29T00:30:00Z"); // 00:30 GMT, half an hour before the change
    expect(renderFileName("%H%M%z", run)).toBe("0030+0000");
    expect(renderFileName("{+1h:%H%M%z}", run)).toBe("0230+0100");
    expect(renderFileName("{+90m:%H%M}", run)).toBe("0300");
    // Monday 10:00 BST minus two days is Saturday 10:00 GMT: 49 hours, not 48.
    expect(renderFileName("{-2d:%d_%H%z}", london("2026-03-30T09:00:00Z"))).toBe("28_10+0000");
  });

  it("spring forward: a day step into the skipped hour moves forward by the gap", () => {
    // 01:30 on Saturday 28 March; 01:30 on the 29th does not exist in London.
    expect(renderFileName("{+1d:%d_%H%M%z}", london("2026-03-28T01:30:00Z"))).toBe("29_0230+0100");
  });

  it("fall back, 25 October 2026: the repeated hour is told apart by its offset", () => {
    const run = london("2026-10-25T00:30:00Z"); // 01:30 BST, the first of two 01:30s
    expect(renderFileName("%H%M%z", run)).toBe("0130+0100");
    expect(renderFileName("{+1h:%H%M%z}", run)).toBe("0130+0000");
    // From 01:30 GMT on the 26th, a day back lands in the repeated hour: the first one.
    expect(renderFileName("{-1d:%d_%H%M%z}", london("2026-10-26T01:30:00Z"))).toBe("25_0130+0100");
    expect(renderFileName("{yesterday:%F}", london("2026-10-25T23:30:00Z"))).toBe("2026-10-24");
  });
});

describe("file name templates: month ends", () => {
  const utc = (y: number, m: number, d: number) => ({
    instant: Date.UTC(y, m - 1, d, 9),
    timeZone: "UTC",
  });

  it("a month back or forward keeps the day, or takes the month's last one", () => {
    expect(renderFileName("{-1M:%F}", utc(2026, 1, 31))).toBe("2025-12-31");
    expect(renderFileName("{-1M:%F}", utc(2026, 3, 31))).toBe("2026-02-28");
    expect(renderFileName("{-1M:%F}", utc(2024, 3, 31))).toBe("2024-02-29");
    expect(renderFileName("{+1M:%F}", utc(2026, 1, 31))).toBe("2026-02-28");
    expect(renderFileName("{-13M:%F}", utc(2026, 1, 31))).toBe("2024-12-31");
    expect(renderFileName("{-1y:%F}", utc(2024, 2, 29))).toBe("2023-02-28");
    expect(renderFileName("{-1w:%F}", utc(2026, 3, 3))).toBe("2026-02-24");
  });

  it("first and last day of this month and of the previous one", () => {
    const run = utc(2026, 3, 15);
    expect(renderFileName("{first:%F}_{last:%F}", run)).toBe("2026-03-01_2026-03-31");
    expect(renderFileName("stmt_{-1M first:%Y%m%d}-{-1M last:%Y%m%d}.csv", run)).toBe(
      "stmt_20260201-20260228.csv",
    );
    expect(renderFileName("{last:%d}", utc(2024, 2, 10))).toBe("29");
    // Steps apply in order: the last day of January, then a month on, is the end of February.
    expect(renderFileName("{-2M last +1M:%F}", run)).toBe("2026-02-28");
  });

  it("the month's first day on the zone's clocks, not UTC's", () => {
    // 23:30 UTC on 31 March is 00:30 BST on 1 April.
    const run = london("2026-03-31T23:30:00Z");
    expect(renderFileName("%F_{-1M last:%F}_{first:%F_%H%M}", run)).toBe(
      "2026-04-01_2026-03-31_2026-04-01_0030",
    );
  });
});

describe("file name templates: working days", () => {
  const easter = { holidays: ["2026-04-03", "2026-04-06"] };

  it("the previous and next working day, counted from the run's own date", () => {
    expect(renderFileName("{-1wd:%a_%F}", london("2026-03-30T08:00:00Z"))).toBe("Fri_2026-03-27");
    // From a Saturday, the working day before is Friday and the one after is Monday.
    expect(renderFileName("{-1wd:%a_%d}", london("2026-03-28T12:00:00Z"))).toBe("Fri_27");
    expect(renderFileName("{+1wd:%a_%d}", london("2026-03-28T12:00:00Z"))).toBe("Mon_30");
  });

  it("skips the task's holidays and weekend", () => {
    const tuesday = london("2026-04-07T08:00:00Z", { workingDays: easter });
    expect(renderFileName("{-1wd:%a_%F}", tuesday)).toBe("Thu_2026-04-02");
    expect(renderFileName("{-3wd:%F}", tuesday)).toBe("2026-03-31");
    const fridayOff = london("2026-03-26T08:00:00Z", { workingDays: { weekend: [5, 6] } });
    expect(renderFileName("{+1wd:%a}", fridayOff)).toBe("Sun");
  });

  it("first and last working day of a month", () => {
    // 1 August 2026 is a Saturday; 31 October 2026 too.
    const august = london("2026-08-15T08:00:00Z");
    expect(renderFileName("{-1M last +1wd:%a_%F}", august)).toBe("Mon_2026-08-03");
    const october = london("2026-10-15T08:00:00Z");
    expect(renderFileName("{+1M first -1wd:%a_%F}", october)).toBe("Fri_2026-10-30");
  });
});

describe("file name templates: parameters and safety", () => {
  const run = { instant: Date.UTC(2026, 2, 28, 9), timeZone: "UTC" };

  it("puts parameters in", () => {
    const parameters = { region: "north", batch: 7, "file.kind": "full" };
    expect(renderFileName("${region}_${batch}_${file.kind}_%Y.csv", { ...run, parameters })).toBe(
      "north_7_full_2026.csv",
    );
  });

  it("names an unknown parameter and its position, and the ones the run has", () => {
    const error = thrown(() =>
      renderFileName("sales_${regoin}.csv", { ...run, parameters: { region: "north" } }),
    );
    expect(error).toMatchObject({ code: "badRequest", field: "fileName" });
    expect(error.message).toBe(
      'fileName: "${regoin}" at character 7 names no parameter of this run (it has region)',
    );
  });

  it.each([
    ["north/south", '"/"'],
    ["..", '".."'],
    ["a\\b", '"\\\\"'],
    ["line\nbreak", "control character"],
  ])("refuses a parameter value that is not a safe name: %j", (value, says) => {
    const error = thrown(() =>
      renderFileName("x_${region}.csv", { ...run, parameters: { region: value } }),
    );
    expect(error.message).toContain(`fileName: parameter region (${JSON.stringify(value)}) holds`);
    expect(error.message).toContain(says);
  });

  it("checks the whole name once the parts are put together", () => {
    const error = thrown(() => renderFileName("a${dot}.csv", { ...run, parameters: { dot: "." } }));
    expect(error.message).toBe(
      'fileName: the name "a..csv" holds "..", which can\'t be in a file name (it could lead out of the directory)',
    );
    expect(() => renderFileName("${x}", { ...run, parameters: { x: "" } })).toThrow(
      'fileName: the name "" is empty',
    );
    expect(() => checkFileName(`${"é".repeat(128)}.csv`)).toThrow(
      "is 260 bytes long; file systems allow 255",
    );
    expect(() => checkFileName(".hidden_but_fine.csv")).not.toThrow();
  });
});

describe("file name templates: mistakes are reported with their position", () => {
  it.each([
    ["sales_%Q.csv", '"%Q" at character 7 is not a date code; use one of %Y %y %m %d'],
    ["sales_%", '"%" at character 7 is not followed by a date code; write %% for a percent sign'],
    ["sales_{-1x:%Y}.csv", '"-1x" at character 8 is not a date step; use today, yesterday'],
    ["{yesterday -1 :%Y}", '"-1" at character 12 is not a date step'],
    ["sales_{yesterday}.csv", '"{yesterday}" at character 7 is not a date block {steps:format}'],
    ["sales_{yesterday:x}.csv", '"{yesterday:x}" at character 7 prints no date'],
    ["sales_{-1d:%Y", '"{-1d:%Y" at character 7 has no closing }'],
    ["sales_{-1d:{%Y}}", '"{" at character 12 opens a block inside a block'],
    ["sales}.csv", '"}" at character 6 closes nothing; write }} for a literal brace'],
    ["a/%Y.csv", '"/" at character 2 can\'t be in a file name (it would name a directory)'],
    ["{-1d:%Y/%m}", '"/" at character 8 can\'t be in a file name'],
    [
      "x..%Y.csv",
      '".." at character 2 can\'t be in a file name (it could lead out of the directory)',
    ],
    ["x_${na me}.csv", '"${na me}" at character 3 is not a parameter'],
    ["${yesterday:%Y}", "a date is written {steps:format}, without $"],
    ["", "fileName: is empty"],
  ])("%j", (template, message) => {
    const error = thrown(() => parseFileNameTemplate(template));
    expect(error).toMatchObject({ code: "badRequest", field: "fileName" });
    expect(error.message).toContain(message);
  });

  it("names the field it was given", () => {
    expect(() => parseFileNameTemplate("%Q", "output.fileName")).toThrow(
      /^output\.fileName: "%Q" at character 1/,
    );
  });

  it("refuses a date beyond the year 9999 by the block that made it", () => {
    const error = thrown(() =>
      renderFileName("x_{+99999y:%Y}", { instant: Date.UTC(2026, 0, 1), timeZone: "UTC" }),
    );
    expect(error.message).toBe(
      'fileName: "{+99999y:%Y}" at character 3 gives the year 102025, outside 1-9999',
    );
  });

  it("refuses an unknown zone with the calendar's own error", () => {
    expect(() => renderFileName("%Y", { instant: 0, timeZone: "Europe/Londn" })).toThrow(
      expect.objectContaining({ code: "invalidTimeZone", field: "timeZone" }),
    );
  });
});

describe("docs/exports.md", () => {
  const doc = readFileSync(new URL("../../docs/exports.md", import.meta.url), "utf8");
  const section = doc.slice(doc.indexOf("### Examples"), doc.indexOf("### Date codes"));
  const examples = [...section.matchAll(/^\| `([^`]+)`[^|]*\| `([^`]+)` +\|$/gm)].map(
    (match) => [match[1] as string, match[2] as string] as const,
  );

  it.each(examples)("the example %s gives %s", (template, name) => {
    const run = london("2026-03-30T05:00:00Z", { parameters: { region: "north" } });
    expect(renderFileName(template, run)).toBe(name);
  });

  it("has examples", () => {
    expect(examples.length).toBeGreaterThan(5);
  });
});
