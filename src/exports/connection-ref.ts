/**
 * How an export names a stored connection: by its name alone (`"connection": "vendor-sftp"`),
 * never by its settings, so that no password or key is ever in a task's config or its
 * versions (DESIGN.md: secrets are encrypted at rest and never returned). The name is
 * resolved when the run needs it, through the run's ConnectionResolver, and its type is
 * checked against what the field takes: when the task is saved if the connection exists
 * (checkExportSpec), else at the run.
 */
import { Type } from "typebox";
import { SundialError } from "../errors.js";
import type { ConnectionResolver } from "./export-run-context.js";

/** A stored connection's name (src/projects/connections/ checks the name's form when it is made). */
export const ConnectionRefSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  description: "The name of a stored connection (POST /api/v1/connections)",
});

/** What may be named in one place: the connection types it takes, and what it is, for messages. */
export interface ConnectionKind {
  readonly types: readonly string[];
  /** `an sftp destination`: `<field>: connection "mail" is of type smtp; an sftp destination takes sftp`. */
  readonly what: string;
}

/** One place a spec names a connection. */
export interface ConnectionUse extends ConnectionKind {
  /** The field that names it: `destinations[0].connection`. */
  readonly field: string;
  readonly name: string;
}

/** A connection as the run resolved it: its settings, secrets decrypted, of a type the field takes. */
export interface ResolvedConnection<S = unknown> {
  readonly name: string;
  readonly type: string;
  readonly settings: S;
}

/** A setting of a connection that a failure to connect or log in can point at. */
export type LoginSetting =
  | "host"
  | "password"
  | "privateKey"
  | "secure"
  | "hostKeyFingerprint"
  | "username"
  | "share";

/**
 * Makes the error a failure to connect or log in becomes, so that one client's wording
 * serves everyone who connects with it: a destination's is `deliveryFailed` naming the
 * destination, a source's `sourceFailed` naming the connection.
 */
export type LoginFailure = (
  reason: string,
  setting: LoginSetting | undefined,
  cause: unknown,
) => SundialError;

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/**
 * Refuses a connection written out in a task (`"connection": { "host": …, "password": … }`)
 * before the schema would quote it, password and all, in its message.
 * @param holder the settings that may hold `connection` (a destination, a notification,
 *   a source, `{ file: … }`).
 * @throws SundialError `badRequest` naming `<field>.connection`.
 * @example refuseInlineConnection(destination, "destinations[0]");
 */
export function refuseInlineConnection(holder: unknown, field: string): void {
  if (!isObject(holder) || !isObject(holder.connection)) return;
  const at = field === "" ? "connection" : `${field}.connection`;
  throw new SundialError(
    "badRequest",
    `${at}: holds a connection's settings, and a task keeps no secrets; store them as a connection (POST /api/v1/connections, docs/connections.md), where its password or key is encrypted, and give its name here ("connection": "vendor-sftp")`,
    { field: at },
  );
}

/** `connection "mail" is of type smtp; an sftp destination takes sftp`, when the type is not one the use takes. */
function mismatch(use: ConnectionUse, type: string): SundialError | undefined {
  if (use.types.includes(type)) return undefined;
  return new SundialError(
    "badRequest",
    `${use.field}: connection "${use.name}" is of type ${type}; ${use.what} takes ${use.types.join(" or ")}`,
    { field: use.field },
  );
}

/**
 * The connection `use` names, with its secrets, once it is known to be of a type the use
 * takes.
 * @throws SundialError `notFound` or `badRequest` (another type), naming `use.field`;
 *   `conflict` when its secrets can't be decrypted (the resolver's).
 * @example const vendor = await resolveConnection<SftpConnection>(connections, { field: "destinations[0].connection", name: "vendor", types: ["sftp"], what: "an sftp destination" });
 */
export async function resolveConnection<S>(
  connections: ConnectionResolver | undefined,
  use: ConnectionUse,
): Promise<ResolvedConnection<S>> {
  if (connections === undefined) {
    throw new SundialError(
      "internal",
      `${use.field}: names connection "${use.name}", but no stored connections were given to resolve it`,
      { field: use.field },
    );
  }
  let connection: ResolvedConnection;
  try {
    connection = await connections.resolve(use.name);
  } catch (error) {
    if (error instanceof SundialError && error.code === "notFound") {
      throw new SundialError(
        "notFound",
        `${use.field}: no connection is named "${use.name}"; store it (POST /api/v1/connections), or name another`,
        { field: use.field, cause: error },
      );
    }
    throw error;
  }
  const wrong = mismatch(use, connection.type);
  if (wrong !== undefined) throw wrong;
  return connection as ResolvedConnection<S>;
}

/**
 * Checks, when a task is saved, that each connection it names that exists is of a type its
 * field takes; one that does not exist yet is checked at the run.
 * @param typeOf the stored connection's type, `undefined` when there is none of that name.
 * @throws SundialError `badRequest` naming the first field at fault.
 */
export async function checkConnectionTypes(
  uses: readonly ConnectionUse[],
  typeOf: (name: string) => Promise<string | undefined>,
): Promise<void> {
  for (const use of uses) {
    const type = await typeOf(use.name);
    const wrong = type === undefined ? undefined : mismatch(use, type);
    if (wrong !== undefined) throw wrong;
  }
}
