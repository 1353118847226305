/**
 * The auth queries, on the store's query builder. Rules (who may, what is valid) live in
 * auth.service.ts; here are only reads and writes, every value bound as a parameter.
 */
import type { Kysely, Selectable, Updateable } from "kysely";
import type { Database } from "../store/database.js";
import type { Store } from "../store/store.js";
import type { ApiToken, AuditEntry, AuditRow, Group, Role, User } from "./auth.js";
import type { AuditQuery } from "./auth-input.js";
import type {
  ApiTokensTable,
  AuthTables,
  SessionsTable,
  UserGroupsTable,
  UsersTable,
} from "./auth-tables.js";

type AuthDatabase = Database & AuthTables;

export type UserRecord = Selectable<UsersTable>;
export type TokenRecord = Selectable<ApiTokensTable> & { user_name: string };
export type SessionRecord = Selectable<SessionsTable>;

/** What authenticating a request needs to know about its user besides the user row. */
export interface Memberships {
  readonly groups: string[];
  readonly jobTypes: string[];
}

export interface GroupRecord extends Selectable<UserGroupsTable> {
  readonly members: string[];
  readonly jobTypes: string[];
}

const DEFAULT_AUDIT_PAGE = 100;

/** Roles are JSON text in both dialects. */
export function rolesOf(row: Pick<UsersTable, "roles">): Role[] {
  return JSON.parse(row.roles) as Role[];
}

export class AuthRepository {
  /** Within a transaction, `db` is the transaction. */
  private constructor(private readonly db: Kysely<AuthDatabase>) {}

  static of(store: Store): AuthRepository {
    return new AuthRepository(store.db.withTables<AuthTables>());
  }

