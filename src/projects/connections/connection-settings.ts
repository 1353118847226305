/**
 * The settings of each connection type: one TypeBox schema per type (secrets included, as
 * the code that runs exports gets them), which of its fields are secrets, and the rules
 * beyond the schema. SFTP, SSH, FTP, SMB and SMTP settings are the exports' own schemas, so that
 * a resolved connection is exactly what the upload, the command or the mail takes.
 *
 * Secrets are never echoed: a secret field is checked here, apart from the schema, with
 * messages that don't repeat its value. In input a secret is a string (the new value),
 * `null` or `{ "set": false }` (remove it), or left out or `{ "set": true }` (keep the
 * stored one), so that what a read gives back can be sent back unchanged.
 */
import { isAbsolute } from "node:path";
import { type Static, type TObject, type TSchema, Type } from "typebox";
import { SundialError } from "../../errors.js";
import { FtpConnectionSchema } from "../../exports/destinations/ftp-destination.js";
import { readPublicKey } from "../../exports/gpg-encrypt.js";
import {
  checkSmtpConnection,
  SmtpConnectionSchema,
} from "../../exports/notifications/smtp-connection.js";
import { checkSmbConnection, SmbConnectionSchema } from "../../exports/smb-connection.js";
import { checkSshLogin, SshConnectionSchema } from "../../exports/ssh-login.js";
import { validate } from "../../validation.js";

const Host = Type.String({ minLength: 1, maxLength: 253 });
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
const Pem = Type.String({ minLength: 1, maxLength: 65_536 });
const Secret = (maxLength: number) => Type.String({ minLength: 1, maxLength });
const TimeoutMs = Type.Integer({ minimum: 1000, maximum: 600_000 });

