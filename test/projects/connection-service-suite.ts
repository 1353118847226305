/**
 * The connection service on a real store, run on SQLite and on PostgreSQL: secrets sealed
 * in the table, round trips, kept and removed secrets, a changed server key, and bad input
 * of every type refused naming the field, with nothing stored.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ConnectionTables } from "../../src/projects/connections/connection-tables.js";
import { ConnectionService } from "../../src/projects/connections/index.js";
import type { Store } from "../../src/store/store.js";
import { failureOf, gpgKeys, type StoreKind, testStore } from "./helpers.js";

const SECRET_KEY = "a-test-secret-key-of-at-least-32-characters";
const PASSWORD = "pa55-W0rd-that-must-never-show";
const warehouse = {
  name: "warehouse",
  type: "postgres",
  description: "the reporting replica",
  settings: { host: "db.example.com", database: "dw", username: "etl", password: PASSWORD },
};

export function connectionServiceSuite(kind: StoreKind): void {
  describe(`the connection service on ${kind}`, () => {
    let store: Store;
    let remove: () => Promise<void>;
    let connections: ConnectionService;
    let keys: Awaited<ReturnType<typeof gpgKeys>>;
    const raw = () => store.db.withTables<ConnectionTables>().selectFrom("connections").selectAll();

    beforeAll(async () => {
      keys = await gpgKeys();
    });
    beforeEach(async () => {
      ({ store, remove } = await testStore(kind));
      connections = new ConnectionService(store, {
        secretKey: SECRET_KEY,
        clock: { now: () => 1_000, sleep: async () => {} },
      });
    });
    afterEach(() => remove());
    afterAll(() => undefined);

    it("stores secrets sealed: the table never holds them in clear", async () => {
      await connections.create(warehouse, { by: "olga" });
      const rows = await raw().execute();
      expect(rows).toHaveLength(1);
      const row = rows[0] as (typeof rows)[number];
      expect(JSON.stringify(row)).not.toContain(PASSWORD);
      expect(JSON.parse(row.settings)).toEqual({
        host: "db.example.com",
        database: "dw",
        username: "etl",
      });
      expect(JSON.parse(row.secrets)).toEqual({
        password: expect.stringMatching(/^v1\.[0-9a-f]{8}\./),
      });
    });

    it("reads back masked secrets, lists without settings, and resolves them decrypted", async () => {
      const created = await connections.create(warehouse, { by: "olga" });
      const expected = {
        name: "warehouse",
        type: "postgres",
        description: "the reporting replica",
        settings: {
          host: "db.example.com",
          database: "dw",
          username: "etl",
          password: { set: true },
        },
        createdAt: 1_000,
        updatedAt: 1_000,
        createdBy: "olga",
        updatedBy: "olga",
      };
      expect(created).toEqual(expected);
      expect(await connections.get("warehouse")).toEqual(expected);
      const { settings: _, ...summary } = expected;
      expect(await connections.list()).toEqual([summary]);
      expect(await connections.list({ type: "mysql" })).toEqual([]);
      expect(await connections.resolve("warehouse")).toEqual({
        name: "warehouse",
        type: "postgres",
        settings: warehouse.settings,
      });
      // A connection without secrets reads its secret fields as not set.
      await connections.create({
        name: "ro",
        type: "mysql",
        settings: { host: "h", database: "d", username: "u" },
      });
      expect((await connections.get("ro")).settings).toMatchObject({ password: { set: false } });
    });

    it("keeps a secret an update leaves out or sends back as set, removes it on null, replaces it when given", async () => {
      await connections.create(warehouse);
      const password = async () =>
        (await connections.resolve("warehouse", ["postgres"])).settings.password;
      const { password: _, ...withoutPassword } = warehouse.settings;

      await connections.update(
        "warehouse",
        { settings: { ...withoutPassword, port: 6432 } },
        { by: "vic" },
      );
      expect(await password()).toBe(PASSWORD);
      const read = await connections.get("warehouse");
      expect(read).toMatchObject({
        description: null,
        updatedBy: "vic",
        settings: { port: 6432, password: { set: true } },
      });

      // What a read gives can be sent back as it is.
      await connections.update("warehouse", {
        name: read.name,
        type: read.type,
        description: "again",
        settings: read.settings,
      });
      expect(await password()).toBe(PASSWORD);

      await connections.update("warehouse", {
        settings: { ...withoutPassword, password: "new-one" },
      });
      expect(await password()).toBe("new-one");
      await connections.update("warehouse", { settings: { ...withoutPassword, password: null } });
      expect(await password()).toBeUndefined();
      expect((await connections.get("warehouse")).settings).toMatchObject({
        password: { set: false },
      });
      expect(JSON.parse((await raw().executeTakeFirstOrThrow()).secrets)).toEqual({});
    });

    it("says a secret was sealed under another server key, and takes it again", async () => {
      await connections.create(warehouse);
      const other = new ConnectionService(store, {
        secretKey: "another-secret-key-also-32-characters-long",
      });
      const error = await failureOf(other.resolve("warehouse"));
      expect(error.code).toBe("conflict");
      expect(error.message).toMatch(
        /^connection "warehouse": settings\.password: was encrypted under another secret key \(key id [0-9a-f]{8}; this server's is [0-9a-f]{8}\)\. Start the server with the SUNDIAL_SECRET_KEY it was saved under, or enter the secret again\.$/,
      );
      // Reads need no key; an update that keeps the secret can't, one that re-enters it can.
      expect((await other.get("warehouse")).settings).toMatchObject({ password: { set: true } });
      await expect(
        other.update("warehouse", { settings: { ...warehouse.settings, password: undefined } }),
      ).rejects.toMatchObject({
        code: "conflict",
      });
      await other.update("warehouse", { settings: warehouse.settings });
      expect((await other.resolve("warehouse", ["postgres"])).settings.password).toBe(PASSWORD);
      await expect(connections.resolve("warehouse")).rejects.toMatchObject({ code: "conflict" });
    });

    it("refuses a secret copied from another connection", async () => {
      await connections.create(warehouse);
      await connections.create({
        ...warehouse,
        name: "copy",
        settings: { ...warehouse.settings, password: "other" },
      });
      const table = store.db.withTables<ConnectionTables>();
      const original = await table
        .selectFrom("connections")
        .select("secrets")
        .where("name", "=", "warehouse")
        .executeTakeFirstOrThrow();
      await table
        .updateTable("connections")
        .set({ secrets: original.secrets })
        .where("name", "=", "copy")
        .execute();
      await expect(connections.resolve("copy")).rejects.toThrow(
        'connection "copy": settings.password: can\'t be decrypted: the stored value was altered, or copied from another connection or field; enter it again',
      );
    });

    it("refuses bad settings of every type naming the field, and stores nothing", async () => {
      const sftp = { host: "h", username: "u", password: "p" };
      const cases: [unknown, string, RegExp][] = [
        [
          { ...warehouse, settings: { ...warehouse.settings, port: 0 } },
          "settings.port",
          /must be >= 1/,
        ],
        [
          { ...warehouse, settings: { database: "d", username: "u" } },
          "settings.host",
          /is required/,
        ],
        [
          { ...warehouse, settings: { ...warehouse.settings, hostname: "x" } },
          "settings.hostname",
          /is not a known setting/,
        ],
        [
          { ...warehouse, settings: { ...warehouse.settings, host: "postgres://db" } },
          "settings.host",
          /is a URL/,
        ],
        [
          { ...warehouse, settings: { ...warehouse.settings, ca: "-----BEGIN CERTIFICATE-----" } },
          "settings.ca",
          /only used with ssl "verify-full"/,
        ],
        [
          { ...warehouse, settings: { ...warehouse.settings, password: 12345 } },
          "settings.password",
          /must be text of 1 to 1024 characters.*the value is not shown/,
        ],
        [
          { ...warehouse, settings: { ...warehouse.settings, password: { set: true } } },
          "settings.password",
          /none is stored; give the value/,
        ],
        [
          { ...warehouse, type: "mysql", settings: { ...warehouse.settings, ssl: "maybe" } },
          "settings.ssl",
          /"maybe" is not one of "disable", "require", "verify-full"/,
        ],
        [
          { name: "f", type: "sqlite", settings: { path: "data/shop.db" } },
          "settings.path",
          /is relative; give an absolute path/,
        ],
        [
          { name: "s", type: "sftp", settings: { host: "h", username: "u" } },
          "settings.password",
          /is required when there is no privateKey/,
        ],
        [
          { name: "s", type: "sftp", settings: { ...sftp, hostKeyFingerprint: "MD5:aa" } },
          "settings.hostKeyFingerprint",
          /is not a SHA256 fingerprint/,
        ],
        [
          { name: "s", type: "sftp", settings: { ...sftp, passphrase: "x" } },
          "settings.passphrase",
          /without a privateKey/,
        ],
        [
          {
            name: "s",
            type: "sftp",
            settings: { host: "h", username: "u", privateKey: "hunter2-not-a-key" },
          },
          "settings.privateKey",
          /is not a private key.*the value is not shown/,
        ],
        [
          { name: "s", type: "ssh", settings: { host: "h", password: "p" } },
          "settings.username",
          /is required/,
        ],
        [
          { name: "f", type: "ftp", settings: { host: "h", port: "21" } },
          "settings.port",
          /must be integer/,
        ],
        [
          { name: "f", type: "ftps", settings: { host: "h" } },
          "settings.secure",
          /must be true \(AUTH TLS\) or "implicit"/,
        ],
        [
          { name: "m", type: "smtp", settings: { host: "h", from: "nobody" } },
          "settings.from",
          /./,
        ],
        [
          {
            name: "m",
            type: "smtp",
            settings: { host: "h", from: "a@example.com", password: "p" },
          },
          "settings.username",
          /is required with a password/,
        ],
        [
          { name: "w", type: "http", settings: { baseUrl: "ftp://example.com/" } },
          "settings.baseUrl",
          /is not an http or https URL/,
        ],
        [
          { name: "w", type: "http", settings: { baseUrl: "https://u:p@example.com/" } },
          "settings.baseUrl",
          /put the credential in token/,
        ],
        [
          {
            name: "w",
            type: "http",
            settings: { baseUrl: "https://example.com/", headers: { Authorization: "Bearer x" } },
          },
          "settings.headers.Authorization",
          /put it in token/,
        ],
        [
          { name: "k", type: "gpg", settings: { publicKey: "not a key" } },
          "settings.publicKey",
          /is not an armored OpenPGP public key/,
        ],
        [
          { name: "k", type: "gpg", settings: { publicKey: keys.privateKey } },
          "settings.publicKey",
          /is a private key/,
        ],
        [{ ...warehouse, name: "a b" }, "name", /is not a connection name/],
        [{ ...warehouse, type: "oracle" }, "type", /"oracle" is not one of "postgres"/],
        [{ name: "x", type: "postgres" }, "settings", /is required/],
        [
          { name: "x", type: "postgres", settings: PASSWORD },
          "settings",
          /must be an object of the postgres settings/,
        ],
        [{ ...warehouse, extra: 1 }, "extra", /is not a known setting/],
        [PASSWORD, "body", /must be a JSON object/],
      ];
      for (const [input, field, message] of cases) {
        const error = await failureOf(connections.create(input), JSON.stringify(input));
        expect({ code: error.code, field: error.field }, JSON.stringify(input)).toEqual({
          code: "badRequest",
          field,
        });
        expect(error.message.startsWith(`${field}: `), error.message).toBe(true);
        expect(error.message).toMatch(message);
        expect(error.message).not.toContain(PASSWORD);
        expect(error.message).not.toContain("hunter2");
      }
      expect(await raw().execute()).toEqual([]);
    });

    it("takes good settings of every type", async () => {
      const good: [string, Record<string, unknown>][] = [
        [
          "mysql",
          {
            host: "maria",
            port: 3307,
            database: "shop",
            username: "root",
            ssl: "verify-full",
            ca: "-----BEGIN CERTIFICATE-----\n…",
            timeoutMs: 5000,
          },
        ],
        ["sqlite", { path: "/var/lib/shop.db", readOnly: false }],
        [
          "sftp",
          {
            host: "files.example.com",
            username: "acme",
            privateKey:
              "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn…\n-----END OPENSSH PRIVATE KEY-----\n",
            passphrase: "pp",
            hostKeyFingerprint: `SHA256:${"A".repeat(43)}`,
          },
        ],
        ["ssh", { host: "box", username: "ops", password: "p" }],
        ["ftp", { host: "ftp.example.com" }],
        [
          "ftps",
          { host: "ftp.example.com", port: 990, secure: "implicit", username: "u", password: "p" },
        ],
        [
          "smtp",
          {
            host: "smtp.example.com",
            port: 465,
            secure: true,
            username: "u",
            password: "p",
            from: "Sundial <sundial@example.com>",
          },
        ],
        [
          "http",
          {
            baseUrl: "https://gitlab.example.com/api/v4/",
            headers: { Accept: "text/plain" },
            token: "glpat-x",
            tokenHeader: "PRIVATE-TOKEN",
          },
        ],
        ["gpg", { publicKey: keys.publicKey }],
      ];
      for (const [type, settings] of good) {
        await connections.create({ name: `a-${type}`, type, settings });
        expect((await connections.resolve(`a-${type}`)).settings).toEqual(settings);
      }
      expect((await connections.list()).map((c) => c.type)).toEqual(
        good.map(([type]) => type).sort(),
      );
    });

    it("refuses a taken name, a rename, a change of type, and unknown names", async () => {
      await connections.create(warehouse);
      await expect(connections.create(warehouse)).rejects.toMatchObject({
        code: "conflict",
        field: "name",
      });
      await expect(
        connections.update("warehouse", { name: "other", settings: warehouse.settings }),
      ).rejects.toMatchObject({
        code: "badRequest",
        field: "name",
      });
      await expect(
        connections.update("warehouse", { type: "mysql", settings: warehouse.settings }),
      ).rejects.toMatchObject({
        code: "badRequest",
        field: "type",
      });
      await expect(
        connections.update("warehouse", { settings: { ...warehouse.settings, host: "" } }),
      ).rejects.toMatchObject({ field: "settings.host" });
      expect(await connections.resolve("warehouse")).toMatchObject({
        settings: warehouse.settings,
      });
      await expect(connections.resolve("warehouse", ["sftp"])).rejects.toMatchObject({
        code: "badRequest",
        field: "connection",
      });
      for (const call of [
        () => connections.get("nope"),
        () => connections.update("nope", { settings: {} }),
        () => connections.delete("nope"),
        () => connections.resolve("nope"),
        () => connections.test("nope"),
      ]) {
        await expect(call()).rejects.toMatchObject({ code: "notFound", field: "name" });
      }
      await connections.delete("warehouse");
      expect(await connections.list()).toEqual([]);
    });
  });
}
