/**
 * The auth rules: users and their passwords, groups and their grants, API tokens,
 * browser sessions, logins and their rate limit, and the audit log. Who may call what is
 * decided by the routes' access and permissions.ts; this service checks every input and
 * keeps the stored state consistent (a name is unique, the last admin stays an admin).
 *
 * @example
 * const auth = new AuthService(sundial.store);
 * const first = await auth.bootstrapAdmin({ password: process.env.SUNDIAL_ADMIN_PASSWORD });
 * if (first.created && first.generated) console.log(`admin password: ${first.password}`);
 */
import { type Clock, systemClock } from "../clock.js";
import { SundialError } from "../errors.js";
import type { Store } from "../store/store.js";
import { validate } from "../validation.js";
import type {
  ApiToken,
  AuditEntry,
  AuditRow,
  CreatedSession,
  CreatedToken,
  Group,
  Principal,
  User,
} from "./auth.js";
import {
  AuthRepository,
  isEnabledAdmin,
  rolesOf,
  toGroup,
  toToken,
  toUser,
  type UserRecord,
} from "./auth.repository.js";
import {
  AuditQuerySchema,
  checkInput,
  GroupNameSchema,
  GroupSchema,
  LoginSchema,
  NewTokenSchema,
  NewUserSchema,
  PASSWORD_MAX,
  PASSWORD_MIN,
  PasswordChangeSchema,
  UserChangeSchema,
} from "./auth-input.js";
import { DEFAULT_LOGIN_LIMITS, LoginLimit, type LoginLimits } from "./login-limit.js";
import { generatePassword, hashPassword, UNMATCHABLE_HASH, verifyPassword } from "./password.js";
import { type CachedToken, PrincipalCache } from "./principal-cache.js";
import { hashSecret, newId, newSecret, newTokenSecret } from "./secret.js";

export interface AuthOptions {
  readonly clock?: Clock;
  /** How long a browser session lasts from login, in ms; default 12 hours. */
  readonly sessionTtlMs?: number;
  /** A token's lifetime when its creator gives none, in days; default 90. */
  readonly tokenDays?: number;
  readonly loginLimits?: Partial<LoginLimits>;
  /**
   * How long a token's principal is reused, in ms, before the token, its user and groups
   * are read again; default 5000, 0 reads them on every request. Changes made through
   * this service apply at once; made elsewhere (another node), within this time.
   */
  readonly tokenCacheMs?: number;
}

/** What {@link AuthService.bootstrapAdmin} did. */
export type BootstrapResult =
  | { readonly created: false }
  | {
      readonly created: true;
      readonly name: string;
      /** Set when Sundial made the password up: print it once, it is not stored anywhere readable. */
      readonly generatedPassword?: string;
    };

const DAY = 86_400_000;
const DEFAULT_SESSION_TTL = 12 * 3_600_000;
const DEFAULT_TOKEN_DAYS = 90;
/** A token's last use is written at most this often. */
const TOKEN_TOUCH_INTERVAL = 60_000;
const DEFAULT_TOKEN_CACHE_MS = 5000;
/** Tokens whose principal is kept: far more than the clients of one server use at once. */
const TOKEN_CACHE_ENTRIES = 1000;
export const ADMIN_NAME = "admin";

const unauthorized = (message: string) => new SundialError("unauthorized", message);
const notFound = (what: string, field: string) =>
  new SundialError("notFound", `${what} does not exist.`, { field });

export class AuthService {
  private readonly repository: AuthRepository;
  private readonly clock: Clock;
  private readonly sessionTtlMs: number;
  private readonly tokenDays: number;
  private readonly loginLimit: LoginLimit;
  private readonly tokens: PrincipalCache;

  constructor(store: Store, options: AuthOptions = {}) {
    this.repository = AuthRepository.of(store);
    this.clock = options.clock ?? systemClock;
    this.sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL;
    this.tokenDays = options.tokenDays ?? DEFAULT_TOKEN_DAYS;
    this.tokens = new PrincipalCache(
      options.tokenCacheMs ?? DEFAULT_TOKEN_CACHE_MS,
      TOKEN_CACHE_ENTRIES,
    );
    this.loginLimit = new LoginLimit(this.repository, {
      ...DEFAULT_LOGIN_LIMITS,
      ...options.loginLimits,
    });
  }

  /** How long a new session lasts, for the cookie's Max-Age. */
  get sessionLifetimeMs(): number {
    return this.sessionTtlMs;
  }

  // ── users ──────────────────────────────────────────────────────────────────────

