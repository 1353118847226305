/**
 * The settings of an `smb` connection (a Windows or Samba share), their rules, and the
 * paths and names in a share as smbclient takes them (smb-client.ts runs it).
 */
import { type Static, Type } from "typebox";
import { SundialError } from "../errors.js";

/** The settings of an `smb` connection (docs/connections.md). */
export const SmbConnectionSchema = Type.Object(
  {
    /** The server's host name or address. */
    host: Type.String({ minLength: 1, maxLength: 253 }),
    /** Default 445. */
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
    /** The share's name alone: `exports`, not `\\server\exports`. */
    share: Type.String({ minLength: 1, maxLength: 80 }),
    /** The Windows domain or workgroup of the user; default the server's own. */
    domain: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })),
    username: Type.String({ minLength: 1, maxLength: 256 }),
    /** Without one, the login is attempted with none. */
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    /** A folder in the share that every path of this connection is under: `finance/out`. */
    path: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
    /** How long a step may go with nothing moving (connecting, logging in, a command, a stalled transfer); default 30,000. */
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false },
);
export type SmbConnection = Static<typeof SmbConnectionSchema>;

export const DEFAULT_SMB_PORT = 445;

const hasControl = (text: string) =>
  [...text].some((c) => c.charCodeAt(0) < 0x20 || c === "\u007f");

/**
 * The rules of `smb` settings beyond their schema. No message repeats the password.
 * @param field what the settings are known by: `settings` makes `settings.share`.
 * @throws SundialError `badRequest` naming the setting.
 */
export function checkSmbConnection(connection: SmbConnection, field: string): void {
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  const fail = (name: string, reason: string): never => {
    throw new SundialError("badRequest", `${at(name)}: ${reason}`, { field: at(name) });
  };
  const { host, share, username, domain, password } = connection;
  if (host.includes("://")) fail("host", `"${host}" is a URL; give the host name alone`);
  if (/^[^:]+:\d+$/.test(host)) fail("host", `"${host}" holds a port; give it in port`);
  if (/[\s/\\]/.test(host) || hasControl(host)) {
    fail(
      "host",
      `"${host}" holds a space, a slash or a control character; give the host name alone`,
    );
  }
  if (/[/\\]/.test(share) || hasControl(share)) {
    fail(
      "share",
      `"${share}" holds a slash or a control character; give the share's name alone (exports, not \\\\server\\exports)`,
    );
  }
  if (hasControl(username)) fail("username", "holds a control character");
  // smbclient reads `user%password` and `DOMAIN\user` in a user name; the password has its own place.
  if (username.includes("%")) {
    fail("username", `"${username}" holds %, which smbclient reads as the start of a password`);
  }
  if (domain !== undefined && (hasControl(domain) || /[\\/%]/.test(domain))) {
    fail("domain", `"${domain}" holds a slash, a % or a control character`);
  }
  if (password?.includes("\0")) fail("password", "holds a NUL character (the value is not shown)");
  if (connection.path !== undefined) checkSmbFolder(connection.path, at("path"));
}

/** The folders of a path in a share, `/` and `\` alike: `/in\2026/` → `["in", "2026"]`. */
export function smbSegments(path: string): string[] {
  return path.split(/[/\\]+/).filter((part) => part !== "" && part !== ".");
}

/**
 * A folder in a share (`/incoming`, `finance\out`; `/` is the share's root, or the
 * connection's `path`).
 * @throws SundialError `badRequest` naming `field` for `..` or a control character.
 */
export function checkSmbFolder(path: string, field: string): void {
  if (hasControl(path)) {
    throw new SundialError("badRequest", `${field}: holds a control character`, { field });
  }
  if (smbSegments(path).includes("..")) {
    throw new SundialError(
      "badRequest",
      `${field}: "${path}" holds "..": give the path from the share's root (or the connection's path)`,
      { field },
    );
  }
}

/**
 * A file name as smbclient's command language takes it, quoted.
 * @throws SundialError `badRequest` naming `field` for `"` or `;`, which it can't carry.
 */
export function quotedSmbName(name: string, field: string): string {
  const bad = ['"', ";"].find((c) => name.includes(c));
  if (bad !== undefined) {
    throw new SundialError(
      "badRequest",
      `${field}: "${name}" holds ${bad}, which smbclient can't pass in a file name; rename it`,
      { field },
    );
  }
  return `"${name}"`;
}

/** `DOMAIN\user`, or the user alone: who logs in, for messages. */
export function smbLoginName(connection: SmbConnection): string {
  return connection.domain === undefined
    ? connection.username
    : `${connection.domain}\\${connection.username}`;
}

/**
 * `smb://DOMAIN;user@host:445/share/prefix/path` (the URL form of RFC drafts and of
 * smbclient itself), for messages and outcomes; never the password.
 */
export function smbUrl(connection: SmbConnection, path: string): string {
  const user = `${connection.domain === undefined ? "" : `${connection.domain};`}${connection.username}`;
  const parts = [connection.share, ...smbSegments(connection.path ?? ""), ...smbSegments(path)];
  return `smb://${user}@${connection.host}:${connection.port ?? DEFAULT_SMB_PORT}/${parts.join("/")}`;
}
