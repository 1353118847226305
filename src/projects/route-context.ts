/**
 * What the project and task routes take from a request: who saves (`createdBy`, and the
 * owner of a new project), who runs (`runBy`), who `owner=me` is, and whether the caller
 * may start an `export` job. The routes share these, so each rule is here once.
 */
import type { FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import { SundialError } from "../errors.js";
import type { RunBy } from "../jobs/job.js";
import type { ConfigHistory } from "./config-history.js";
import type { SaveOptions } from "./project.js";
import type { ProjectService } from "./project.service.js";
import type { TaskService } from "./task.service.js";
import type { TaskRunService } from "./task-runs.service.js";

export interface ProjectRoutesOptions {
  readonly projects: ProjectService;
  readonly tasks: TaskService;
  readonly runs: TaskRunService;
  /** The config history, for `/schedules/{id}/versions`. */
  readonly history: ConfigHistory;
  /**
   * Refuses (throws `forbidden`) a caller who may not start jobs of `jobType`: auth's
   * rule (operators, and the users of groups granted the type), given by the app. Without
   * it, whoever may reach a run route may run.
   */
  readonly authorizeStart?: (request: FastifyRequest, jobType: string) => void;
}

export function savedBy(request: FastifyRequest): SaveOptions {
  return { by: request.principal?.name };
}

export function runByOf(request: FastifyRequest): RunBy | undefined {
  const principal = request.principal;
  return principal ? { id: principal.userId, name: principal.name } : undefined;
}

/** `owner=me` is the caller; without authentication there is no "me". */
export function ownerOf(request: FastifyRequest, owner: string | undefined): string | undefined {
  if (owner !== "me") return owner;
  const name = request.principal?.name;
  if (name === undefined) {
    throw new SundialError("badRequest", "owner: `me` needs a logged-in caller; name a user", {
      field: "owner",
    });
  }
  return name;
}

export const Owner = Type.String({
  minLength: 1,
  maxLength: 200,
  description: "Only those this user owns (a task: its project's owners); `me`: the caller's",
});

export const Size = (fallback: number) =>
  Type.Integer({ minimum: 1, maximum: 1000, description: `How many at most; default ${fallback}` });

export const SizeQuery = Type.Object(
  { _size: Type.Optional(Size(50)) },
  { additionalProperties: false },
);

export const DiffQuery = Type.Object(
  {
    from: Type.Optional(
      Type.Integer({ minimum: 0, description: "default the version before `to`; 0: nothing" }),
    ),
    to: Type.Optional(Type.Integer({ minimum: 1, description: "default the newest" })),
  },
  { additionalProperties: false },
);
export type Diff = Static<typeof DiffQuery>;

export const VersionParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  version: Type.Integer({ minimum: 1 }),
});
