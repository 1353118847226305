/**
 * The calendar engine: parsing every trigger type, next fire times in any IANA zone,
 * DST policies, working-day arithmetic and descriptions. Pure: no I/O, no storage.
 */
export type { CalendarFields, DayRule } from "./calendar-fields.js";
export { describeTrigger } from "./describe-trigger.js";
export {
  DEFAULT_DST,
  type DstOption,
  type DstPolicy,
  parseDstText,
  QUARTZ_DST,
  resolveDst,
} from "./dst.js";
export { type InstantInput, parseInstant } from "./instant.js";
export { INTERVAL_UNITS, type IntervalUnit } from "./interval.js";
export {
  MAX_COUNT,
  type NextFireOptions,
  nextFireTimes,
  parseTrigger,
  TRIGGER_TYPES,
  type Trigger,
  type TriggerSpec,
  type TriggerType,
} from "./trigger.js";
export { CALENDAR_ERROR_CODES, type CalendarErrorCode, TriggerError } from "./trigger-error.js";
export {
  addDelay,
  DELAY_UNITS,
  type DelayUnit,
  isWorkingDay,
  validateDelay,
  type WorkingCalendar,
} from "./working-days.js";
export { Zone } from "./zone.js";
