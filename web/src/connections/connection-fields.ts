/**
 * The form fields of each connection type. Field names are checked against the server's
 * settings schemas (`ConnectionSettings`), so a renamed setting is a type error here.
 * Secrets are never read back: the form shows whether one is set, and sends a new value,
 * `{ "set": true }` to keep it, or `null` to remove it.
 */
import type { ConnectionSettings, ConnectionType } from "../api/types.js";

export type FieldKind = "text" | "number" | "boolean" | "textarea" | "select" | "secret" | "json";

export interface Field<T extends ConnectionType = ConnectionType> {
  readonly name: keyof ConnectionSettings[T] & string;
  readonly label: string;
  readonly kind: FieldKind;
  readonly required?: boolean;
  readonly description?: string;
  readonly placeholder?: string;
  readonly options?: readonly { value: string; label: string }[];
  /** What the server assumes when a boolean is left out. */
  readonly defaultValue?: boolean;
}

const TIMEOUT = { label: "Timeout (ms)", kind: "number", description: "1000-600000" } as const;

/** PostgreSQL and MySQL share one settings schema. */
function database(port: number): readonly Field<"postgres" | "mysql">[] {
  return [
    { name: "host", label: "Host", kind: "text", required: true, placeholder: "db.example.com" },
    { name: "port", label: "Port", kind: "number", placeholder: String(port) },
    { name: "database", label: "Database", kind: "text", required: true },
    { name: "username", label: "User name", kind: "text", required: true },
    { name: "password", label: "Password", kind: "secret" },
    {
      name: "ssl",
      label: "TLS",
      kind: "select",
      options: [
        { value: "disable", label: "Off" },
        { value: "require", label: "Required (any certificate)" },
        { value: "verify-full", label: "Verified (certificate and host)" },
      ],
    },
    {
      name: "ca",
      label: "CA certificates (PEM)",
      kind: "textarea",
      description: "With verified TLS only",
    },
    { name: "timeoutMs", ...TIMEOUT },
  ];
}

/** SFTP and SSH share one settings schema. */
function ssh(): readonly Field<"sftp" | "ssh">[] {
  return [
    { name: "host", label: "Host", kind: "text", required: true },
    { name: "port", label: "Port", kind: "number", placeholder: "22" },
    { name: "username", label: "User name", kind: "text", required: true },
    {
      name: "password",
      label: "Password",
      kind: "secret",
      description: "A password or a private key",
    },
    { name: "privateKey", label: "Private key", kind: "secret", description: "OpenSSH or PEM" },
    { name: "passphrase", label: "Key passphrase", kind: "secret" },
    {
      name: "hostKeyFingerprint",
      label: "Host key fingerprint",
      kind: "text",
      placeholder: "SHA256:…",
      description: "Test the connection to learn it",
    },
    { name: "timeoutMs", ...TIMEOUT },
  ];
}

/** FTP and FTPS share one settings schema. */
function ftp(tls: boolean): readonly Field<"ftp" | "ftps">[] {
  const secure: readonly Field<"ftp" | "ftps">[] = [
    {
      name: "secure",
      label: "TLS",
      kind: "select",
      required: true,
      options: [
        { value: "true", label: "Explicit (AUTH TLS)" },
        { value: "implicit", label: "Implicit (from the first byte)" },
      ],
    },
    {
      name: "rejectUnauthorized",
      label: "Check the certificate",
      kind: "boolean",
      defaultValue: true,
    },
    { name: "ca", label: "CA certificates (PEM)", kind: "textarea" },
  ];
  return [
    { name: "host", label: "Host", kind: "text", required: true },
    { name: "port", label: "Port", kind: "number", placeholder: tls ? "21 or 990" : "21" },
    { name: "username", label: "User name", kind: "text", placeholder: "anonymous" },
    { name: "password", label: "Password", kind: "secret" },
    ...(tls ? secure : []),
    { name: "timeoutMs", ...TIMEOUT },
  ];
}

export const CONNECTION_FIELDS: { readonly [T in ConnectionType]: readonly Field<T>[] } = {
  postgres: database(5432),
  mysql: database(3306),
  sqlite: [
    {
      name: "path",
      label: "Database file",
      kind: "text",
      required: true,
      description: "An absolute path on the server",
    },
    { name: "readOnly", label: "Read only", kind: "boolean", defaultValue: true },
  ],
  sftp: ssh(),
  ssh: ssh(),
  ftp: ftp(false),
  ftps: ftp(true),
  smb: [
    { name: "host", label: "Server", kind: "text", required: true, placeholder: "fs.example.com" },
    { name: "port", label: "Port", kind: "number", placeholder: "445" },
    {
      name: "share",
      label: "Share",
      kind: "text",
      required: true,
      placeholder: "exports",
      description: "The share's name alone, not \\\\server\\share",
    },
    { name: "domain", label: "Domain", kind: "text", placeholder: "the server's own" },
    { name: "username", label: "User name", kind: "text", required: true },
    { name: "password", label: "Password", kind: "secret" },
    {
      name: "path",
      label: "Path prefix",
      kind: "text",
      placeholder: "finance/out",
      description: "A folder in the share that the tasks' paths are under",
    },
    { name: "timeoutMs", ...TIMEOUT },
  ],
  smtp: [
    { name: "host", label: "Host", kind: "text", required: true },
    { name: "port", label: "Port", kind: "number", placeholder: "587, or 465 with TLS" },
    { name: "secure", label: "TLS from the first byte (port 465)", kind: "boolean" },
    { name: "requireTLS", label: "Require STARTTLS", kind: "boolean" },
    { name: "username", label: "User name", kind: "text" },
    { name: "password", label: "Password", kind: "secret" },
    {
      name: "from",
      label: "From",
      kind: "text",
      required: true,
      placeholder: "Sundial <sundial@example.com>",
    },
    {
      name: "rejectUnauthorized",
      label: "Check the certificate",
      kind: "boolean",
      defaultValue: true,
    },
    { name: "timeoutMs", ...TIMEOUT },
  ],
  http: [
    {
      name: "baseUrl",
      label: "Base URL",
      kind: "text",
      required: true,
      placeholder: "https://example.com/exports/",
    },
    {
      name: "headers",
      label: "Headers (JSON object)",
      kind: "json",
      description: "Not secret: they are read back. Put credentials in the token.",
    },
    { name: "token", label: "Token", kind: "secret" },
    {
      name: "tokenHeader",
      label: "Token header",
      kind: "text",
      placeholder: "Authorization (as Bearer <token>)",
    },
    { name: "timeoutMs", ...TIMEOUT },
  ],
  gpg: [
    {
      name: "publicKey",
      label: "Public key (armored)",
      kind: "textarea",
      required: true,
      description: "gpg --armor --export <key id>",
    },
  ],
};

export const CONNECTION_TYPE_LABELS: Readonly<Record<ConnectionType, string>> = {
  postgres: "PostgreSQL",
  mysql: "MySQL / MariaDB",
  sqlite: "SQLite",
  sftp: "SFTP",
  ssh: "SSH",
  ftp: "FTP",
  ftps: "FTPS",
  smb: "SMB (Windows share)",
  smtp: "SMTP (email)",
  http: "HTTP",
  gpg: "GPG key",
};
