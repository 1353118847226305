/**
 * `sundial tokens create|revoke|list`: API tokens, made directly in the database (for a
 * CI job's first token, or to revoke a leaked one while the server is down). A new
 * token's secret is printed once, alone on stdout, so that a script can capture it.
 */
import type { ApiToken } from "../../auth/auth.js";
import { localStoreOptions, withLocalAuth } from "../../auth/local-auth.js";
import { SundialError } from "../../errors.js";
import { formatFlagHelp, SHARED_FLAGS, wholeNumber } from "../args.js";
import type { CliIo, Command } from "../command.js";
import { parseSubcommand, refuseExtra, textTable } from "../subcommands.js";

const STORE_FLAGS = {
  database: SHARED_FLAGS.database,
  schema: SHARED_FLAGS.schema,
  json: SHARED_FLAGS.json,
  help: SHARED_FLAGS.help,
} as const;

const USER = {
  type: "string",
  value: "NAME",
  help: "create: the user the token acts as; list: whose tokens (default all).",
} as const;

const SUBCOMMANDS = {
  create: {
    user: USER,
    name: { type: "string", value: "TEXT", help: 'What the token is for, e.g. "CI deploys".' },
    "expires-in-days": {
      type: "string",
      value: "DAYS",
      help: "Days until it expires, 1-3650 (default 90).",
    },
    ...STORE_FLAGS,
  },
  revoke: STORE_FLAGS,
  list: { user: USER, ...STORE_FLAGS },
} as const;
type Subcommand = keyof typeof SUBCOMMANDS;

function help(): string {
  return `Usage: sundial tokens create --user NAME --name TEXT [--expires-in-days DAYS] [--json]
       sundial tokens revoke <id>
       sundial tokens list [--user NAME] [--json]

API tokens let programs call the API as a user: Authorization: Bearer <token>. create
prints the new token once, alone on stdout (details go to stderr); only its hash is
stored, so it cannot be shown again. A revoked token stops working at once.

Options of create:
${formatFlagHelp(SUBCOMMANDS.create)}

Examples:
  TOKEN=$(sundial tokens create --user ci --name "CI deploys" --expires-in-days 30)
  sundial tokens list --user ci
  sundial tokens revoke tok_3kQ9v1xYb2c8ZrTq
`;
}

const when = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());

function tokenLines(tokens: readonly ApiToken[]): string {
  if (tokens.length === 0) return "No tokens.\n";
  return textTable(
    ["ID", "USER", "NAME", "EXPIRES", "LAST USED", "STATUS"],
    tokens.map((t) => [
      t.id,
      t.user,
      t.name,
      when(t.expiresAt),
      when(t.lastUsedAt),
      t.revokedAt === null ? "active" : "revoked",
    ]),
  );
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  // Typed as create's flags, which include every other subcommand's.
  const all = SUBCOMMANDS as Record<Subcommand, typeof SUBCOMMANDS.create>;
  const parsed = parseSubcommand(argv, all, help, io);
  if ("exitCode" in parsed) return parsed.exitCode;
  const { sub, flags, positionals } = parsed;
  const store = localStoreOptions(flags, io.env);
  const json = (value: unknown) => io.stdout.write(`${JSON.stringify(value)}\n`);

  if (sub === "list") {
    refuseExtra(positionals, 0);
    const tokens = await withLocalAuth(store, (auth) => auth.listTokens(flags.user));
    if (flags.json) json(tokens);
    else io.stdout.write(tokenLines(tokens));
    return 0;
  }
  if (sub === "revoke") {
    const id = positionals[0];
    if (id === undefined) {
      throw new SundialError("badRequest", "tokens revoke needs the token's id", { field: "id" });
    }
    refuseExtra(positionals, 1);
    const token = await withLocalAuth(store, (auth) => auth.revokeToken(id));
    if (flags.json) json(token);
    else io.stdout.write(`Revoked ${token.id} (${token.name}) of ${token.user}.\n`);
    return 0;
  }
  refuseExtra(positionals, 0);
  for (const [flag, what] of [
    ["user", "the user the token acts as"],
    ["name", "what the token is for"],
  ] as const) {
    if (flags[flag] === undefined) {
      throw new SundialError("badRequest", `--${flag} is required: ${what}`, {
        field: `--${flag}`,
      });
    }
  }
  const days = flags["expires-in-days"];
  const request = {
    name: flags.name,
    user: flags.user,
    ...(days === undefined
      ? {}
      : { expiresInDays: wholeNumber("--expires-in-days", days, 1, 3650) }),
  };
  const created = await withLocalAuth(store, (auth) => auth.createToken(request));
  if (flags.json) {
    json(created);
  } else {
    const { token, secret } = created;
    io.stderr.write(
      `Created ${token.id} (${token.name}) for ${token.user}, expiring ${when(token.expiresAt)}.\n` +
        "Store the token now: it cannot be shown again.\n",
    );
    io.stdout.write(`${secret}\n`);
  }
  return 0;
}

export const tokensCommand: Command = { name: "tokens", help, run };