const ServerDatabaseSchema = Type.Object(
  {
    host: Host,
    /** Default 5432 (postgres) or 3306 (mysql). */
    port: Type.Optional(Port),
    database: Type.String({ minLength: 1, maxLength: 128 }),
    username: Type.String({ minLength: 1, maxLength: 128 }),
    password: Type.Optional(Secret(1024)),
    /** `disable` (default), `require` (TLS, any certificate) or `verify-full`. */
    ssl: Type.Optional(
      Type.Union([Type.Literal("disable"), Type.Literal("require"), Type.Literal("verify-full")]),
    ),
    /** PEM certificates to trust with `verify-full`. */
    ca: Type.Optional(Pem),
    /** Connecting and logging in; default 10,000. */
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);

const SqliteSchema = Type.Object(
  {
    /** An absolute path to an existing database file. */
    path: Type.String({ minLength: 1, maxLength: 4096 }),
    /** Default true. */
    readOnly: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const HttpSchema = Type.Object(
  {
    /** `https://…`; paths the export fetches are resolved against it. */
    baseUrl: Type.String({ minLength: 1, maxLength: 2048 }),
    /** Sent with every request; not secret (they are read back): put credentials in `token`. */
    headers: Type.Optional(
      Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ maxLength: 8192 })),
    ),
    token: Type.Optional(Secret(8192)),
    /** The header that carries `token`; default `Authorization`, as `Bearer <token>`. */
    tokenHeader: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Each request; default 30,000. */
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);

const GpgSchema = Type.Object(
  {
    /** An armored OpenPGP public key (`gpg --armor --export <key id>`). */
    publicKey: Type.String({ minLength: 1, maxLength: 1_000_000 }),
  },
  { additionalProperties: false },
);

type Fail = (field: string, reason: string) => never;

interface Kind<S extends TObject> {
  readonly schema: S;
  /** The fields that are secrets: encrypted at rest, never read back. */
  readonly secrets: readonly (keyof Static<S> & string)[];
  /** Rules beyond the schema, on the whole settings, secrets included. */
  readonly check?: (settings: Static<S>, fail: Fail, prefix: string) => void | Promise<void>;
}

const kind = <S extends TObject>(definition: Kind<S>): Kind<S> => definition;

function checkHost(host: string, fail: Fail): void {
  if (host.includes("://"))
    fail("host", `"${host}" is a URL; give the host name alone (db.example.com)`);
  if (/\s/.test(host) || [...host].some((c) => c.charCodeAt(0) < 0x20))
    fail("host", `"${host}" holds a space or a control character`);
}

function checkServerDatabase(settings: Static<typeof ServerDatabaseSchema>, fail: Fail): void {
  checkHost(settings.host, fail);
  if (settings.ca !== undefined && settings.ssl !== "verify-full") {
    fail("ca", 'is only used with ssl "verify-full"; set ssl to "verify-full", or leave ca out');
  }
}

/**
 * The rules of an SSH login (ssh-login.ts: a password or a key, the fingerprint's form),
 * which the SFTP destination and the SSH source apply too; and a key that looks like one.
 */
function checkSsh(settings: Static<typeof SshConnectionSchema>, fail: Fail, prefix: string): void {
  checkSshLogin(settings, prefix);
  if (
    settings.privateKey !== undefined &&
    !/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(settings.privateKey)
  ) {
    fail(
      "privateKey",
      "is not a private key in OpenSSH or PEM form (-----BEGIN OPENSSH PRIVATE KEY-----); the value is not shown",
    );
  }
}

// Header names are HTTP tokens; values may not break the line.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CREDENTIAL_HEADERS = new Set(["authorization", "proxy-authorization", "cookie"]);

function checkHttp(settings: Static<typeof HttpSchema>, fail: Fail): void {
  let url: URL | undefined;
  try {
    url = new URL(settings.baseUrl);
  } catch {
    fail(
      "baseUrl",
      `"${settings.baseUrl}" is not a URL; give one such as https://example.com/exports/`,
    );
  }
  if (url?.protocol !== "https:" && url?.protocol !== "http:") {
    fail("baseUrl", `"${settings.baseUrl}" is not an http or https URL`);
  }
  if (url?.username !== "" || url?.password !== "") {
    fail(
      "baseUrl",
      "holds a user name or password, which would be read back; put the credential in token",
    );
  }
  for (const [name, value] of Object.entries(settings.headers ?? {})) {
    if (!TOKEN.test(name)) fail(`headers.${name}`, "is not a valid header name");
    if (/[\r\n\0]/.test(value)) fail(`headers.${name}`, "holds a line break");
    if (CREDENTIAL_HEADERS.has(name.toLowerCase())) {
      fail(
        `headers.${name}`,
        "carries a credential, which headers would show; put it in token (and tokenHeader)",
      );
    }
  }
  if (settings.tokenHeader !== undefined && !TOKEN.test(settings.tokenHeader)) {
    fail("tokenHeader", `"${settings.tokenHeader}" is not a valid header name`);
  }
}

export const CONNECTION_KINDS = {
  postgres: kind({
    schema: ServerDatabaseSchema,
    secrets: ["password"],
    check: checkServerDatabase,
  }),
  mysql: kind({ schema: ServerDatabaseSchema, secrets: ["password"], check: checkServerDatabase }),
  sqlite: kind({
    schema: SqliteSchema,
    secrets: [],
    check: ({ path }, fail) => {
      if (!isAbsolute(path)) {
        fail(
          "path",
          `"${path}" is relative; give an absolute path (the server's working directory is no fixed place)`,
        );
      }
    },
  }),
  sftp: kind({
    schema: SshConnectionSchema,
    secrets: ["password", "privateKey", "passphrase"],
    check: checkSsh,
  }),
  ssh: kind({
    schema: SshConnectionSchema,
    secrets: ["password", "privateKey", "passphrase"],
    check: checkSsh,
  }),
  ftp: kind({
    schema: FtpConnectionSchema,
    secrets: ["password"],
    check: ({ host }, fail) => checkHost(host, fail),
  }),
  ftps: kind({
    schema: FtpConnectionSchema,
    secrets: ["password"],
    check: ({ host, secure }, fail) => {
      checkHost(host, fail);
      if (secure !== true && secure !== "implicit") {
        fail(
          "secure",
          'must be true (AUTH TLS) or "implicit" (TLS from the first byte) for ftps; plain FTP is an ftp connection',
        );
      }
    },
  }),
  smb: kind({
    schema: SmbConnectionSchema,
    secrets: ["password"],
    check: (settings, _fail, prefix) => checkSmbConnection(settings, prefix),
  }),
  smtp: kind({
    schema: SmtpConnectionSchema,
    secrets: ["password"],
    check: (settings, _fail, prefix) => {
      checkSmtpConnection(settings, prefix);
    },
  }),
  http: kind({ schema: HttpSchema, secrets: ["token"], check: checkHttp }),
  gpg: kind({
    schema: GpgSchema,
    secrets: [],
    check: async ({ publicKey }, _fail, prefix) => {
      await readPublicKey(publicKey, `${prefix}.publicKey`);
    },
  }),
} as const;

export type ConnectionType = keyof typeof CONNECTION_KINDS;
export const CONNECTION_TYPES = Object.keys(CONNECTION_KINDS) as ConnectionType[];

/** The settings of each type, as the code that runs exports gets them (secrets in clear). */
export type ConnectionSettings = {
  [T in ConnectionType]: Static<(typeof CONNECTION_KINDS)[T]["schema"]>;
};

/** How a secret field is read back: whether a value is stored, never the value. */
export interface SecretState {
  readonly set: boolean;
}

/**
 * Checked settings, secrets included. `storedSecret(field)` gives the decrypted stored
 * value of a secret the input keeps (`undefined` when none is stored); it is only asked for
 * the secrets kept, so re-entering every secret works even when the stored ones can't be
 * decrypted any more.
 * @throws SundialError `badRequest` naming the field (`settings.port`), never echoing a secret.
 */
export async function checkSettings(
  type: ConnectionType,
  value: unknown,
  storedSecret: (field: string) => string | undefined,
  prefix = "settings",
): Promise<Record<string, unknown>> {
  const { schema, secrets, check } = CONNECTION_KINDS[type] as Kind<TObject>;
  const fail: Fail = (field, reason) => {
    throw new SundialError("badRequest", `${prefix}.${field}: ${reason}`, {
      field: `${prefix}.${field}`,
    });
  };
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new SundialError("badRequest", `${prefix}: must be an object of the ${type} settings`, {
      field: prefix,
    });
  }
  const given = value as Record<string, unknown>;
  const plain: Record<string, unknown> = {};
  const secret: Record<string, string> = {};
  for (const [field, fieldValue] of Object.entries(given)) {
    if (!secrets.includes(field)) plain[field] = fieldValue;
  }
  for (const field of secrets) {
    const kept = secretInput(
      given[field],
      field,
      (schema.properties[field] as TSchema & { maxLength?: number }).maxLength,
      fail,
    );
    if (kept === "remove") continue;
    const stored = kept === "keep" || kept === "keepGiven" ? storedSecret(field) : kept;
    if (stored === undefined && kept === "keepGiven") {
      fail(field, `{ "set": true } keeps the stored ${field}, but none is stored; give the value`);
    }
    if (stored !== undefined) secret[field] = stored;
  }
  const withoutSecrets = Type.Object(
    Object.fromEntries(
      Object.entries(schema.properties).filter(([field]) => !secrets.includes(field)),
    ),
    { additionalProperties: false },
  );
  const settings = { ...validate(withoutSecrets, plain, prefix), ...secret };
  await check?.(settings, fail, prefix);
  return settings;
}

