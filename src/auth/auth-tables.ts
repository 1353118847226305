/**
 * The auth tables as Kysely sees them (created by migration 000003-auth). They are
 * declared here rather than in the store's Database, which holds only the scheduler's and
 * job runtime's tables: the repository reaches them with `store.db.withTables<AuthTables>()`.
 * No column differs between the dialects: flags are nullable instants (`disabled_at`,
 * `revoked_at`) and roles are JSON text in both.
 */
import type { Generated } from "kysely";

export interface UsersTable {
  id: string;
  name: string;
  password_hash: string | null;
  roles: string;
  disabled_at: number | null;
  last_login_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface UserGroupsTable {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
}

export interface GroupMembersTable {
  group_id: string;
  user_id: string;
}

export interface GroupGrantsTable {
  group_id: string;
  job_type: string;
}

export interface ApiTokensTable {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

export interface LoginFailuresTable {
  id: Generated<number>;
  name: string;
  ip: string;
  at: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  user_id: string | null;
  user_name: string | null;
  token_id: string | null;
  method: string;
  route: string;
  target: string | null;
  status: number;
  ip: string | null;
}

// A type, not an interface: withTables needs the implicit index signature only types have.
export type AuthTables = {
  users: UsersTable;
  user_groups: UserGroupsTable;
  group_members: GroupMembersTable;
  group_grants: GroupGrantsTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  login_failures: LoginFailuresTable;
  audit_log: AuditLogTable;
};
