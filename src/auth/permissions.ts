/**
 * The permission rules, in one place: what each role may reach, and who may start a job
 * of a type. Routes declare their access; the auth plugin's hook and the job routes call
 * these.
 */
import { SundialError } from "../errors.js";
import type { Access, Principal, Role } from "./auth.js";

/** Each role includes every role of a lower rank. */
const RANK: Readonly<Record<Role, number>> = { viewer: 1, operator: 2, admin: 3 };
const REQUIRED: Readonly<Record<Exclude<Access, "public">, number>> = RANK;

function rankOf(principal: Principal): number {
  return Math.max(0, ...principal.roles.map((role) => RANK[role]));
}

/**
 * Whether `principal` may call a route that requires `access`.
 * @example allows({ roles: ["operator"], … }, "viewer") // true
 */
export function allows(principal: Principal, access: Access): boolean {
  return access === "public" || rankOf(principal) >= REQUIRED[access];
}

/** Throws `forbidden`, naming what was required, unless {@link allows}. */
export function requireAccess(principal: Principal, access: Access): void {
  if (!allows(principal, access)) {
    throw new SundialError(
      "forbidden",
      `This needs the ${access} role; ${principal.name} has ${principal.roles.join(", ") || "no role"}. Ask an admin for it.`,
    );
  }
}

export function isAdmin(principal: Principal): boolean {
  return rankOf(principal) >= RANK.admin;
}

/**
 * Whether `principal` may start a job of `jobType`: operators and admins may start any,
 * anyone else only the types a group of theirs was granted.
 * @example mayStartJob(principal, "export")
 */
export function mayStartJob(principal: Principal, jobType: string): boolean {
  return rankOf(principal) >= RANK.operator || principal.jobTypes.includes(jobType);
}

/** Throws `forbidden` unless {@link mayStartJob}. */
export function requireStartJob(principal: Principal, jobType: string): void {
  if (!mayStartJob(principal, jobType)) {
    throw new SundialError(
      "forbidden",
      `${principal.name} may not start ${jobType} jobs: that needs the operator role or a group granted ${jobType}.`,
      { field: "type" },
    );
  }
}

/** Throws `forbidden` unless `principal` is the user named or an admin. */
export function requireSelfOrAdmin(principal: Principal, userName: string): void {
  if (principal.name !== userName && !isAdmin(principal)) {
    throw new SundialError("forbidden", `Only ${userName} or an admin may do this.`);
  }
}
