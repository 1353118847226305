/**
 * The benchmark's own PostgreSQL housekeeping. Each library runs in a schema of its own,
 * named after the run, so that runs never see each other's jobs and a crashed child's
 * schema is still found and dropped at the end.
 */
import pg from "pg";

async function withClient(url, use) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export function serverVersion(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query("SHOW server_version");
    return rows[0].server_version;
  });
}

/**
 * A schema name for one library in one run: lower case, so it needs no quoting anywhere,
 * and short, since graphile-worker names prepared statements after it within PostgreSQL's
 * 63 characters.
 */
export function schemaName(runId, label) {
  return `bq_${runId}_${label}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** Drops every schema this run made; returns their names. */
export function dropRunSchemas(url, runId) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1) ORDER BY nspname",
      [`bq_${runId}_`],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
    return rows.map((row) => row.nspname);
  });
}