  /** Runs `work` in one transaction; not to be nested. */
  transaction<T>(work: (repository: AuthRepository) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new AuthRepository(trx)));
  }

  // ── users ──────────────────────────────────────────────────────────────────────

  /** Inserts a user; false when the name is taken. */
  async insertUser(row: UsersTable): Promise<boolean> {
    const result = await this.db
      .insertInto("users")
      .values(row)
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  userByName(name: string): Promise<UserRecord | undefined> {
    return this.db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  }

  userById(id: string): Promise<UserRecord | undefined> {
    return this.db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  }

  listUsers(): Promise<UserRecord[]> {
    return this.db.selectFrom("users").selectAll().orderBy("name").execute();
  }

  async countUsers(): Promise<number> {
    const row = await this.db
      .selectFrom("users")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async updateUser(id: string, change: Updateable<UsersTable>): Promise<void> {
    await this.db.updateTable("users").set(change).where("id", "=", id).execute();
  }

  /** The group names of each user, sorted. */
  async groupNamesByUser(): Promise<Map<string, string[]>> {
    const rows = await this.db
      .selectFrom("group_members")
      .innerJoin("user_groups", "user_groups.id", "group_members.group_id")
      .select(["group_members.user_id", "user_groups.name"])
      .orderBy("user_groups.name")
      .execute();
    const byUser = new Map<string, string[]>();
    for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row.name]);
    return byUser;
  }

  async memberships(userId: string): Promise<Memberships> {
    const rows = await this.db
      .selectFrom("group_members")
      .innerJoin("user_groups", "user_groups.id", "group_members.group_id")
      .leftJoin("group_grants", "group_grants.group_id", "group_members.group_id")
      .select(["user_groups.name", "group_grants.job_type"])
      .where("group_members.user_id", "=", userId)
      .execute();
    const groups = new Set<string>();
    const jobTypes = new Set<string>();
    for (const row of rows) {
      groups.add(row.name);
      if (row.job_type !== null) jobTypes.add(row.job_type);
    }
    return { groups: [...groups].sort(), jobTypes: [...jobTypes].sort() };
  }

  // ── groups ─────────────────────────────────────────────────────────────────────

  groupByName(name: string): Promise<Selectable<UserGroupsTable> | undefined> {
    return this.db
      .selectFrom("user_groups")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
  }

  async insertGroup(row: UserGroupsTable): Promise<void> {
    await this.db.insertInto("user_groups").values(row).execute();
  }

  async touchGroup(id: string, now: number): Promise<void> {
    await this.db
      .updateTable("user_groups")
      .set({ updated_at: now })
      .where("id", "=", id)
      .execute();
  }

  /** Replaces a group's members and grants. */
  async setGroupContents(groupId: string, userIds: readonly string[], jobTypes: readonly string[]) {
    await this.db.deleteFrom("group_members").where("group_id", "=", groupId).execute();
    await this.db.deleteFrom("group_grants").where("group_id", "=", groupId).execute();
    if (userIds.length > 0) {
      await this.db
        .insertInto("group_members")
        .values(userIds.map((user_id) => ({ group_id: groupId, user_id })))
        .execute();
    }
    if (jobTypes.length > 0) {
      await this.db
        .insertInto("group_grants")
        .values(jobTypes.map((job_type) => ({ group_id: groupId, job_type })))
        .execute();
    }
  }

  async deleteGroup(name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("user_groups")
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listGroups(name?: string): Promise<GroupRecord[]> {
    let query = this.db.selectFrom("user_groups").selectAll().orderBy("name");
    if (name !== undefined) query = query.where("name", "=", name);
    const groups = await query.execute();
    if (groups.length === 0) return [];
    const ids = groups.map((g) => g.id);
    const members = await this.db
      .selectFrom("group_members")
      .innerJoin("users", "users.id", "group_members.user_id")
      .select(["group_members.group_id", "users.name"])
      .where("group_members.group_id", "in", ids)
      .orderBy("users.name")
      .execute();
    const grants = await this.db
      .selectFrom("group_grants")
      .select(["group_id", "job_type"])
      .where("group_id", "in", ids)
      .orderBy("job_type")
      .execute();
    return groups.map((group) => ({
      ...group,
      members: members.filter((m) => m.group_id === group.id).map((m) => m.name),
      jobTypes: grants.filter((g) => g.group_id === group.id).map((g) => g.job_type),
    }));
  }

  // ── API tokens ─────────────────────────────────────────────────────────────────

  async insertToken(row: ApiTokensTable): Promise<void> {
    await this.db.insertInto("api_tokens").values(row).execute();
  }

  private tokens() {
    return this.db
      .selectFrom("api_tokens")
      .innerJoin("users", "users.id", "api_tokens.user_id")
      .selectAll("api_tokens")
      .select("users.name as user_name");
  }

  tokenByHash(secretHash: string): Promise<TokenRecord | undefined> {
    return this.tokens().where("api_tokens.secret_hash", "=", secretHash).executeTakeFirst();
  }

  tokenById(id: string): Promise<TokenRecord | undefined> {
    return this.tokens().where("api_tokens.id", "=", id).executeTakeFirst();
  }

  listTokens(userId?: string): Promise<TokenRecord[]> {
    let query = this.tokens().orderBy("api_tokens.created_at").orderBy("api_tokens.id");
    if (userId !== undefined) query = query.where("api_tokens.user_id", "=", userId);
    return query.execute();
  }

  /** Records a use, at most once per `interval`, so that every request is not a write. */
  async touchToken(id: string, now: number, interval: number): Promise<void> {
    await this.db
      .updateTable("api_tokens")
      .set({ last_used_at: now })
      .where("id", "=", id)
      .where((eb) =>
        eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<=", now - interval)]),
      )
      .execute();
  }

  async revokeToken(id: string, now: number): Promise<void> {
    await this.db
      .updateTable("api_tokens")
      .set({ revoked_at: now })
      .where("id", "=", id)
      .where("revoked_at", "is", null)
      .execute();
  }

  // ── sessions ───────────────────────────────────────────────────────────────────

  async insertSession(row: SessionsTable, now: number): Promise<void> {
    // Expired sessions go as new ones come, so the table holds about the live ones.
    await this.db.deleteFrom("sessions").where("expires_at", "<=", now).execute();
    await this.db.insertInto("sessions").values(row).execute();
  }

  sessionByHash(idHash: string): Promise<SessionRecord | undefined> {
    return this.db
      .selectFrom("sessions")
      .selectAll()
      .where("id_hash", "=", idHash)
      .executeTakeFirst();
  }

  async deleteSession(idHash: string): Promise<void> {
    await this.db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
  }

  /** Ends every session of a user but `keep` (the hash of the one making the change). */
  async deleteSessionsOf(userId: string, keep?: string): Promise<void> {
    let query = this.db.deleteFrom("sessions").where("user_id", "=", userId);
    if (keep !== undefined) query = query.where("id_hash", "<>", keep);
    await query.execute();
  }

  // ── failed logins ──────────────────────────────────────────────────────────────

  async recordFailure(name: string, ip: string, at: number, windowStart: number): Promise<void> {
    await this.db.deleteFrom("login_failures").where("at", "<", windowStart).execute();
    await this.db.insertInto("login_failures").values({ name, ip, at }).execute();
  }

  /**
   * The time of the `n`th most recent failure after `since` for a name or an address, or
   * undefined when there are fewer: once it leaves the window, fewer than `n` remain.
   */
  async nthRecentFailure(
    key: "name" | "ip",
    value: string,
    since: number,
    n: number,
  ): Promise<number | undefined> {
    const row = await this.db
      .selectFrom("login_failures")
      .select("at")
      .where(key, "=", value)
      .where("at", ">", since)
      .orderBy("at", "desc")
      .limit(1)
      .offset(n - 1)
      .executeTakeFirst();
    return row?.at;
  }

  // ── audit ──────────────────────────────────────────────────────────────────────

  async insertAudit(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto("audit_log")
      .values({
        at: entry.at,
        user_id: entry.userId,
        user_name: entry.userName,
        token_id: entry.tokenId,
        method: entry.method,
        route: entry.route,
        target: entry.target,
        status: entry.status,
        ip: entry.ip,
      })
      .execute();
  }

  /** Newest first. */
  async findAudit(q: AuditQuery): Promise<AuditRow[]> {
    let query = this.db.selectFrom("audit_log").selectAll().orderBy("id", "desc");
    if (q.user !== undefined) query = query.where("user_name", "=", q.user);
    if (q.method !== undefined) query = query.where("method", "=", q.method.toUpperCase());
    if (q.route !== undefined) query = query.where("route", "=", q.route);
    if (q.target !== undefined) query = query.where("target", "=", q.target);
    if (q.from !== undefined) query = query.where("at", ">=", q.from);
    if (q.to !== undefined) query = query.where("at", "<", q.to);
    if (q.before !== undefined) query = query.where("id", "<", q.before);
    const rows = await query.limit(q.limit ?? DEFAULT_AUDIT_PAGE).execute();
    return rows.map((row) => ({
      id: Number(row.id),
      at: row.at,
      userId: row.user_id,
      userName: row.user_name,
      tokenId: row.token_id,
      method: row.method,
      route: row.route,
      target: row.target,
      status: row.status,
      ip: row.ip,
    }));
  }
}

// ── rows as the API shows them ─────────────────────────────────────────────────

export function isEnabledAdmin(row: UserRecord): boolean {
  return row.disabled_at === null && rolesOf(row).includes("admin");
}

export function toUser(row: UserRecord, groups: readonly string[]): User {
  return {
    id: row.id,
    name: row.name,
    roles: rolesOf(row),
    groups,
    hasPassword: row.password_hash !== null,
    disabled: row.disabled_at !== null,
    lastLoginAt: row.last_login_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function toToken(row: TokenRecord): ApiToken {
  return {
    id: row.id,
    name: row.name,
    user: row.user_name,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export function toGroup(row: GroupRecord): Group {
  return {
    id: row.id,
    name: row.name,
    members: row.members,
    jobTypes: row.jobTypes,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
