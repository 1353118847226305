/**
 * `sundial users add|passwd|list`: manage users directly in the database, for the first
 * admin of a server that is not running yet, or an admin who forgot their password.
 * Passwords come from stdin (`--password-stdin`) or a prompt in a terminal, never from
 * the command line, where other users of the machine and shell history would see them.
 */
import type { ReadStream } from "node:tty";
import type { User } from "../../auth/auth.js";
import { localStoreOptions, withLocalAuth } from "../../auth/local-auth.js";
import { SundialError } from "../../errors.js";
import { formatFlagHelp, SHARED_FLAGS } from "../args.js";
import type { CliIo, Command } from "../command.js";
import { parseSubcommand, refuseExtra, textTable } from "../subcommands.js";

const STORE_FLAGS = {
  database: SHARED_FLAGS.database,
  schema: SHARED_FLAGS.schema,
  json: SHARED_FLAGS.json,
  help: SHARED_FLAGS.help,
} as const;

const PASSWORD_STDIN = {
  type: "boolean",
  help: "Read the password from stdin (one line) instead of asking for it.",
} as const;

const SUBCOMMANDS = {
  add: {
    roles: {
      type: "string",
      value: "ROLES",
      help: "Comma-separated: admin, operator, viewer (default viewer).",
    },
    "password-stdin": PASSWORD_STDIN,
    "no-password": {
      type: "boolean",
      help: "No password: the user can only use API tokens.",
    },
    ...STORE_FLAGS,
  },
  passwd: { "password-stdin": PASSWORD_STDIN, ...STORE_FLAGS },
  list: STORE_FLAGS,
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;

function help(): string {
  return `Usage: sundial users add <name> [--roles ROLES] [--password-stdin | --no-password]
       sundial users passwd <name> [--password-stdin]
       sundial users list [--json]

Manages users directly in the database (a running server sees the changes at once).
Without --password-stdin, add and passwd ask for the password twice when run in a
terminal; a password is never taken from the command line. Setting a password ends the
user's browser sessions.

Options of add:
${formatFlagHelp(SUBCOMMANDS.add)}

Examples:
  sundial users add ada --roles operator
  printf '%s\\n' "$ADMIN_PASSWORD" | sundial users passwd admin --password-stdin
  sundial users list --json --database postgres://sundial@db.example.com/sundial
`;
}

/** All of stdin, less one line ending. */
async function readStdin(io: CliIo): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

/**
 * Asks `questions` in a terminal, one line each, without echoing the answers. Characters
 * typed (or pasted) ahead count towards the next answers rather than being dropped.
 */
function askHidden(io: CliIo, questions: readonly string[]): Promise<string[]> {
  const input = io.stdin as ReadStream;
  const answers: string[] = [];
  let value = "";
  let afterReturn = false;
  io.stderr.write(questions[0] ?? "");
  return new Promise((resolve, reject) => {
    const finish = (error?: Error) => {
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      if (error === undefined) resolve(answers);
      else reject(error);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        // Enter is \r in raw mode; a pasted \r\n is one line end, not two.
        const lineEnd = char === "\r" || (char === "\n" && !afterReturn);
        afterReturn = char === "\r";
        if (char === "\n" && !lineEnd) continue;
        if (lineEnd) {
          io.stderr.write("\n");
          answers.push(value);
          value = "";
          if (answers.length === questions.length) return finish();
          io.stderr.write(questions[answers.length] ?? "");
        } else if (char === "\u0003" || char === "\u0004") {
          io.stderr.write("\n");
          return finish(new SundialError("badRequest", "no password given (cancelled)"));
        } else {
          value = char === "\u007f" || char === "\b" ? value.slice(0, -1) : value + char;
        }
      }
    };
    input.setRawMode(true);
    input.setEncoding("utf8");
    input.on("data", onData);
    input.resume();
  });
}

async function readPassword(io: CliIo, fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readStdin(io);
  if ((io.stdin as Partial<ReadStream>).isTTY !== true) {
    throw new SundialError(
      "badRequest",
      "stdin is not a terminal to ask for the password in; pipe it in with --password-stdin",
      { field: "--password-stdin" },
    );
  }
  const [password, again] = await askHidden(io, ["Password: ", "Password again: "]);
  if (again !== password) {
    throw new SundialError("badRequest", "the two passwords differ; nothing was changed");
  }
  return password as string;
}

function rolesOf(text: string | undefined): string[] {
  return (text ?? "viewer")
    .split(",")
    .map((role) => role.trim())
    .filter((role) => role !== "");
}

function userLines(users: readonly User[]): string {
  if (users.length === 0) return "No users.\n";
  return textTable(
    ["NAME", "ROLES", "GROUPS", "STATUS", "LAST LOGIN"],
    users.map((u) => [
      u.name,
      u.roles.join(","),
      u.groups.join(",") || "-",
      u.disabled ? "disabled" : u.hasPassword ? "active" : "tokens only",
      u.lastLoginAt === null ? "never" : new Date(u.lastLoginAt).toISOString(),
    ]),
  );
}

/** The one positional add and passwd take: the user name. */
function nameOf(positionals: readonly string[], sub: Subcommand): string {
  const name = positionals[0];
  if (name === undefined) {
    throw new SundialError("badRequest", `users ${sub} needs the user's name`, { field: "name" });
  }
  refuseExtra(positionals, 1);
  return name;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  // Typed as add's flags, which include every other subcommand's.
  const all = SUBCOMMANDS as Record<Subcommand, typeof SUBCOMMANDS.add>;
  const parsed = parseSubcommand(argv, all, help, io);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { sub, flags, positionals } = parsed;
  const store = localStoreOptions(flags, io.env);
  const print = (value: unknown, text: string) =>
    io.stdout.write(flags.json ? `${JSON.stringify(value)}\n` : text);

  if (sub === "list") {
    refuseExtra(positionals, 0);
    const users = await withLocalAuth(store, (auth) => auth.listUsers());
    print(users, userLines(users));
    return 0;
  }
  const name = nameOf(positionals, sub);
  if (sub === "passwd") {
    const password = await readPassword(io, flags["password-stdin"]);
    await withLocalAuth(store, (auth) => auth.setPassword(name, { password }));
    print(
      { name, passwordChanged: true },
      `Changed the password of ${name}; their sessions ended.\n`,
    );
    return 0;
  }
  if (flags["no-password"] && flags["password-stdin"]) {
    throw new SundialError("badRequest", "give --password-stdin or --no-password, not both", {
      field: "--no-password",
    });
  }
  const password = flags["no-password"]
    ? undefined
    : await readPassword(io, flags["password-stdin"]);
  const user = await withLocalAuth(store, (auth) =>
    auth.createUser({
      name,
      roles: rolesOf(flags.roles),
      ...(password === undefined ? {} : { password }),
    }),
  );
  print(user, `Created user ${user.name} (${user.roles.join(", ")}).\n`);
  return 0;
}

export const usersCommand: Command = { name: "users", help, run };
