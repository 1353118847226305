-- Users, groups, API tokens, browser sessions, failed logins and the audit log (src/auth/).
-- Times are UTC instants in milliseconds since the epoch; ids are stable strings. Secrets
-- are never stored as given: passwords as scrypt hashes, tokens and session ids as SHA-256.
-- Owners of schedules (and projects) come later, with projects.

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  -- scrypt$N$r$p$salt$hash; NULL for an account that only uses API tokens.
  password_hash TEXT,
  -- A JSON array of roles (admin, operator, viewer); never queried inside, so text in both dialects.
  roles TEXT NOT NULL,
  -- Disabled users are kept, not deleted, so the audit log and their names stay meaningful.
  disabled_at INTEGER,
  -- Failed logins before the last success no longer count against the name.
  last_login_at INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- "groups" is a keyword in both dialects' window syntax.
CREATE TABLE user_groups (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE group_members (
  group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, user_id)
);
-- Every authenticated request loads its user's groups.
CREATE INDEX group_members_user ON group_members (user_id);

-- A grant lets the group's members start jobs of one type (group `exporters`, type `export`).
CREATE TABLE group_grants (
  group_id TEXT NOT NULL REFERENCES user_groups (id) ON DELETE CASCADE,
  job_type TEXT NOT NULL,
  PRIMARY KEY (group_id, job_type)
);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  -- SHA-256 of the token, hex: the token itself is shown once and never stored.
  secret_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE sessions (
  -- SHA-256 of the session id the cookie holds, hex.
  id_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  -- What cookie-authenticated changes must send back in X-CSRF-Token.
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Failed logins in the rate-limit window, counted per name and per address; kept in the
-- database so that every node of a cluster counts the same attempts.
CREATE TABLE login_failures (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  ip TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX login_failures_name ON login_failures (name, at);
CREATE INDEX login_failures_ip ON login_failures (ip, at);
CREATE INDEX login_failures_at ON login_failures (at);

-- Every change made through the API, allowed or refused. No foreign keys: the log
-- outlives what it names.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  user_id TEXT,
  user_name TEXT,
  -- The API token used, when the request came with one rather than a session.
  token_id TEXT,
  method TEXT NOT NULL,
  -- The route's pattern (/api/v1/users/:name), not the URL, so rows group by operation.
  route TEXT NOT NULL,
  target TEXT,
  status INTEGER NOT NULL,
  ip TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_user ON audit_log (user_name, id);
