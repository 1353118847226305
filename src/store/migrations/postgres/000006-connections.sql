-- Connections (src/projects/connections/): named, typed endpoints that exports use.
-- Settings are JSON text without their secrets; the secrets are a JSON object of values
-- sealed with AES-256-GCM under a key derived from the server's secret key
-- ("v1.<key id>.<iv, tag, ciphertext>"), never stored in clear. Neither is queried inside,
-- so both are text in both dialects.

CREATE TABLE connections (
  id TEXT PRIMARY KEY,
  -- What tasks and the API call it by; appears in URLs.
  name TEXT NOT NULL UNIQUE,
  -- postgres, mysql, sqlite, sftp, ftp, ftps, ssh, smtp, http, gpg.
  type TEXT NOT NULL,
  description TEXT,
  settings TEXT NOT NULL,
  secrets TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  created_by TEXT,
  updated_by TEXT
);
