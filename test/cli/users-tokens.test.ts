import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthService } from "../../src/auth/auth.service.js";
import { errorCodeOf } from "../../src/errors.js";
import { openStore } from "../../src/store/open-store.js";
import { BIN, type CliResult, ROOT, spawnSundial } from "../helpers/cli.js";

const PASSWORD = "correct horse battery";

let dir: string;
let database: string;

/** Runs the real `sundial` program on the test's database, with `stdin` piped in. */
function sundial(args: string[], stdin = ""): Promise<CliResult> {
  return spawnSundial(args, { cwd: dir, env: { DATABASE_URL: database }, stdin });
}

/** Checks what the commands stored, through the auth service on the same file. */
async function withAuth<T>(work: (auth: AuthService) => Promise<T>): Promise<T> {
  const store = await openStore({ database });
  try {
    return await work(new AuthService(store));
  } finally {
    await store.close();
  }
}

async function canLogIn(name: string, password: string): Promise<boolean> {
  return withAuth((auth) =>
    auth.verifyLogin({ name, password }, "127.0.0.1").then(
      () => true,
      (error: unknown) => {
        if (errorCodeOf(error) !== "unauthorized") throw error;
        return false;
      },
    ),
  );
}

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist", "cli", "commands", "users.js"))) {
    throw new Error("dist/ lacks the users command: run `npm run build` before these tests");
  }
  dir = mkdtempSync(join(tmpdir(), "sundial-users-"));
  database = join(dir, "sundial.db");
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("sundial users", () => {
  it("adds a user with a password from stdin, which then logs in", async () => {
    const added = await sundial(
      ["users", "add", "ada", "--roles", "operator", "--password-stdin", "--database", database],
      `${PASSWORD}\n`,
    );
    expect(added).toEqual({ code: 0, stdout: "Created user ada (operator).\n", stderr: "" });
    expect(await canLogIn("ada", PASSWORD)).toBe(true);
  });

  it("never takes a password from the command line, nor from a stdin that is not a terminal", async () => {
    const argv = await sundial(["users", "add", "eve", "--password", PASSWORD]);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain("unknown flag --password");
    const piped = await sundial(["users", "add", "eve"], `${PASSWORD}\n`);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toContain("pipe it in with --password-stdin");
    expect((await withAuth((auth) => auth.listUsers())).map((u) => u.name)).not.toContain("eve");
  });

  it("refuses a taken name (exit 1), a bad role or a short password (exit 2), without echoing it", async () => {
    await sundial(["users", "add", "bob", "--password-stdin"], `${PASSWORD}\n`);
    const taken = await sundial(["users", "add", "bob", "--password-stdin"], `${PASSWORD}\n`);
    expect(taken).toMatchObject({
      code: 1,
      stderr: "sundial users: A user named bob already exists.\n",
    });
    const role = await sundial(
      ["users", "add", "cy", "--roles", "root", "--password-stdin"],
      `${PASSWORD}\n`,
    );
    expect(role.code).toBe(2);
    expect(role.stderr).toContain('roles[0]: "root" is not one of "admin", "operator", "viewer"');
    const short = await sundial(["users", "add", "cy", "--password-stdin"], "hunter2\n");
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("password: must be text of 12 to 1024 characters");
    expect(short.stderr).not.toContain("hunter2");
  });

  it("sets a password, and lists users as text and JSON without their hashes", async () => {
    await sundial(["users", "add", "dan", "--password-stdin"], `${PASSWORD}\n`);
    await sundial(["users", "add", "ci", "--no-password", "--roles", "operator"]);
    const changed = await sundial(
      ["users", "passwd", "dan", "--password-stdin"],
      "a new long password\n",
    );
    expect(changed).toMatchObject({
      code: 0,
      stdout: "Changed the password of dan; their sessions ended.\n",
    });
    expect(await canLogIn("dan", PASSWORD)).toBe(false);
    expect(await canLogIn("dan", "a new long password")).toBe(true);
    expect(
      (await sundial(["users", "passwd", "nobody", "--password-stdin"], `${PASSWORD}\n`)).code,
    ).toBe(1);

    const text = await sundial(["users", "list"]);
    expect(text.stdout).toMatch(/^NAME +ROLES +GROUPS +STATUS +LAST LOGIN\n/);
    expect(text.stdout).toMatch(/^ci +operator +- +tokens only +never$/m);
    expect(text.stdout).toMatch(/^dan +viewer +- +active +\d{4}-\d\d-\d\dT/m);
    const json = await sundial(["users", "list", "--json"]);
    const users = JSON.parse(json.stdout) as { name: string }[];
    expect(users.map((u) => u.name)).toEqual(expect.arrayContaining(["ci", "dan"]));
    expect(json.stdout).not.toMatch(/scrypt|hash/i);
  });

  // script(1), from util-linux, gives the command a real terminal.
  it.skipIf(!existsSync("/usr/bin/script"))(
    "asks for the password twice in a terminal",
    async () => {
      // What it types arrives before the prompt turns echo off, so the terminal echoes it
      // here, as it would not for a person typing after the prompt.
      const typed = (answers: string) =>
        new Promise<number>((resolve, reject) => {
          const child = spawn(
            "/usr/bin/script",
            [
              "-qec",
              `${process.execPath} ${BIN} users add tty --database ${database}`,
              "/dev/null",
            ],
            { cwd: dir },
          );
          child.on("error", reject);
          child.on("close", (code) => resolve(code ?? -1));
          child.stdin.end(answers);
        });
      expect(await typed(`${PASSWORD}\r${PASSWORD}x\r`)).toBe(2);
      expect(await typed(`${PASSWORD}\r${PASSWORD}\r`)).toBe(0);
      expect(await canLogIn("tty", PASSWORD)).toBe(true);
    },
  );

  it("explains itself and suggests the subcommand meant", async () => {
    expect((await sundial(["users", "--help"])).stdout).toMatch(/^Usage: sundial users add <name>/);
    expect((await sundial(["help", "users"])).stdout).toMatch(/^Usage: sundial users add/);
    const typo = await sundial(["users", "lst"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown subcommand "lst"; did you mean "list"?');
    expect((await sundial(["users", "list", "--roles", "admin"])).stderr).toContain(
      "unknown flag --roles",
    );
    expect((await sundial(["--help"])).stdout).toMatch(/^ {2}users +Add users/m);
  });
});

describe("sundial tokens", () => {
  it("creates a token printed alone on stdout, usable once stored, listed without its secret", async () => {
    await sundial(["users", "add", "deployer", "--no-password", "--roles", "operator"]);
    const name = "CI deploys'); DROP TABLE api_tokens; --";
    const created = await sundial([
      "tokens",
      "create",
      "--user",
      "deployer",
      "--name",
      name,
      "--expires-in-days",
      "30",
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^sundial_[\w-]{43}\n$/);
    expect(created.stderr).toMatch(
      /^Created tok_\S+ \(CI deploys.*\) for deployer, expiring \d{4}-/,
    );
    const secret = created.stdout.trim();
    const principal = await withAuth((auth) => auth.authenticateToken(secret));
    expect(principal).toMatchObject({ name: "deployer", roles: ["operator"], via: "token" });

    const list = await sundial(["tokens", "list", "--user", "deployer", "--json"]);
    const [token] = JSON.parse(list.stdout);
    expect(token).toMatchObject({ id: principal.tokenId, name, user: "deployer", revokedAt: null });
    expect(list.stdout).not.toContain(secret);
    const text = await sundial(["tokens", "list"]);
    expect(text.stdout).toMatch(/^ID +USER +NAME +EXPIRES +LAST USED +STATUS\n/);
    expect(text.stdout).not.toContain(secret);

    const revoked = await sundial(["tokens", "revoke", principal.tokenId as string]);
    expect(revoked).toMatchObject({
      code: 0,
      stdout: `Revoked ${principal.tokenId} (${name}) of deployer.\n`,
    });
    await expect(withAuth((auth) => auth.authenticateToken(secret))).rejects.toMatchObject({
      code: "unauthorized",
    });
  });

  it("gives JSON with --json, and refuses what it cannot do with advice", async () => {
    await sundial(["users", "add", "bot", "--no-password"]);
    const json = await sundial(["tokens", "create", "--user", "bot", "--name", "x", "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      token: { user: "bot", name: "x" },
      secret: expect.stringMatching(/^sundial_/),
    });
    const noUser = await sundial(["tokens", "create", "--name", "x"]);
    expect(noUser).toMatchObject({ code: 2 });
    expect(noUser.stderr).toContain("--user is required");
    const days = await sundial([
      "tokens",
      "create",
      "--user",
      "bot",
      "--name",
      "x",
      "--expires-in-days",
      "0",
    ]);
    expect(days.code).toBe(2);
    expect(days.stderr).toContain('--expires-in-days: "0" is not a whole number from 1 to 3650');
    const unknownUser = await sundial(["tokens", "create", "--user", "ghost", "--name", "x"]);
    expect(unknownUser).toMatchObject({
      code: 1,
      stderr: "sundial tokens: The user ghost does not exist.\n",
    });
    expect(await sundial(["tokens", "revoke", "tok_nothing"])).toMatchObject({
      code: 1,
      stderr: "sundial tokens: API token tok_nothing does not exist.\n",
    });
    expect((await sundial(["tokens", "--help"])).stdout).toMatch(/^Usage: sundial tokens create/);
  });
});
