/**
 * Sundial's library entry point: `import { parseTrigger, nextFireTimes } from "sundial"`.
 */
export * from "./calendar/index.js";
export { ERROR_CODES, type ErrorCode, errorCodeOf, SundialError } from "./errors.js";
