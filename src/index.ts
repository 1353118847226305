/**
 * Sundial's library entry point:
 * `import { Sundial, parseTrigger, nextFireTimes } from "sundial"`.
 */
export { type App, type BuildAppOptions, buildApp } from "./api/app.js";
export { AuthService, authPlugin } from "./auth/index.js";
export * from "./calendar/index.js";
export type { Clock } from "./clock.js";
export { ERROR_CODES, type ErrorCode, errorCodeOf, SundialError } from "./errors.js";
export * from "./invokers/index.js";
export * from "./jobs/index.js";
export { ConnectionService } from "./projects/connections/index.js";
export * from "./scanner/index.js";
export type { Schedule, ScheduleInput } from "./schedules/schedule.js";
export type { FileProblem } from "./schedules/schedule-files.js";
export { openStore, type StoreOptions } from "./store/open-store.js";
export { Sundial, type SundialOptions, type SundialStartOptions } from "./sundial.js";
