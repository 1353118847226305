/**
 * A scan's condition values: `${Time.now}`, or `${Time.now}` moved by steps such as
 * `+ 1d`, `- 2wd` or `+ 1M - 1d`, read at the run's instant in its calendar (the units and
 * rules of file names' date steps: `s m h d wd w M y`, `m` minutes and `M` months); any
 * other text or number is compared as it is.
 */
import type { WorkingCalendar } from "../calendar/index.js";
import { SundialError } from "../errors.js";
import { applyStep, type DateStep, parseStep } from "../exports/date-steps.js";

const EXPRESSION = /^\$\{\s*Time\.now\s*(.*?)\s*\}$/s;
const STEP = /([+-])\s*(\d{1,5})\s*(wd|s|m|h|d|w|M|y)\s*/y;
const FORMS =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the expressions users write, quoted in messages.
  "use ${Time.now}, or ${Time.now} and steps such as ${Time.now + 1d}, ${Time.now - 2wd}, ${Time.now + 1M - 1d} (units: s m h d wd w M y; m is minutes, M months)";

/** A condition value: an instant to work out at the run, or a value compared as given. */
export type ConditionValue =
  | { readonly kind: "time"; readonly steps: readonly DateStep[] }
  | { readonly kind: "literal"; readonly value: string | number };

/**
 * What a condition value stands for.
 * @throws SundialError `badRequest` naming `field` for text with `${` that is not a time expression.
 * @example checkCondition("${Time.now - 3wd}", "scan.condition.before") // { kind: "time", steps: [-3 wd] }
 */
export function checkCondition(value: string | number, field: string): ConditionValue {
  if (typeof value === "number" || !value.includes("${")) return { kind: "literal", value };
  const refuse = (): never => {
    throw new SundialError(
      "badRequest",
      `${field}: ${JSON.stringify(value)} is not a time expression; ${FORMS}`,
      { field },
    );
  };
  const tail = EXPRESSION.exec(value)?.[1];
  if (tail === undefined) return refuse();
  const steps: DateStep[] = [];
  STEP.lastIndex = 0;
  while (STEP.lastIndex < tail.length) {
    const at = STEP.lastIndex;
    const match = STEP.exec(tail);
    if (match === null || match.index !== at) return refuse();
    const step = parseStep(`${match[1]}${match[2]}${match[3]}`);
    if (step === undefined) return refuse();
    steps.push(step);
  }
  return { kind: "time", steps };
}

/**
 * The instant (ms) or the value a condition compares with, at the run's instant `now`.
 * @example conditionAt(checkCondition("${Time.now + 1d}", "before"), Date.UTC(2026, 2, 27), { timeZone: "UTC" })
 *   // Date.UTC(2026, 2, 28)
 */
export function conditionAt(
  condition: ConditionValue,
  now: number,
  calendar: WorkingCalendar,
): { readonly instant: number } | { readonly value: string | number } {
  if (condition.kind === "literal") return { value: condition.value };
  return { instant: condition.steps.reduce((at, step) => applyStep(at, step, calendar), now) };
}
