/**
 * The connections table as Kysely sees it (created by migration 000006-connections),
 * reached with `store.db.withTables<ConnectionTables>()`. No column differs between the
 * dialects: settings and secrets are JSON text, never queried inside.
 */
export interface ConnectionsTable {
  id: string;
  name: string;
  type: string;
  description: string | null;
  /** JSON: the settings without the secrets. */
  settings: string;
  /** JSON: each secret field's sealed value (secret-box.ts); `{}` when none. */
  secrets: string;
  created_at: number;
  updated_at: number;
  created_by: string | null;
  updated_by: string | null;
}

// A type, not an interface: withTables needs the implicit index signature only types have.
export type ConnectionTables = {
  connections: ConnectionsTable;
};
