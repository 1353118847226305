/**
 * The one error the calendar throws. It is pure data (a stable `code`, the `field` at
 * fault, the offending `text` and what is `allowed`), so the API can turn it into
 * problem+json and the CLI into a one-line message, without parsing the text.
 */
export const CALENDAR_ERROR_CODES = ["invalidTrigger", "invalidTimeZone", "invalidDelay"] as const;
export type CalendarErrorCode = (typeof CALENDAR_ERROR_CODES)[number];

export interface TriggerErrorDetails {
  /** The field of the spec or expression at fault, e.g. `day-of-week`, `timeZone`. */
  field: string;
  /** The offending text, as the user wrote it. */
  text?: string;
  /** What would have been accepted, e.g. `1-7 (SUN-SAT)`. */
  allowed?: string;
}

export class TriggerError extends Error {
  override readonly name = "TriggerError";
  readonly code: CalendarErrorCode;
  readonly field: string;
  readonly text: string | undefined;
  readonly allowed: string | undefined;

  constructor(code: CalendarErrorCode, message: string, details: TriggerErrorDetails) {
    super(message);
    this.code = code;
    this.field = details.field;
    this.text = details.text;
    this.allowed = details.allowed;
  }
}

/**
 * Throws the usual "field: "text" reason" error for an expression field.
 * @example invalid("day-of-week", "8", "is out of range", "1-7 (SUN-SAT)")
 *   // day-of-week: "8" is out of range 1-7 (SUN-SAT)
 */
export function invalid(field: string, text: string, reason: string, allowed?: string): never {
  return invalidAs("invalidTrigger", field, text, reason, allowed);
}

/** {@link invalid}, with another calendar error code. */
export function invalidAs(
  code: CalendarErrorCode,
  field: string,
  text: string,
  reason: string,
  allowed?: string,
): never {
  const tail = allowed === undefined ? "" : ` ${allowed}`;
  throw new TriggerError(code, `${field}: "${text}" ${reason}${tail}`, {
    field,
    text,
    ...(allowed === undefined ? {} : { allowed }),
  });
}
