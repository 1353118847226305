/**
 * Daylight-saving policy: what a trigger does with a wall time that does not exist (the
 * gap when clocks spring forward) or exists twice (the overlap when they fall back).
 * No single answer suits everyone, so it is chosen per trigger.
 */
import { invalid } from "./trigger-error.js";

export interface DstPolicy {
  /** `shift`: fire a missing wall time at the same offset after the jump (02:30 → 03:30); `skip`: don't fire it that day. */
  readonly gap: "shift" | "skip";
  /**
   * `first`/`second`: fire a repeated wall time at its first/second occurrence; `both`:
   * at both; `auto`: `both` when the trigger fires every hour (so interval-like schedules
   * keep their rhythm), otherwise `first`.
   */
  readonly overlap: "first" | "second" | "both" | "auto";
}

/** What a spec may say: a policy, part of one, or a named preset. */
export type DstOption = "default" | "quartz" | Partial<DstPolicy>;

export const DEFAULT_DST: DstPolicy = Object.freeze({ gap: "shift", overlap: "auto" });
/** Reproduces Quartz's `CronExpression` exactly, for schedules moved from Quartz-based systems. */
export const QUARTZ_DST: DstPolicy = Object.freeze({ gap: "skip", overlap: "second" });

const GAPS = ["shift", "skip"] as const;
const OVERLAPS = ["first", "second", "both", "auto"] as const;

/**
 * Validates a spec's `dst` and fills in the defaults.
 * @example resolveDst("quartz") // { gap: "skip", overlap: "second" }
 * @example resolveDst({ gap: "skip" }) // { gap: "skip", overlap: "auto" }
 */
export function resolveDst(option: DstOption | undefined): DstPolicy {
  if (option === undefined || option === "default") return DEFAULT_DST;
  if (option === "quartz") return QUARTZ_DST;
  if (typeof option !== "object" || option === null || Array.isArray(option)) {
    return invalid(
      "dst",
      String(option),
      "is not a DST policy; use",
      '"quartz", "default" or { gap, overlap }',
    );
  }
  for (const key of Object.keys(option)) {
    if (key !== "gap" && key !== "overlap")
      invalid(`dst.${key}`, key, "is not a DST setting; use", "gap or overlap");
  }
  const gap = option.gap ?? DEFAULT_DST.gap;
  const overlap = option.overlap ?? DEFAULT_DST.overlap;
  if (!(GAPS as readonly string[]).includes(gap))
    invalid("dst.gap", String(gap), "is not one of", GAPS.join(", "));
  if (!(OVERLAPS as readonly string[]).includes(overlap)) {
    invalid("dst.overlap", String(overlap), "is not one of", OVERLAPS.join(", "));
  }
  return Object.freeze({ gap, overlap });
}

/** Parses the CLI form: `quartz`, `default`, or `gap=skip,overlap=both`. */
export function parseDstText(text: string): DstOption {
  if (text === "quartz" || text === "default") return text;
  const policy: Record<string, string> = {};
  for (const part of text.split(",")) {
    const [key, value, extra] = part.split("=").map((s) => s.trim());
    if (!key || value === undefined || extra !== undefined) {
      invalid(
        "dst",
        text,
        "is not a DST policy; use",
        "quartz, default or gap=shift|skip,overlap=first|second|both|auto",
      );
    }
    policy[key] = value;
  }
  return policy as Partial<DstPolicy>;
}
