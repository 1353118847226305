/**
 * What went wrong with a SQL source, in the user's words: one `sourceFailed` error naming
 * the connection, where it points, and the reason, told apart by the drivers' codes
 * (SQLSTATE, MySQL's ER_ codes, SQLite's result codes, Node's errno), never their text.
 */
import { SundialError } from "../../errors.js";
import { type SqlConnection, whereOf } from "./sql-connection.js";

/** Raised by a driver when connecting took longer than the source allows. */
export class NoAnswerError extends Error {
  override readonly name = "NoAnswerError";
  constructor(readonly ms: number) {
    super(`no answer within ${ms / 1000} s`);
  }
}

/** Raised by the SQLite driver for a file that isn't there (SQLite's own message doesn't say which). */
export class NoSuchFileError extends Error {
  override readonly name = "NoSuchFileError";
}

/** Which part of the run failed: reaching the database, or the query on it. */
export type SqlStage = "connect" | "query";

interface DriverError {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly sqlState?: unknown;
  readonly message?: unknown;
}

const NETWORK: Readonly<Record<string, string>> = {
  ECONNREFUSED: "the connection was refused (nothing listens on that port?)",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved (DNS did not answer)",
  EHOSTUNREACH: "there is no route to the host",
  ENETUNREACH: "the network is unreachable",
  ECONNRESET: "the server closed the connection",
  EPIPE: "the server closed the connection",
  PROTOCOL_CONNECTION_LOST: "the server closed the connection",
};

/** TLS failures: the certificate could not be trusted, or the server spoke no TLS. */
const TLS = /^(?:ERR_TLS_|ERR_SSL_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_|CERT_|HANDSHAKE_)/;

/** SQLSTATE classes that mean "the login was refused". */
const AUTH_SQLSTATE = /^28/;
const MYSQL_AUTH = new Set([
  "ER_ACCESS_DENIED_ERROR",
  "ER_ACCESS_DENIED_NO_PASSWORD_ERROR",
  "ER_DBACCESS_DENIED_ERROR",
  "ER_NOT_SUPPORTED_AUTH_MODE",
  "ER_HOST_NOT_PRIVILEGED",
]);
const NO_DATABASE = new Set(["3D000", "ER_BAD_DB_ERROR"]);

function describe(connection: SqlConnection, error: unknown, stage: SqlStage, ms: number) {
  const { code, sqlState, message } = (error ?? {}) as DriverError;
  const text = typeof message === "string" ? message : String(error);
  const codeText = typeof code === "string" ? code : undefined;
  if (error instanceof NoAnswerError) {
    return { field: "connection", reason: `cannot reach the database: ${error.message}` };
  }
  if (error instanceof NoSuchFileError) {
    return { field: "connection", reason: `no database file is there: ${text}` };
  }
  if (codeText === "ETIMEDOUT") {
    return {
      field: "connection",
      reason: `cannot reach the database: no answer within ${ms / 1000} s`,
    };
  }
  if (codeText !== undefined && NETWORK[codeText] !== undefined) {
    const verb = stage === "connect" ? "cannot reach the database" : "lost the database";
    return { field: "connection", reason: `${verb}: ${NETWORK[codeText]}` };
  }
  if (codeText !== undefined && TLS.test(codeText)) {
    return {
      field: "connection",
      reason: `the TLS connection failed: ${text} (${codeText}); check the connection's ssl and ca`,
    };
  }
  if (codeText !== undefined && (MYSQL_AUTH.has(codeText) || AUTH_SQLSTATE.test(codeText))) {
    const { username } = connection.settings as { username?: string };
    return {
      field: "connection",
      reason: `the server refused the login of user "${username}": ${text}; check the connection's username and password`,
    };
  }
  if (codeText !== undefined && NO_DATABASE.has(codeText)) {
    return { field: "connection", reason: `${text}; check the connection's database` };
  }
  if (
    connection.type === "sqlite" &&
    (codeText === "SQLITE_CANTOPEN" || codeText === "SQLITE_NOTADB")
  ) {
    return { field: "connection", reason: `cannot open the database file: ${text}` };
  }
  if (stage === "connect") {
    return {
      field: "connection",
      reason: `cannot connect: ${text}${codeText ? ` (${codeText})` : ""}`,
    };
  }
  const codes = [
    connection.type === "postgres" && codeText !== undefined ? `SQLSTATE ${codeText}` : codeText,
    typeof sqlState === "string" ? `SQLSTATE ${sqlState}` : undefined,
  ].filter((part) => part !== undefined);
  return {
    field: "query",
    reason: `the query failed: ${text}${codes.length > 0 ? ` (${codes.join(", ")})` : ""}`,
  };
}

/**
 * The error a SQL source reports for what a driver threw; a SundialError passes as it is.
 * @param connectTimeoutMs how long connecting was allowed, for the message.
 */
export function sourceError(
  connection: SqlConnection,
  error: unknown,
  stage: SqlStage,
  connectTimeoutMs: number,
): SundialError {
  if (error instanceof SundialError) return error;
  const { field, reason } = describe(connection, error, stage, connectTimeoutMs);
  return new SundialError(
    "sourceFailed",
    `connection "${connection.name}" (${connection.type}, ${whereOf(connection)}): ${reason}`,
    { field, cause: error },
  );
}
