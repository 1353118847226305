/**
 * What the SQL source needs to know of a connection: the resolved (decrypted) settings of
 * a `postgres`, `mysql` or `sqlite` connection. The connections service
 * (src/projects/connections/) validates and stores them; here they are taken as given.
 */

/** `disable`: plain TCP; `require`: TLS, any certificate; `verify-full`: TLS, certificate and host name checked. */
export type SslMode = "disable" | "require" | "verify-full";

/** PostgreSQL and MariaDB/MySQL take the same settings. */
export interface ServerDatabaseSettings {
  readonly host: string;
  /** Default 5432 (PostgreSQL) or 3306 (MySQL). */
  readonly port?: number | undefined;
  readonly database: string;
  readonly username: string;
  readonly password?: string | undefined;
  /** Default `disable`. */
  readonly ssl?: SslMode | undefined;
  /** PEM certificates to trust for `verify-full`, for a private certificate authority. */
  readonly ca?: string | undefined;
  /** How long connecting and logging in may take; default 10,000 ms. */
  readonly timeoutMs?: number | undefined;
}

export interface SqliteSettings {
  /** An absolute path to an existing database file. */
  readonly path: string;
  /** Default true: an export only reads. */
  readonly readOnly?: boolean | undefined;
}

export type SqlConnection =
  | { readonly name: string; readonly type: "postgres"; readonly settings: ServerDatabaseSettings }
  | { readonly name: string; readonly type: "mysql"; readonly settings: ServerDatabaseSettings }
  | { readonly name: string; readonly type: "sqlite"; readonly settings: SqliteSettings };

export type SqlDialect = SqlConnection["type"];

export const SQL_DIALECTS: readonly SqlDialect[] = ["postgres", "mysql", "sqlite"];

/**
 * A parameter's value. Lists are bound as PostgreSQL arrays (`id = ANY(:ids)`); MySQL and
 * SQLite have no array parameters.
 */
export type SqlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | Uint8Array
  | readonly SqlValue[];

/** Where a connection points, for messages: never its password. */
export function whereOf(connection: SqlConnection): string {
  if (connection.type === "sqlite") return connection.settings.path;
  const { host, port, database } = connection.settings;
  const defaultPort = connection.type === "postgres" ? 5432 : 3306;
  return `${host}:${port ?? defaultPort}/${database}`;
}
