/**
 * Who may do what. The words, as the API, CLI and docs use them:
 *
 * - **user**: a person or service account with a name, an optional password and roles.
 * - **role**: `admin` (everything, including users), `operator` (create, edit and run
 *   schedules, tasks and connections), `viewer` (read only). Each includes the ones after it.
 * - **group**: users brought together for a **grant**: the right to start jobs of one type
 *   (group `exporters` may start `export` jobs) whatever their role.
 * - **API token**: a secret a user makes for programs (`Authorization: Bearer …`); shown
 *   once, stored hashed, with an expiry, revocable.
 * - **session**: a browser's login, held in an HttpOnly cookie; changes made with it must
 *   also send its CSRF token.
 * - **access**: what a route requires: `public`, or the least role that may call it.
 * - **principal**: the authenticated caller of one request.
 * - **audit entry**: one change asked of the API: who, what, when, from where, and how it ended.
 */

export const ROLES = ["admin", "operator", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const ACCESS_LEVELS = ["public", "viewer", "operator", "admin"] as const;
/** What a route requires; a route that says nothing is admin-only. */
export type Access = (typeof ACCESS_LEVELS)[number];

/** The authenticated caller of a request. */
export interface Principal {
  readonly userId: string;
  readonly name: string;
  readonly roles: readonly Role[];
  /** The names of the user's groups. */
  readonly groups: readonly string[];
  /** The job types the user's groups may start. */
  readonly jobTypes: readonly string[];
  /** How the request proved who it is. */
  readonly via: "session" | "token";
  /** The API token used, when `via` is `token`. */
  readonly tokenId: string | null;
}

/** A user as the API shows it: never the password hash. */
export interface User {
  readonly id: string;
  readonly name: string;
  readonly roles: readonly Role[];
  readonly groups: readonly string[];
  readonly hasPassword: boolean;
  readonly disabled: boolean;
  readonly lastLoginAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Group {
  readonly id: string;
  readonly name: string;
  /** Member user names, sorted. */
  readonly members: readonly string[];
  /** The job types members may start, sorted. */
  readonly jobTypes: readonly string[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** An API token as listed: never its secret. */
export interface ApiToken {
  readonly id: string;
  readonly name: string;
  /** The owner's user name: the token acts as this user. */
  readonly user: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

/** A new token: `secret` is shown this once and cannot be recovered. */
export interface CreatedToken {
  readonly token: ApiToken;
  readonly secret: string;
}

/** A new browser session: `id` goes in the cookie, `csrfToken` to the page. */
export interface CreatedSession {
  readonly id: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
}

/** One change asked of the API. */
export interface AuditEntry {
  readonly at: number;
  readonly userId: string | null;
  readonly userName: string | null;
  readonly tokenId: string | null;
  readonly method: string;
  /** The route's pattern, e.g. `/api/v1/users/:name`. */
  readonly route: string;
  /** The id or name the change was about, when it had one. */
  readonly target: string | null;
  /** The HTTP status answered: whether it was done, refused or failed. */
  readonly status: number;
  readonly ip: string | null;
}

export interface AuditRow extends AuditEntry {
  readonly id: number;
}
