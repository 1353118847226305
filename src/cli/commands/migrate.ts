import { DEFAULT_DATABASE, migrateStore } from "../../store/open-store.js";
import { formatFlagHelp, parseFlags, SHARED_FLAGS } from "../args.js";
import type { CliIo, Command } from "../command.js";
import { refuseExtra } from "../subcommands.js";

const FLAGS = {
  database: SHARED_FLAGS.database,
  schema: SHARED_FLAGS.schema,
  json: SHARED_FLAGS.json,
  help: SHARED_FLAGS.help,
} as const;

function help(): string {
  return `Usage: sundial migrate [--database URL|FILE] [--schema NAME] [--json]

Applies the database migrations this Sundial has that the database lacks, under a lock
(several nodes may run it at once), and reports them. A database written by a newer
Sundial is refused and left untouched.

Options:
${formatFlagHelp(FLAGS)}

Examples:
  sundial migrate
  sundial migrate --database postgres://sundial@db.example.com/sundial --json
`;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { flags, positionals } = parseFlags(argv, FLAGS);
  if (flags.help) {
    io.stdout.write(help());
    return 0;
  }
  refuseExtra(positionals, 0, "migrate takes only flags");

  const database = flags.database ?? io.env.DATABASE_URL ?? DEFAULT_DATABASE;
  const result = await migrateStore({
    database,
    ...(flags.schema === undefined ? {} : { schema: flags.schema }),
  });
  const applied = result.applied.map((m) => `${String(m.version).padStart(6, "0")}-${m.name}`);
  if (flags.json) {
    io.stdout.write(
      `${JSON.stringify({ database: result.location, applied, version: result.version })}\n`,
    );
  } else if (applied.length === 0) {
    io.stdout.write(`${result.location} is up to date (schema version ${result.version}).\n`);
  } else {
    const list = applied.map((name) => `  ${name}\n`).join("");
    io.stdout.write(
      `Applied ${applied.length} migration${applied.length === 1 ? "" : "s"} to ${result.location}:\n${list}`,
    );
  }
  return 0;
}

export const migrateCommand: Command = { name: "migrate", help, run };
