import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuthService } from "../../src/auth/auth.service.js";
import type { AuthTables } from "../../src/auth/auth-tables.js";
import { LoginThrottledError } from "../../src/auth/login-limit.js";
import { mayStartJob } from "../../src/auth/permissions.js";
import type { Store } from "../../src/store/store.js";
import { FakeClock } from "../helpers/fake-clock.js";
import { refusalOf } from "./helpers.js";

const T0 = Date.UTC(2030, 0, 1, 9, 0, 0);
const MINUTE = 60_000;
const DAY = 86_400_000;
const PASSWORD = "correct horse battery";
const IP = "192.0.2.10";

/**
 * The auth service against a real store, the same tests for each dialect. `open` gives a
 * fresh, migrated, empty store per test; `cleanup` removes it after it is closed.
 */
export function authServiceSuite(
  name: string,
  open: () => Promise<Store>,
  cleanup: () => Promise<void>,
): void {
  describe(`the auth service on ${name}`, () => {
    let store: Store;
    let clock: FakeClock;
    let auth: AuthService;
    const raw = () => store.db.withTables<AuthTables>();

    beforeEach(async () => {
      store = await open();
      clock = new FakeClock(T0);
      auth = new AuthService(store, {
        clock,
        sessionTtlMs: 60 * MINUTE,
        loginLimits: { windowMs: 10 * MINUTE, perName: 3, perIp: 5 },
      });
    });
    afterEach(async () => {
      await store.close();
      await cleanup();
    });

    describe("users", () => {
      it("stores a salted scrypt hash, never the password, and never shows it", async () => {
        const user = await auth.createUser({
          name: "ada",
          password: PASSWORD,
          roles: ["operator"],
        });
        await auth.createUser({ name: "bob", password: PASSWORD, roles: ["viewer"] });
        expect(user).toEqual({
          id: expect.stringMatching(/^usr_/),
          name: "ada",
          roles: ["operator"],
          groups: [],
          hasPassword: true,
          disabled: false,
          lastLoginAt: null,
          createdAt: T0,
          updatedAt: T0,
        });
        const rows = await raw().selectFrom("users").select(["name", "password_hash"]).execute();
        const [ada, bob] = rows.sort((a, b) => a.name.localeCompare(b.name));
        expect(ada?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
        expect(ada?.password_hash).not.toContain(PASSWORD);
        // Same password, different salt: different hashes.
        expect(bob?.password_hash).not.toBe(ada?.password_hash);
        expect(JSON.stringify(await auth.listUsers())).not.toMatch(/scrypt|password_hash/);
      });

      it("refuses a taken name, a bad name, a short password and an unknown role, naming the field", async () => {
        await auth.createUser({ name: "ada", password: PASSWORD, roles: ["viewer"] });
        expect(
          await refusalOf(auth.createUser({ name: "ada", password: PASSWORD, roles: ["viewer"] })),
        ).toMatchObject({ code: "conflict", field: "name" });
        expect(
          await refusalOf(auth.createUser({ name: "a b", password: PASSWORD, roles: ["viewer"] })),
        ).toMatchObject({ code: "badRequest", field: "name" });
        const short = await refusalOf(
          auth.createUser({ name: "cy", password: "hunter2", roles: ["viewer"] }),
        );
        expect(short).toMatchObject({ code: "badRequest", field: "password" });
        expect(short.message).not.toContain("hunter2");
        expect(
          await refusalOf(auth.createUser({ name: "cy", password: PASSWORD, roles: ["root"] })),
        ).toMatchObject({ code: "badRequest", field: "roles[0]" });
        expect(
          await refusalOf(auth.createUser({ name: "cy", password: PASSWORD, roles: [] })),
        ).toMatchObject({ code: "badRequest", field: "roles" });
      });

      it("keeps at least one enabled admin", async () => {
        await auth.createUser({ name: "root", password: PASSWORD, roles: ["admin"] });
        expect(await refusalOf(auth.disableUser("root"))).toMatchObject({
          code: "conflict",
          field: "disabled",
        });
        expect(await refusalOf(auth.updateUser("root", { roles: ["viewer"] }))).toMatchObject({
          code: "conflict",
          field: "roles",
        });
        await auth.createUser({ name: "second", password: PASSWORD, roles: ["admin"] });
        expect(await auth.disableUser("root")).toMatchObject({ disabled: true, roles: ["admin"] });
        expect(await refusalOf(auth.disableUser("second"))).toMatchObject({ code: "conflict" });
        expect(await auth.updateUser("root", { disabled: false })).toMatchObject({
          disabled: false,
        });
      });

      it("answers notFound for a user that does not exist", async () => {
        expect(await refusalOf(auth.getUser("nobody"))).toMatchObject({
          code: "notFound",
          field: "name",
        });
        expect(await refusalOf(auth.setPassword("nobody", { password: PASSWORD }))).toMatchObject({
          code: "notFound",
        });
      });
    });

    describe("logins", () => {
      beforeEach(async () => {
        await auth.createUser({ name: "ada", password: PASSWORD, roles: ["operator"] });
      });

      it("accepts the right password and refuses a wrong one or an unknown name alike", async () => {
        expect(await auth.verifyLogin({ name: "ada", password: PASSWORD }, IP)).toMatchObject({
          name: "ada",
        });
        const wrong = await refusalOf(auth.verifyLogin({ name: "ada", password: "nope" }, IP));
        const unknown = await refusalOf(auth.verifyLogin({ name: "eve", password: PASSWORD }, IP));
        expect(wrong).toMatchObject({ code: "unauthorized" });
        expect(unknown.message).toBe(wrong.message);
      });

      it("refuses a disabled user with the right password", async () => {
        await auth.disableUser("ada");
        expect(
          await refusalOf(auth.verifyLogin({ name: "ada", password: PASSWORD }, IP)),
        ).toMatchObject({ code: "unauthorized", message: expect.stringContaining("disabled") });
      });

      it("limits failures per name, even with the right password, until the window passes", async () => {
        for (let i = 0; i < 3; i++) {
          await clock.advance(MINUTE);
          await refusalOf(auth.verifyLogin({ name: "ada", password: "wrong" }, `198.51.100.${i}`));
        }
        // The first failure was at T0 + 1 min; it leaves the 10-minute window at T0 + 11 min.
        const limited = await refusalOf(auth.verifyLogin({ name: "ada", password: PASSWORD }, IP));
        expect(limited).toBeInstanceOf(LoginThrottledError);
        expect(limited).toMatchObject({ code: "tooManyRequests", retryAfterSeconds: 8 * 60 });
        await clock.advance(8 * MINUTE - 1);
        expect(
          await refusalOf(auth.verifyLogin({ name: "ada", password: PASSWORD }, IP)),
        ).toMatchObject({ retryAfterSeconds: 1 });
        await clock.advance(1);
        expect(await auth.verifyLogin({ name: "ada", password: PASSWORD }, IP)).toMatchObject({
          name: "ada",
        });
      });

      it("limits failures per address across names, and a success clears only its name's count", async () => {
        await auth.verifyLogin({ name: "ada", password: "wrong" }, IP).catch(() => undefined);
        await auth.verifyLogin({ name: "ada", password: "wrong" }, IP).catch(() => undefined);
        await auth.verifyLogin({ name: "ada", password: PASSWORD }, IP);
        // ada's count was cleared; the address still has 2 of its 5.
        for (const name of ["u1", "u2", "u3"]) {
          await auth.verifyLogin({ name, password: "wrong" }, IP).catch(() => undefined);
        }
        expect(
          await refusalOf(auth.verifyLogin({ name: "ada", password: PASSWORD }, IP)),
        ).toMatchObject({ code: "tooManyRequests", retryAfterSeconds: 600 });
        // Another address is not limited.
        expect(
          await auth.verifyLogin({ name: "ada", password: PASSWORD }, "203.0.113.7"),
        ).toMatchObject({ name: "ada" });
      });

      it("treats SQL in a name as text", async () => {
        for (const name of [
          "ada' OR '1'='1",
          "ada'; DROP TABLE users; --",
          "' UNION SELECT * FROM users --",
        ]) {
          expect(await refusalOf(auth.verifyLogin({ name, password: PASSWORD }, IP))).toMatchObject(
            {
              code: "unauthorized",
            },
          );
        }
        expect((await auth.listUsers()).map((u) => u.name)).toEqual(["ada"]);
        const failures = await raw().selectFrom("login_failures").select("name").execute();
        expect(failures.map((f) => f.name)).toContain("ada'; DROP TABLE users; --");
      });
    });

    describe("sessions", () => {
      it("authenticate until they expire, are destroyed, or their user is disabled", async () => {
        await auth.createUser({ name: "root", password: PASSWORD, roles: ["admin"] });
        const { user, session } = await auth.login({ name: "root", password: PASSWORD }, IP);
        expect(session.expiresAt).toBe(T0 + 60 * MINUTE);
        const stored = await raw().selectFrom("sessions").selectAll().executeTakeFirstOrThrow();
        expect(stored.id_hash).toBe(sha256(session.id));
        expect(JSON.stringify(stored)).not.toContain(session.id);

        const found = await auth.authenticateSession(session.id);
        expect(found).toEqual({
          principal: {
            userId: user.id,
            name: "root",
            roles: ["admin"],
            groups: [],
            jobTypes: [],
            via: "session",
            tokenId: null,
          },
          csrfToken: session.csrfToken,
        });

        await clock.advance(60 * MINUTE - 1);
        await auth.authenticateSession(session.id);
        await clock.advance(1);
        expect(await refusalOf(auth.authenticateSession(session.id))).toMatchObject({
          code: "unauthorized",
        });

        const second = await auth.createSession(user.id);
        await auth.destroySession(second.id);
        expect(await refusalOf(auth.authenticateSession(second.id))).toMatchObject({
          code: "unauthorized",
        });
      });

      it("a password change ends the user's other sessions, and needs the current password for oneself", async () => {
        const ada = await auth.createUser({ name: "ada", password: PASSWORD, roles: ["viewer"] });
        const here = await auth.createSession(ada.id);
        const elsewhere = await auth.createSession(ada.id);
        const wrong = await refusalOf(
          auth.setPassword(
            "ada",
            { password: "a new password!", currentPassword: "not it" },
            { requireCurrent: true },
          ),
        );
        expect(wrong).toMatchObject({ code: "unauthorized", field: "currentPassword" });
        expect(
          await refusalOf(
            auth.setPassword("ada", { password: "a new password!" }, { requireCurrent: true }),
          ),
        ).toMatchObject({ code: "badRequest", field: "currentPassword" });
        await auth.setPassword(
          "ada",
          { password: "a new password!", currentPassword: PASSWORD },
          { requireCurrent: true, keepSession: here.id },
        );
        await auth.authenticateSession(here.id);
        expect(await refusalOf(auth.authenticateSession(elsewhere.id))).toMatchObject({
          code: "unauthorized",
        });
        await auth.verifyLogin({ name: "ada", password: "a new password!" }, IP);
      });

      it("disabling a user ends their sessions", async () => {
        await auth.createUser({ name: "root", password: PASSWORD, roles: ["admin"] });
        const ada = await auth.createUser({ name: "ada", password: PASSWORD, roles: ["viewer"] });
        const session = await auth.createSession(ada.id);
        await auth.disableUser("ada");
        await auth.updateUser("ada", { disabled: false });
        expect(await refusalOf(auth.authenticateSession(session.id))).toMatchObject({
          code: "unauthorized",
        });
      });
    });

    describe("API tokens", () => {
      beforeEach(async () => {
        await auth.createUser({ name: "root", password: PASSWORD, roles: ["admin"] });
        await auth.createUser({ name: "ci", roles: ["operator"] });
      });

      it("show the secret once, store its SHA-256, and authenticate as their user", async () => {
        const { token, secret } = await auth.createToken(
          { name: "deploys", expiresInDays: 30 },
          "ci",
        );
        expect(secret).toMatch(/^sundial_[\w-]{43}$/);
        expect(token).toEqual({
          id: expect.stringMatching(/^tok_/),
          name: "deploys",
          user: "ci",
          createdAt: T0,
          expiresAt: T0 + 30 * DAY,
          revokedAt: null,
          lastUsedAt: null,
        });
        const row = await raw().selectFrom("api_tokens").selectAll().executeTakeFirstOrThrow();
        expect(row.secret_hash).toBe(sha256(secret));
        expect(JSON.stringify(await auth.listTokens())).not.toContain(secret);

        await clock.advance(MINUTE);
        expect(await auth.authenticateToken(secret)).toMatchObject({
          name: "ci",
          roles: ["operator"],
          via: "token",
          tokenId: token.id,
        });
        expect((await auth.getToken(token.id)).lastUsedAt).toBe(T0 + MINUTE);
        // Uses within a minute are not each written.
        await clock.advance(30_000);
        await auth.authenticateToken(secret);
        expect((await auth.getToken(token.id)).lastUsedAt).toBe(T0 + MINUTE);
      });

      it("stop working when they expire, are revoked, or their user is disabled", async () => {
        const expiring = await auth.createToken({ name: "a", expiresInDays: 1 }, "ci");
        await clock.advance(DAY - 1);
        await auth.authenticateToken(expiring.secret);
        await clock.advance(1);
        expect(await refusalOf(auth.authenticateToken(expiring.secret))).toMatchObject({
          code: "unauthorized",
          message: expect.stringContaining("expired"),
        });

        const revoked = await auth.createToken({ name: "b" }, "ci");
        expect((await auth.revokeToken(revoked.token.id)).revokedAt).toBe(clock.now());
        expect(await refusalOf(auth.authenticateToken(revoked.secret))).toMatchObject({
          code: "unauthorized",
          message: expect.stringContaining("revoked"),
        });

        const owned = await auth.createToken({ name: "c" }, "ci");
        await auth.disableUser("ci");
        expect(await refusalOf(auth.authenticateToken(owned.secret))).toMatchObject({
          code: "unauthorized",
          message: expect.stringContaining("disabled"),
        });
        expect(await refusalOf(auth.authenticateToken("sundial_made-up"))).toMatchObject({
          code: "unauthorized",
        });
      });

      it("last 90 days by default, are listed per user, and store their name as given", async () => {
        const name = "'); DELETE FROM api_tokens; --";
        const mine = await auth.createToken({ name }, "ci");
        await clock.advance(1);
        await auth.createToken({ name: "root's", user: "root" }, "ci");
        expect(mine.token.expiresAt).toBe(T0 + 90 * DAY);
        expect((await auth.listTokens("ci")).map((t) => t.name)).toEqual([name]);
        expect((await auth.listTokens()).map((t) => t.user)).toEqual(["ci", "root"]);
        expect(await refusalOf(auth.createToken({ name: "x" }, "nobody"))).toMatchObject({
          code: "notFound",
        });
        expect(
          await refusalOf(auth.createToken({ name: "x", expiresInDays: 0 }, "ci")),
        ).toMatchObject({ code: "badRequest", field: "expiresInDays" });
      });
    });

    describe("the token principal cache", () => {
      let ci: { token: { id: string }; secret: string };
      /** What another node (or `sundial tokens` on the database) does: this node is not told. */
      const elsewhere = {
        revoke: (id: string) =>
          raw()
            .updateTable("api_tokens")
            .set({ revoked_at: clock.now() })
            .where("id", "=", id)
            .execute(),
        roles: (name: string, roles: string[]) =>
          raw()
            .updateTable("users")
            .set({ roles: JSON.stringify(roles) })
            .where("name", "=", name)
            .execute(),
      };

      beforeEach(async () => {
        await auth.createUser({ name: "root", password: PASSWORD, roles: ["admin"] });
        await auth.createUser({ name: "ci", roles: ["viewer"] });
        ci = await auth.createToken({ name: "deploys", expiresInDays: 1 }, "ci");
        await auth.authenticateToken(ci.secret);
      });

      it("reuses a token's principal for 5 s: a change made elsewhere applies within that", async () => {
        await elsewhere.roles("ci", ["operator"]);
        await elsewhere.revoke(ci.token.id);
        await clock.advance(4999);
        expect(await auth.authenticateToken(ci.secret)).toMatchObject({ roles: ["viewer"] });
        await clock.advance(1);
        expect(await refusalOf(auth.authenticateToken(ci.secret))).toMatchObject({
          code: "unauthorized",
          message: expect.stringContaining("revoked"),
        });
      });

      it("forgets at once what this node changes: a revoke, roles, a disabled user, groups", async () => {
        await auth.updateUser("ci", { roles: ["operator"] });
        expect(await auth.authenticateToken(ci.secret)).toMatchObject({ roles: ["operator"] });
        await auth.putGroup("exporters", { members: ["ci"], jobTypes: ["export"] });
        expect(await auth.authenticateToken(ci.secret)).toMatchObject({
          groups: ["exporters"],
          jobTypes: ["export"],
        });
        await auth.deleteGroup("exporters");
        expect(await auth.authenticateToken(ci.secret)).toMatchObject({ groups: [], jobTypes: [] });
        await auth.disableUser("ci");
        expect(await refusalOf(auth.authenticateToken(ci.secret))).toMatchObject({
          message: expect.stringContaining("disabled"),
        });
        await auth.updateUser("ci", { disabled: false });
        await auth.authenticateToken(ci.secret);
        await auth.revokeToken(ci.token.id);
        expect(await refusalOf(auth.authenticateToken(ci.secret))).toMatchObject({
          message: expect.stringContaining("revoked"),
        });
      });

      it("refuses a token at its expiry, and keeps writing its last use once a minute", async () => {
        for (let t = 0; t < 3; t++) {
          await clock.advance(MINUTE);
          await auth.authenticateToken(ci.secret);
          expect((await auth.getToken(ci.token.id)).lastUsedAt).toBe(clock.now());
          await clock.advance(3000);
          await auth.authenticateToken(ci.secret);
          expect((await auth.getToken(ci.token.id)).lastUsedAt).toBe(clock.now() - 3000);
        }
        await clock.advance(T0 + DAY - 1 - clock.now());
        await auth.authenticateToken(ci.secret);
        await clock.advance(1);
        expect(await refusalOf(auth.authenticateToken(ci.secret))).toMatchObject({
          message: expect.stringContaining("expired"),
        });
      });

      it("keeps nothing with tokenCacheMs 0", async () => {
        const uncached = new AuthService(store, { clock, tokenCacheMs: 0 });
        await uncached.authenticateToken(ci.secret);
        await elsewhere.roles("ci", ["operator"]);
        expect(await uncached.authenticateToken(ci.secret)).toMatchObject({ roles: ["operator"] });
      });

      it("hands every request the same principal, which none can change", async () => {
        const first = await auth.authenticateToken(ci.secret);
        expect(await auth.authenticateToken(ci.secret)).toBe(first);
        expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);
      });
    });

    describe("groups", () => {
      it("grant their members the job types they name", async () => {
        const ada = await auth.createUser({ name: "ada", password: PASSWORD, roles: ["viewer"] });
        await auth.createUser({ name: "bob", password: PASSWORD, roles: ["viewer"] });
        const group = await auth.putGroup("exporters", { members: ["ada"], jobTypes: ["export"] });
        expect(group).toMatchObject({ name: "exporters", members: ["ada"], jobTypes: ["export"] });

        const session = await auth.createSession(ada.id);
        const { principal } = await auth.authenticateSession(session.id);
        expect(principal).toMatchObject({ groups: ["exporters"], jobTypes: ["export"] });
        expect(mayStartJob(principal, "export")).toBe(true);
        expect(mayStartJob(principal, "script")).toBe(false);
        expect((await auth.getUser("ada")).groups).toEqual(["exporters"]);

        await auth.putGroup("exporters", { members: ["bob"], jobTypes: ["export", "http"] });
        expect((await auth.authenticateSession(session.id)).principal.jobTypes).toEqual([]);
        expect((await auth.listUsers()).map((u) => [u.name, u.groups])).toEqual([
          ["ada", []],
          ["bob", ["exporters"]],
        ]);
        await auth.deleteGroup("exporters");
        expect(await auth.listGroups()).toEqual([]);
      });

      it("refuse an unknown member, naming it, and change nothing", async () => {
        await auth.createUser({ name: "ada", password: PASSWORD, roles: ["viewer"] });
        expect(
          await refusalOf(auth.putGroup("ops", { members: ["ada", "ghost"], jobTypes: [] })),
        ).toMatchObject({ code: "notFound", field: "members[1]" });
        expect(await auth.listGroups()).toEqual([]);
        expect(await refusalOf(auth.putGroup("a b", { members: [], jobTypes: [] }))).toMatchObject({
          code: "badRequest",
          field: "name",
        });
        expect(await refusalOf(auth.deleteGroup("ops"))).toMatchObject({ code: "notFound" });
      });
    });

    describe("bootstrapAdmin", () => {
      it("creates admin with a generated one-time password on a first start only", async () => {
        const first = await auth.bootstrapAdmin();
        expect(first).toEqual({
          created: true,
          name: "admin",
          generatedPassword: expect.stringMatching(/^[\w-]{24}$/),
        });
        const password = first.created ? (first.generatedPassword as string) : "";
        expect(await auth.verifyLogin({ name: "admin", password }, IP)).toMatchObject({
          roles: ["admin"],
        });
        expect(await auth.bootstrapAdmin({ password: "another admin password" })).toEqual({
          created: false,
        });
      });

      it("takes the given password, checks its length, and does nothing when users exist", async () => {
        expect(await refusalOf(auth.bootstrapAdmin({ password: "short" }))).toMatchObject({
          code: "badRequest",
          field: "SUNDIAL_ADMIN_PASSWORD",
        });
        expect(await auth.bootstrapAdmin({ password: PASSWORD })).toEqual({
          created: true,
          name: "admin",
        });
        await auth.verifyLogin({ name: "admin", password: PASSWORD }, IP);
      });

      it("leaves a database that has users alone", async () => {
        await auth.createUser({ name: "ada", password: PASSWORD, roles: ["viewer"] });
        expect(await auth.bootstrapAdmin()).toEqual({ created: false });
        expect((await auth.listUsers()).map((u) => u.name)).toEqual(["ada"]);
      });
    });

    describe("the audit log", () => {
      const entry = (fields: Record<string, unknown> = {}) => ({
        userId: "usr_1",
        userName: "ada",
        tokenId: null,
        method: "POST",
        route: "/api/v1/users",
        target: "bob",
        status: 201,
        ip: IP,
        ...fields,
      });

      it("lists entries newest first, filtered and paged, with filters taken as text", async () => {
        await auth.recordAudit(entry());
        await clock.advance(MINUTE);
        await auth.recordAudit(entry({ userName: "bob", method: "DELETE", status: 403 }));
        await clock.advance(MINUTE);
        await auth.recordAudit(entry({ target: "x' OR '1'='1" }));

        const all = await auth.listAudit();
        expect(all.map((e) => e.at)).toEqual([T0 + 2 * MINUTE, T0 + MINUTE, T0]);
        expect(all[2]).toEqual({ id: expect.any(Number), at: T0, ...entry() });
        expect((await auth.listAudit({ user: "bob" })).map((e) => e.status)).toEqual([403]);
        expect((await auth.listAudit({ method: "delete" })).length).toBe(1);
        expect((await auth.listAudit({ from: T0 + MINUTE, to: T0 + 2 * MINUTE })).length).toBe(1);
        expect((await auth.listAudit({ target: "x' OR '1'='1" })).length).toBe(1);
        expect(await auth.listAudit({ user: "' OR 1=1 --" })).toEqual([]);
        const page = await auth.listAudit({ limit: 2 });
        expect(page.length).toBe(2);
        const next = await auth.listAudit({ before: page[1]?.id, limit: 2 });
        expect(next.map((e) => e.at)).toEqual([T0]);
        expect(await refusalOf(auth.listAudit({ limit: 0 }))).toMatchObject({
          code: "badRequest",
          field: "limit",
        });
      });
    });
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