  /** @throws SundialError `badRequest` naming the field; `conflict` when the name is taken. */
  async createUser(input: unknown): Promise<User> {
    const { name, password, roles } = checkInput(NewUserSchema, input);
    const now = this.clock.now();
    const row = {
      id: newId("usr"),
      name,
      password_hash: password === undefined ? null : await hashPassword(password),
      roles: JSON.stringify(roles),
      disabled_at: null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    };
    if (!(await this.repository.insertUser(row))) {
      throw new SundialError("conflict", `A user named ${name} already exists.`, { field: "name" });
    }
    return toUser(row, []);
  }

  async getUser(name: string): Promise<User> {
    const row = await this.userRecord(name);
    return toUser(row, (await this.repository.memberships(row.id)).groups);
  }

  async listUsers(): Promise<User[]> {
    const [rows, groups] = await Promise.all([
      this.repository.listUsers(),
      this.repository.groupNamesByUser(),
    ]);
    return rows.map((row) => toUser(row, groups.get(row.id) ?? []));
  }

  /**
   * Changes a user's roles, or disables or enables them. Disabling ends their sessions
   * and stops their tokens working (until enabled again).
   * @throws SundialError `conflict` when it would leave no enabled admin.
   */
  async updateUser(name: string, input: unknown): Promise<User> {
    const change = checkInput(UserChangeSchema, input);
    const now = this.clock.now();
    await this.repository.transaction(async (repository) => {
      const row = await this.userRecord(name, repository);
      const roles = change.roles ?? rolesOf(row);
      const disabled = change.disabled ?? row.disabled_at !== null;
      if (isEnabledAdmin(row) && !(roles.includes("admin") && !disabled)) {
        const admins = (await repository.listUsers()).filter(isEnabledAdmin);
        if (admins.length <= 1) {
          throw new SundialError(
            "conflict",
            `${name} is the only enabled admin; make another user an admin first.`,
            { field: change.roles === undefined ? "disabled" : "roles" },
          );
        }
      }
      await repository.updateUser(row.id, {
        roles: JSON.stringify(roles),
        disabled_at: disabled ? (row.disabled_at ?? now) : null,
        updated_at: now,
      });
      if (disabled) await repository.deleteSessionsOf(row.id);
    });
    // Their tokens act with the new roles, or stop working, from the next request on.
    this.tokens.clear();
    return this.getUser(name);
  }

  /** Disables a user: kept (the audit log names them), but unable to log in or use tokens. */
  disableUser(name: string): Promise<User> {
    return this.updateUser(name, { disabled: true });
  }

  /**
   * Sets a user's password and ends their other sessions.
   * @param options.requireCurrent users changing their own password must give the current one.
   * @param options.keepSession the session making the change, which stays logged in.
   * @throws SundialError `unauthorized` when the current password is wrong.
   */
  async setPassword(
    name: string,
    input: unknown,
    options: { requireCurrent?: boolean; keepSession?: string } = {},
  ): Promise<void> {
    const { password, currentPassword } = checkInput(PasswordChangeSchema, input);
    const row = await this.userRecord(name);
    if (options.requireCurrent) {
      if (currentPassword === undefined) {
        throw new SundialError(
          "badRequest",
          "currentPassword: is required to change your own password",
          {
            field: "currentPassword",
          },
        );
      }
      if (!(await verifyPassword(currentPassword, row.password_hash ?? UNMATCHABLE_HASH))) {
        throw new SundialError("unauthorized", "currentPassword: is not your current password", {
          field: "currentPassword",
        });
      }
    }
    await this.repository.updateUser(row.id, {
      password_hash: await hashPassword(password),
      updated_at: this.clock.now(),
    });
    await this.repository.deleteSessionsOf(
      row.id,
      options.keepSession === undefined ? undefined : hashSecret(options.keepSession),
    );
  }

  /**
   * On a first start (no user at all), creates the `admin` user with `password`, or with
   * a generated one-time password returned for the caller to print. Does nothing when any
   * user exists, or when another node got there first.
   * @param options.password `SUNDIAL_ADMIN_PASSWORD`, when set.
   * @throws SundialError `badRequest` naming SUNDIAL_ADMIN_PASSWORD when it is too short or long.
   */
  async bootstrapAdmin(options: { password?: string } = {}): Promise<BootstrapResult> {
    const given = options.password;
    if (given !== undefined && (given.length < PASSWORD_MIN || given.length > PASSWORD_MAX)) {
      throw new SundialError(
        "badRequest",
        `SUNDIAL_ADMIN_PASSWORD: must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters (the value is not shown)`,
        { field: "SUNDIAL_ADMIN_PASSWORD" },
      );
    }
    if ((await this.repository.countUsers()) > 0) return { created: false };
    const password = given ?? generatePassword();
    const now = this.clock.now();
    const inserted = await this.repository.insertUser({
      id: newId("usr"),
      name: ADMIN_NAME,
      password_hash: await hashPassword(password),
      roles: JSON.stringify(["admin"]),
      disabled_at: null,
      last_login_at: null,
      created_at: now,
      updated_at: now,
    });
    if (!inserted) return { created: false };
    return given === undefined
      ? { created: true, name: ADMIN_NAME, generatedPassword: password }
      : { created: true, name: ADMIN_NAME };
  }

