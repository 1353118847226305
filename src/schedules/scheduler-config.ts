import { join } from "node:path";
import { Type } from "typebox";
import type { RetentionRule } from "../jobs/job.service.js";
import { DEFAULT_RETENTION, RetentionSchema, retentionRule } from "../jobs/job-retention.js";
import { readJsonFile, validate } from "../validation.js";

export const SchedulerConfigSchema = Type.Object(
  {
    threadPool: Type.Optional(
      Type.Object(
        { threadCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) },
        { additionalProperties: false },
      ),
    ),
    scheduler: Type.Optional(
      Type.Object(
        { executePersistentSchedules: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
    ),
    retention: Type.Optional(RetentionSchema),
  },
  { additionalProperties: false },
);

export interface SchedulerConfig {
  readonly threadCount: number;
  readonly executePersistentSchedules: boolean;
  readonly retention: RetentionRule;
}

export const DEFAULT_SCHEDULER_CONFIG: SchedulerConfig = Object.freeze({
  threadCount: 10,
  executePersistentSchedules: true,
  retention: DEFAULT_RETENTION,
});

/**
 * Reads `<dir>/scheduler.json`; the defaults when there is none.
 * @throws SundialError `badRequest` naming the file and the field.
 */
export async function readSchedulerConfig(dir: string): Promise<SchedulerConfig> {
  const file = join(dir, "scheduler.json");
  const value = await readJsonFile(file);
  if (value === undefined) return DEFAULT_SCHEDULER_CONFIG;
  const config = validate(SchedulerConfigSchema, value, file);
  return {
    threadCount: config.threadPool?.threadCount ?? DEFAULT_SCHEDULER_CONFIG.threadCount,
    executePersistentSchedules:
      config.scheduler?.executePersistentSchedules ??
      DEFAULT_SCHEDULER_CONFIG.executePersistentSchedules,
    retention: retentionRule(config.retention),
  };
}
