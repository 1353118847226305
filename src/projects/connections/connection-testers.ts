/**
 * The connection tests Sundial does itself: the databases (connect, and ask the server's
 * version, as an export's query would), `http` (a HEAD, or a GET where HEAD is refused, to
 * the base URL with the connection's headers and token) and `gpg` (the key parses and
 * encrypts). SFTP, FTP, SSH and SMTP are tested by their clients, plugged in through
 * `ConnectionServiceOptions.testers` (src/exports/connection-testers.ts).
 */
import { openpgp, readPublicKey } from "../../exports/gpg-encrypt.js";
// The same headers and token an export's fetch sends, so that the test tries what a run will.
import { fetchFailure, httpHeaders } from "../../exports/sources/remote-file.js";
import { sqlRows } from "../../exports/sources/sql.js";
import type { ConnectionTester, ConnectionTesters } from "./connection.js";

const VERSION_QUERIES = {
  postgres: "SELECT version() AS version",
  mysql: "SELECT version() AS version",
  sqlite: "SELECT sqlite_version() AS version",
} as const;

const testDatabase: ConnectionTester<"postgres" | "mysql" | "sqlite"> = async (
  connection,
  signal,
) => {
  const query = VERSION_QUERIES[connection.type];
  let version = "";
  for await (const row of sqlRows(connection, query, { signal })) {
    version = String((row as { version?: unknown }).version);
  }
  return {
    ok: true,
    message: `connected and queried the version: ${version}`,
    details: { version },
  };
};

const testHttp: ConnectionTester<"http"> = async ({ settings }, signal) => {
  const url = settings.baseUrl;
  const headers = httpHeaders(settings);
  let method = "HEAD";
  let response: Response;
  try {
    response = await fetch(url, { method, headers, signal });
    if (response.status === 405 || response.status === 501) {
      method = "GET";
      response = await fetch(url, { method, headers, signal });
      // Only the status matters; the body may be large.
      await response.body?.cancel();
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    return { ok: false, message: `${method} ${url} failed: ${fetchFailure(error)}` };
  }
  const answer = `${method} ${url} answered ${response.status} ${response.statusText}`.trim();
  if (response.status < 400)
    return { ok: true, message: answer, details: { status: String(response.status) } };
  const hint =
    response.status === 401 || response.status === 403
      ? "; check the token (and tokenHeader)"
      : response.status === 404
        ? "; check baseUrl"
        : "";
  return { ok: false, message: `${answer}${hint}`, details: { status: String(response.status) } };
};

const testGpg: ConnectionTester<"gpg"> = async ({ settings }) => {
  const key = await readPublicKey(settings.publicKey, "settings.publicKey");
  const { createMessage, encrypt } = await openpgp();
  await encrypt({ message: await createMessage({ text: "sundial" }), encryptionKeys: key });
  const expires = await key.getExpirationTime();
  const details = {
    fingerprint: key.getFingerprint().toUpperCase(),
    userIds: key.getUserIDs().join(", "),
    expires: expires instanceof Date ? expires.toISOString() : "never",
  };
  return {
    ok: true,
    message: `the key ${details.fingerprint} (${details.userIds}) can encrypt`,
    details,
  };
};

export const BUILT_IN_TESTERS: ConnectionTesters = {
  postgres: testDatabase,
  mysql: testDatabase,
  sqlite: testDatabase,
  http: testHttp,
  gpg: testGpg,
};