  // ── logins and sessions ────────────────────────────────────────────────────────

  /**
   * Checks a name and password, within the login rate limit.
   * @throws LoginThrottledError (`tooManyRequests`) over the limit; SundialError
   *   `unauthorized` for a wrong name or password (one message for both) or a disabled user.
   */
  async verifyLogin(input: unknown, ip: string): Promise<User> {
    const { name, password } = checkInput(LoginSchema, input);
    const now = this.clock.now();
    const row = await this.repository.userByName(name);
    await this.loginLimit.check(name, ip, now, row?.last_login_at ?? null);
    // An unknown name costs one hash too, so that timing does not tell which names exist.
    const matches = await verifyPassword(password, row?.password_hash ?? UNMATCHABLE_HASH);
    if (row === undefined || row.password_hash === null || !matches) {
      await this.loginLimit.failed(name, ip, now);
      throw unauthorized("Wrong user name or password.");
    }
    if (row.disabled_at !== null) {
      throw unauthorized(`${name} is disabled; ask an admin to enable the account.`);
    }
    await this.repository.updateUser(row.id, { last_login_at: now });
    return toUser(
      { ...row, last_login_at: now },
      (await this.repository.memberships(row.id)).groups,
    );
  }

  /** {@link verifyLogin}, then a new session for the user. */
  async login(input: unknown, ip: string): Promise<{ user: User; session: CreatedSession }> {
    const user = await this.verifyLogin(input, ip);
    return { user, session: await this.createSession(user.id) };
  }

  async createSession(userId: string): Promise<CreatedSession> {
    const now = this.clock.now();
    const session = { id: newSecret(), csrfToken: newSecret(), expiresAt: now + this.sessionTtlMs };
    await this.repository.insertSession(
      {
        id_hash: hashSecret(session.id),
        user_id: userId,
        csrf_token: session.csrfToken,
        created_at: now,
        expires_at: session.expiresAt,
      },
      now,
    );
    return session;
  }

  /**
   * The caller a session cookie stands for, and the CSRF token its changes must carry.
   * @throws SundialError `unauthorized` when the session is unknown, ended or expired, or its user disabled.
   */
  async authenticateSession(
    sessionId: string,
  ): Promise<{ principal: Principal; csrfToken: string }> {
    const session = await this.repository.sessionByHash(hashSecret(sessionId));
    if (session === undefined || session.expires_at <= this.clock.now()) {
      throw unauthorized("Your session has ended or expired; log in again.");
    }
    const principal = await this.principal(session.user_id, "session", null);
    return { principal, csrfToken: session.csrf_token };
  }

  async destroySession(sessionId: string): Promise<void> {
    await this.repository.deleteSession(hashSecret(sessionId));
  }

  // ── API tokens ─────────────────────────────────────────────────────────────────

  /**
   * Makes an API token for `input.user`, else for `owner`. The secret is returned this
   * once; only its hash is kept.
   */
  async createToken(input: unknown, owner?: string): Promise<CreatedToken> {
    const request = checkInput(NewTokenSchema, input);
    const userName = request.user ?? owner;
    if (userName === undefined) {
      throw new SundialError("badRequest", "user: is required", { field: "user" });
    }
    const user = await this.userRecord(userName);
    const now = this.clock.now();
    const secret = newTokenSecret();
    const row = {
      id: newId("tok"),
      user_id: user.id,
      name: request.name,
      secret_hash: hashSecret(secret),
      created_at: now,
      expires_at: now + (request.expiresInDays ?? this.tokenDays) * DAY,
      revoked_at: null,
      last_used_at: null,
    };
    await this.repository.insertToken(row);
    return { token: toToken({ ...row, user_name: user.name }), secret };
  }

  /** Every token, or those of one user; oldest first. */
  async listTokens(userName?: string): Promise<ApiToken[]> {
    const userId = userName === undefined ? undefined : (await this.userRecord(userName)).id;
    return (await this.repository.listTokens(userId)).map(toToken);
  }

  async findToken(id: string): Promise<ApiToken | undefined> {
    const row = await this.repository.tokenById(id);
    return row === undefined ? undefined : toToken(row);
  }

  async getToken(id: string): Promise<ApiToken> {
    const token = await this.findToken(id);
    if (token === undefined) throw notFound(`API token ${id}`, "id");
    return token;
  }

  /** Revokes a token at once; revoking it again changes nothing. */
  async revokeToken(id: string): Promise<ApiToken> {
    await this.getToken(id);
    await this.repository.revokeToken(id, this.clock.now());
    this.tokens.clear();
    return this.getToken(id);
  }

