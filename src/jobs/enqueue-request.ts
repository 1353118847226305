/**
 * What enqueueing a job takes: its type, its data and its options, checked and turned
 * into the row the store inserts.
 */
import { type Static, Type } from "typebox";
import type { NewJob } from "../store/store.js";
import { validate } from "../validation.js";
import type { DataOf, JobTypes } from "./job.js";
import { newJobId } from "./job-id.js";
import type { JobRegistry } from "./job-registry.js";
import { jsonValue, withoutNul } from "./json-value.js";

export const EnqueueOptionsSchema = Type.Object(
  {
    /** A name for people: shown in lists instead of the type. */
    label: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
    /** Not before this instant (ms); default now. */
    runAt: Type.Optional(Type.Integer()),
    /** Not before this many ms from now; `runAt` wins when both are given. */
    delayMs: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Run only when no normal job is waiting. */
    lowPriority: Type.Optional(Type.Boolean()),
    /** Higher runs first within its priority class; default 0. */
    priority: Type.Optional(Type.Integer({ minimum: -1000, maximum: 1000 })),
    /** Default: the job type's `maxAttempts`. */
    maxAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    /** Who asked for it. */
    runBy: Type.Optional(
      Type.Union([
        Type.Object(
          { id: Type.String({ minLength: 1 }), name: Type.String() },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
  },
  { additionalProperties: false },
);
export type EnqueueOptions = Static<typeof EnqueueOptionsSchema>;

/** `enqueue`'s arguments after the type: the data (required when {@link JobTypes} declares the type) and options. */
export type EnqueueArgs<TType extends string> = TType extends keyof JobTypes
  ? [data: JobTypes[TType], options?: EnqueueOptions]
  : [data?: unknown, options?: EnqueueOptions];

/** One job for `enqueueMany`. */
export interface EnqueueRequest<TType extends string = string> {
  readonly type: TType;
  readonly data?: DataOf<TType>;
  readonly options?: EnqueueOptions;
}

/**
 * The stored form of an enqueue request, checked: the type must be defined, the options
 * valid, the data JSON. `at` prefixes field names (`[2].`) for requests in a batch.
 * @throws SundialError `badRequest` naming the field.
 */
export function toNewJob(
  request: EnqueueRequest,
  registry: JobRegistry,
  now: number,
  at = "",
): NewJob {
  const definition = registry.require(request.type, `${at}type`);
  const options = validate(EnqueueOptionsSchema, request.options ?? {}, `${at}options`);
  return {
    id: newJobId(now),
    type: request.type,
    label: options.label == null ? null : withoutNul(options.label),
    data: jsonValue(request.data, `${at}data`),
    lowPriority: options.lowPriority ?? false,
    priority: options.priority ?? 0,
    maxAttempts: options.maxAttempts ?? definition.maxAttempts,
    runAt: options.runAt ?? now + (options.delayMs ?? 0),
    runById: options.runBy?.id ?? null,
    runByName: options.runBy == null ? null : withoutNul(options.runBy.name),
    createDate: now,
  };
}