/** What the input says of one secret: a new value, keep (left out, or asked for), or remove. */
function secretInput(
  value: unknown,
  field: string,
  maxLength = 65_536,
  fail: Fail,
): string | "keep" | "keepGiven" | "remove" {
  if (value === undefined) return "keep";
  if (value === null) return "remove";
  if (typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const set = (value as { set?: unknown }).set;
    if (keys.length === 1 && typeof set === "boolean") return set ? "keepGiven" : "remove";
  }
  if (typeof value === "string" && value.length >= 1 && value.length <= maxLength) return value;
  return fail(
    field,
    `must be text of 1 to ${maxLength} characters, null to remove it, or { "set": true } to keep the stored one (the value is not shown)`,
  );
}

/** Splits checked settings into what is stored in clear and the secrets. */
export function splitSecrets(
  type: ConnectionType,
  settings: Readonly<Record<string, unknown>>,
): { plain: Record<string, unknown>; secrets: Record<string, string> } {
  const fields: readonly string[] = CONNECTION_KINDS[type].secrets;
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [field, value] of Object.entries(settings)) {
    if (fields.includes(field)) secrets[field] = value as string;
    else plain[field] = value;
  }
  return { plain, secrets };
}

/** Settings as they are read back: every secret field of the type as `{ set }`. */
export function maskedSettings(
  type: ConnectionType,
  plain: Readonly<Record<string, unknown>>,
  stored: ReadonlySet<string>,
): Record<string, unknown> {
  const masked: Record<string, unknown> = { ...plain };
  for (const field of CONNECTION_KINDS[type].secrets as readonly string[]) {
    masked[field] = { set: stored.has(field) } satisfies SecretState;
  }
  return masked;
}
