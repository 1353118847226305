/**
 * What a database error says about the statement that met it, by the error's code (never
 * its message): pg gives PostgreSQL's SQLSTATE, better-sqlite3 SQLite's extended code.
 */

/** Whether a write failed on a UNIQUE or PRIMARY KEY constraint. */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return (
    code === "23505" ||
    code === "SQLITE_CONSTRAINT_UNIQUE" ||
    code === "SQLITE_CONSTRAINT_PRIMARYKEY"
  );
}

/**
 * SQLSTATE classes in which PostgreSQL refuses the statement for what it asks: its data
 * (22), a constraint (23), a trigger (27, P0), its text or the objects it names (42, 21,
 * 44, 0A), a limit (54). The same statement fails again however often it is sent. The
 * others (a lost connection, a deadlock, a shutdown, a full disk, a timeout) are about the
 * moment, not the statement.
 */
const REFUSING_CLASSES = new Set(["0A", "21", "22", "23", "27", "42", "44", "54", "P0"]);
/** SQLite's counterparts; BUSY, LOCKED, IOERR, FULL, READONLY and the like are the moment's. */
const REFUSING_SQLITE = /^SQLITE_(ERROR|CONSTRAINT|TOOBIG|MISMATCH|RANGE)(_|$)/;

/**
 * Whether the database refused the statement itself, so that sending it again can't
 * succeed; false for failures of the moment (see {@link REFUSING_CLASSES}) and for errors
 * that are not the database's.
 * @example statementRefused(Object.assign(new Error("..."), { code: "22P02" })) // true
 */
export function statementRefused(error: unknown): boolean {
  const code = codeOf(error);
  if (code === undefined) return false;
  if (code.startsWith("SQLITE_")) return REFUSING_SQLITE.test(code);
  return /^[0-9A-Z]{5}$/.test(code) && REFUSING_CLASSES.has(code.slice(0, 2));
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