  /**
   * The caller an `Authorization: Bearer` token stands for.
   * @throws SundialError `unauthorized` when the token is unknown, revoked or expired, or its user disabled.
   */
  async authenticateToken(secret: string): Promise<Principal> {
    const hash = hashSecret(secret);
    const now = this.clock.now();
    const cached = this.tokens.get(hash, now);
    if (cached !== undefined) {
      await this.touchToken(cached, now);
      return cached.principal;
    }
    const version = this.tokens.version;
    const row = await this.repository.tokenByHash(hash);
    if (row === undefined) {
      throw unauthorized("The API token is not valid; check it, or create a new one.");
    }
    if (row.revoked_at !== null) {
      throw unauthorized(`The API token ${row.id} (${row.name}) was revoked; create a new one.`);
    }
    if (row.expires_at <= now) {
      throw unauthorized(
        `The API token ${row.id} (${row.name}) expired on ${new Date(row.expires_at).toISOString()}; create a new one.`,
      );
    }
    const entry: CachedToken = {
      principal: await this.principal(row.user_id, "token", row.id),
      expiresAt: row.expires_at,
      lastUsedAt: row.last_used_at,
      readAt: now,
    };
    await this.touchToken(entry, now);
    this.tokens.set(hash, entry, version);
    return entry.principal;
  }

  /** Records a token's use, at most once a minute, so that a request is not a write. */
  private async touchToken(entry: CachedToken, now: number): Promise<void> {
    if (entry.lastUsedAt !== null && entry.lastUsedAt > now - TOKEN_TOUCH_INTERVAL) return;
    entry.lastUsedAt = now;
    await this.repository.touchToken(entry.principal.tokenId as string, now, TOKEN_TOUCH_INTERVAL);
  }

  private async principal(
    userId: string,
    via: Principal["via"],
    tokenId: string | null,
  ): Promise<Principal> {
    const user = await this.repository.userById(userId);
    if (user === undefined) throw unauthorized("The user of these credentials no longer exists.");
    if (user.disabled_at !== null) {
      throw unauthorized(`${user.name} is disabled; ask an admin to enable the account.`);
    }
    const { groups, jobTypes } = await this.repository.memberships(userId);
    // Frozen: a token's principal is shared by its requests while it is cached.
    return Object.freeze({
      userId,
      name: user.name,
      roles: Object.freeze(rolesOf(user)),
      groups: Object.freeze(groups),
      jobTypes: Object.freeze(jobTypes),
      via,
      tokenId,
    });
  }

  // ── groups ─────────────────────────────────────────────────────────────────────

  /** Creates a group, or replaces its members and grants. */
  async putGroup(name: string, input: unknown): Promise<Group> {
    validate(GroupNameSchema, name, "name");
    const { members, jobTypes } = checkInput(GroupSchema, input);
    const now = this.clock.now();
    await this.repository.transaction(async (repository) => {
      const userIds: string[] = [];
      for (const [i, member] of members.entries()) {
        const user = await repository.userByName(member);
        if (user === undefined) throw notFound(`The user ${member}`, `members[${i}]`);
        userIds.push(user.id);
      }
      let group = await repository.groupByName(name);
      if (group === undefined) {
        group = { id: newId("grp"), name, created_at: now, updated_at: now };
        await repository.insertGroup(group);
      } else {
        await repository.touchGroup(group.id, now);
      }
      await repository.setGroupContents(group.id, userIds, jobTypes);
    });
    // Its members' tokens carry the new grants from the next request on.
    this.tokens.clear();
    return this.getGroup(name);
  }

  async getGroup(name: string): Promise<Group> {
    const [group] = await this.repository.listGroups(name);
    if (group === undefined) throw notFound(`The group ${name}`, "name");
    return toGroup(group);
  }

  async listGroups(): Promise<Group[]> {
    return (await this.repository.listGroups()).map(toGroup);
  }

  async deleteGroup(name: string): Promise<void> {
    if (!(await this.repository.deleteGroup(name))) throw notFound(`The group ${name}`, "name");
    this.tokens.clear();
  }

  // ── audit ──────────────────────────────────────────────────────────────────────

  /** Writes an audit entry, stamped now. */
  recordAudit(entry: Omit<AuditEntry, "at">): Promise<void> {
    return this.repository.insertAudit({ ...entry, at: this.clock.now() });
  }

  /** Audit entries, newest first, filtered by `query` (see AuditQuerySchema). */
  async listAudit(query: unknown = {}): Promise<AuditRow[]> {
    return this.repository.findAudit(checkInput(AuditQuerySchema, query));
  }

  private async userRecord(name: string, repository = this.repository): Promise<UserRecord> {
    const row = await repository.userByName(name);
    if (row === undefined) {
      // A name no user could have gets the same answer as a free one.
      throw notFound(`The user ${name}`, "name");
    }
    return row;
  }
}
