/**
 * The invoke context of the `export` job type: the task or the project a job runs. A
 * project's or task's schedule carries it (src/projects/owned-schedules.ts), as do "run
 * now" and a task's retries. Checked where it is given ahead of the run (a schedule is
 * refused when saved); the task or project itself is looked up when the job runs, since
 * it may be deleted meanwhile.
 */
import { type Static, Type } from "typebox";
import { SundialError } from "../errors.js";
import { validate } from "../validation.js";

const Id = Type.String({ minLength: 1, maxLength: 200 });

export const ExportInvokeContextSchema = Type.Union([
  Type.Object(
    {
      taskId: Id,
      /** 2 and on for a retry. */
      attempt: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
      /** The job whose failed run this retries. */
      retryOf: Type.Optional(Id),
      /** The first run's instant (ms), which a retry keeps so that it writes the same file names. */
      instant: Type.Optional(Type.Integer()),
    },
    { additionalProperties: false },
  ),
  Type.Object({ projectId: Id }, { additionalProperties: false }),
]);
export type ExportInvokeContext = Static<typeof ExportInvokeContextSchema>;

declare module "../jobs/job.js" {
  interface JobTypes {
    export: ExportInvokeContext;
  }
}

/**
 * Checks an `export` job's data.
 * @throws SundialError `badRequest` naming the field.
 * @example checkExportContext({ taskId: "tsk_3kQ9v1xYb2c8" })
 */
export function checkExportContext(data: unknown, field = "invokeContext"): ExportInvokeContext {
  const isObject = data !== null && typeof data === "object" && !Array.isArray(data);
  if (!isObject || (!("taskId" in data) && !("projectId" in data))) {
    throw new SundialError(
      "badRequest",
      `${field}: must name the task ({ "taskId": … }) or the project ({ "projectId": … }) to run`,
      { field },
    );
  }
  // One branch at a time, so that a message names the field of the branch meant.
  const branch =
    "taskId" in data ? ExportInvokeContextSchema.anyOf[0] : ExportInvokeContextSchema.anyOf[1];
  return validate(branch, data, field);
}
