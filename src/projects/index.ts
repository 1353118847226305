/**
 * Projects and tasks: see project.ts for the words, docs/projects.md for the guide.
 * Connections are in ./connections/.
 */
export { diffConfigs } from "./config-diff.js";
export { ConfigHistory } from "./config-history.js";
export * from "./export-ports.js";
export { EXPORT_JOB_TYPE, scheduleId } from "./owned-schedules.js";
export * from "./project.js";
export { projectRoutes } from "./project.routes.js";
export {
  ProjectService,
  type ProjectServiceOptions,
  type RunOptions,
} from "./project.service.js";
export {
  EXPORT_SETTINGS,
  ProjectInputSchema,
  ScheduleEntrySchema,
  TaskInputSchema,
} from "./project-input.js";
export type { ProjectRoutesOptions } from "./route-context.js";
export { TaskService, type TaskServiceOptions } from "./task.service.js";
export {
  type ExportJobData,
  type TaskOutcome,
  TaskRunner,
  type TaskRunnerOptions,
} from "./task-runner.js";
export {
  type TaskOverview,
  TaskRunService,
  type TaskRunServiceOptions,
} from "./task-runs.service.js";
