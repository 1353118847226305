import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadServerConfig } from "../../src/api/server-config.js";

let dir: string;
const KEY = "k".repeat(40);

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sundial-config-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function load(flags: Record<string, string> = {}, env: Record<string, string> = {}) {
  return loadServerConfig({ flags, env, cwd: dir });
}

describe("the server's configuration", () => {
  it("has defaults for everything, and makes a secret key on the first start only", async () => {
    const config = await load();
    expect(config).toEqual({
      host: "127.0.0.1",
      port: 8080,
      dataDir: join(dir, "data"),
      database: join(dir, "data", "sundial.db"),
      schema: undefined,
      secretKey: expect.stringMatching(/^[0-9a-f]{64}$/),
      conf: join(dir, "conf"),
      logLevel: "info",
      logFormat: "auto",
      shutdownGraceMs: 10_000,
      errorLog: join(dir, "data", "errors.log"),
      errorLogMaxBytes: 10 * 2 ** 20,
      metricsPublic: false,
      scanRunsKept: 100,
      fileRetentionDays: 90,
      scriptEnvironments: {
        directory: join(dir, "data", "script-environments"),
        pythonIndexUrl: undefined,
        pythonFindLinks: undefined,
        pythonNoIndex: false,
        npmRegistry: undefined,
        installTimeoutMs: 900_000,
      },
      configFile: undefined,
    });
    expect(Object.isFrozen(config)).toBe(true);
    const keyFile = join(dir, "data", "secret.key");
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await load()).secretKey).toBe(config.secretKey);
    expect((await readFile(keyFile, "utf8")).trim()).toBe(config.secretKey);
  });

  it("takes a flag over a variable over the config file over the default", async () => {
    await writeFile(
      join(dir, "sundial.json"),
      JSON.stringify({ host: "0.0.0.0", port: 9000, logLevel: "warn", dataDir: "state" }),
    );
    const config = await load(
      { port: "9002" },
      { SUNDIAL_PORT: "9001", SUNDIAL_LOG_LEVEL: "debug", SUNDIAL_SECRET_KEY: KEY },
    );
    expect(config).toMatchObject({
      host: "0.0.0.0",
      port: 9002,
      logLevel: "debug",
      dataDir: join(dir, "state"),
      secretKey: KEY,
      configFile: join(dir, "sundial.json"),
    });
  });

  it("reads paths in a config file as relative to the file", async () => {
    const etc = await mkdtemp(join(dir, "etc-"));
    await writeFile(
      join(etc, "server.json"),
      JSON.stringify({ conf: "conf", database: "db/s.db", secretKey: KEY }),
    );
    const config = await load({ config: join(etc, "server.json"), "data-dir": "var" });
    expect(config).toMatchObject({
      conf: join(etc, "conf"),
      database: join(etc, "db", "s.db"),
      dataDir: join(dir, "var"),
    });
  });

  it("takes where and how script environments are made from the file and the variables", async () => {
    const etc = await mkdtemp(join(dir, "etc-"));
    await writeFile(
      join(etc, "server.json"),
      JSON.stringify({
        secretKey: KEY,
        scriptEnvironmentsDir: "envs",
        pythonFindLinks: "/srv/wheels",
        pythonNoIndex: true,
        npmRegistry: "https://npm.internal.example/",
      }),
    );
    const config = await load(
      { config: join(etc, "server.json") },
      {
        SUNDIAL_PYTHON_INDEX_URL: "https://pypi.internal.example/simple",
        SUNDIAL_SCRIPT_INSTALL_TIMEOUT_MS: "60000",
      },
    );
    expect(config.scriptEnvironments).toEqual({
      directory: join(etc, "envs"),
      pythonIndexUrl: "https://pypi.internal.example/simple",
      pythonFindLinks: "/srv/wheels",
      pythonNoIndex: true,
      npmRegistry: "https://npm.internal.example/",
      installTimeoutMs: 60_000,
    });
    expect(Object.isFrozen(config.scriptEnvironments)).toBe(true);
    const variables = await load(
      {},
      { SUNDIAL_SCRIPT_ENVIRONMENTS_DIR: "envs", SUNDIAL_PYTHON_NO_INDEX: "false" },
    );
    expect(variables.scriptEnvironments).toMatchObject({
      directory: join(dir, "envs"),
      pythonNoIndex: false,
    });
  });

  it("needs the secret key given when the database is PostgreSQL, since nodes share it", async () => {
    await expect(load({ database: "postgres://db.example.com/sundial" })).rejects.toThrow(
      /^SUNDIAL_SECRET_KEY: is required with PostgreSQL/,
    );
    expect(
      (await load({ database: "postgres://db.example.com/sundial" }, { SUNDIAL_SECRET_KEY: KEY }))
        .database,
    ).toBe("postgres://db.example.com/sundial");
  });

  it("names the flag, the variable or the file's key at fault", async () => {
    const cases: [Record<string, string>, Record<string, string>, object | string, RegExp][] = [
      [{ port: "http" }, {}, {}, /^--port: "http" must be integer$/],
      [{}, { SUNDIAL_PORT: "70000" }, {}, /^SUNDIAL_PORT: 70000 must be/],
      [{ "log-level": "loud" }, {}, {}, /^--log-level: "loud" is not one of "trace"/],
      [{}, { SUNDIAL_LOG_FORMAT: "xml" }, {}, /^SUNDIAL_LOG_FORMAT: "xml" is not one of/],
      [{ "shutdown-grace-ms": "-1" }, {}, {}, /^--shutdown-grace-ms: -1 must be >= 0$/],
      [{ schema: "a;drop" }, {}, {}, /^--schema: "a;drop"/],
      [{}, {}, { prot: 80 }, /sundial\.json\.prot: is not a known setting/],
      [{}, {}, { port: "80" }, /sundial\.json\.port: "80" must be integer/],
      [{}, {}, "{ port: 80 }", /sundial\.json: is not valid JSON/],
      [
        {},
        { SUNDIAL_NPM_REGISTRY: "registry.local" },
        {},
        /^SUNDIAL_NPM_REGISTRY: "registry\.local" must match/,
      ],
      [
        {},
        {},
        { pythonFindLinks: "wheels" },
        /sundial\.json\.pythonFindLinks: "wheels" must match/,
      ],
      [{}, {}, { pythonIndexUrl: 3 }, /sundial\.json\.pythonIndexUrl: 3 must be string/],
      [
        {},
        { SUNDIAL_PYTHON_NO_INDEX: "sometimes" },
        {},
        /^SUNDIAL_PYTHON_NO_INDEX: "sometimes" must be boolean/,
      ],
      [
        {},
        { SUNDIAL_SCRIPT_INSTALL_TIMEOUT_MS: "5" },
        {},
        /^SUNDIAL_SCRIPT_INSTALL_TIMEOUT_MS: 5 must be >= 10000/,
      ],
    ];
    for (const [flags, env, file, message] of cases) {
      await writeFile(
        join(dir, "sundial.json"),
        typeof file === "string" ? file : JSON.stringify(file),
      );
      await expect(
        load(flags, { SUNDIAL_SECRET_KEY: KEY, ...env }),
        message.source,
      ).rejects.toThrow(message);
    }
  });

  it("refuses a short secret key without showing it", async () => {
    const secret = "short-but-secret";
    for (const attempt of [
      () => load({}, { SUNDIAL_SECRET_KEY: secret }),
      async () => {
        await writeFile(join(dir, "sundial.json"), JSON.stringify({ secretKey: secret }));
        return load();
      },
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/secretKey|SUNDIAL_SECRET_KEY/);
      expect(error?.message).toMatch(/32 characters or more/);
      expect(error?.message).not.toContain(secret);
    }
  });

  it("refuses a config file that was named but is missing", async () => {
    await expect(load({ config: "nowhere.json" })).rejects.toThrow(
      /^--config: cannot read .*nowhere\.json: no such file$/,
    );
    await expect(load({}, { SUNDIAL_CONFIG: "gone.json" })).rejects.toThrow(/^SUNDIAL_CONFIG:/);
  });

  it("keeps as many ended task scanner runs as the file or SUNDIAL_SCAN_RUNS_KEPT says", async () => {
    expect((await load({}, { SUNDIAL_SCAN_RUNS_KEPT: "5" })).scanRunsKept).toBe(5);
    await writeFile(join(dir, "sundial.json"), JSON.stringify({ scanRunsKept: 0 }));
    expect((await load()).scanRunsKept).toBe(0);
    await expect(load({}, { SUNDIAL_SCAN_RUNS_KEPT: "-1" })).rejects.toThrow(
      /^SUNDIAL_SCAN_RUNS_KEPT: /,
    );
  });

  it("keeps produced files as many days as the file or SUNDIAL_FILE_RETENTION_DAYS says, 0 forever", async () => {
    expect((await load({}, { SUNDIAL_FILE_RETENTION_DAYS: "30" })).fileRetentionDays).toBe(30);
    await writeFile(join(dir, "sundial.json"), JSON.stringify({ fileRetentionDays: 0 }));
    expect((await load()).fileRetentionDays).toBe(0);
    expect((await load({}, { SUNDIAL_FILE_RETENTION_DAYS: "7" })).fileRetentionDays).toBe(7);
    for (const [text, message] of [
      ["-1", /^SUNDIAL_FILE_RETENTION_DAYS: -1 must be >= 0$/],
      ["1.5", /^SUNDIAL_FILE_RETENTION_DAYS: "1\.5" must be integer$/],
      ["true", /^SUNDIAL_FILE_RETENTION_DAYS: "true" must be integer$/],
      ["ninety", /^SUNDIAL_FILE_RETENTION_DAYS: "ninety" must be integer$/],
      ["36501", /^SUNDIAL_FILE_RETENTION_DAYS: 36501 must be <= 36500$/],
    ] as const) {
      await expect(load({}, { SUNDIAL_FILE_RETENTION_DAYS: text })).rejects.toThrow(message);
    }
    await writeFile(join(dir, "sundial.json"), JSON.stringify({ fileRetentionDays: "90" }));
    await expect(load()).rejects.toThrow(/sundial\.json\.fileRetentionDays: "90" must be integer/);
  });
});
