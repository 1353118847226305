/**
 * "Test connection" for the types whose clients live in exports: log in, look at the login
 * directory (SFTP, FTP) or the share's folder (SMB), or run a harmless command (SSH), then
 * log out; an SMTP server is connected to and logged in to, sending nothing. The
 * connections service (src/projects) takes these as its testers for sftp, ssh, ftp, ftps,
 * smb and smtp.
 */

import type { FtpConnection } from "./destinations/ftp-destination.js";
import { testFtp } from "./destinations/ftp-destination.js";
import { testSftp } from "./destinations/sftp-destination.js";
import { testSmb } from "./destinations/smb-destination.js";
import { testSmtp } from "./notifications/smtp-connection.js";
import type { SmbConnection } from "./smb-connection.js";
import { testSsh } from "./sources/ssh-command.js";
import type { SshConnection } from "./ssh-login.js";

export interface TestResult {
  readonly ok: boolean;
  readonly message: string;
  readonly details?: Readonly<Record<string, string>>;
}

type Tester = (
  connection: { readonly settings: unknown },
  signal: AbortSignal,
) => Promise<TestResult>;

const listed = (entries: readonly string[]) =>
  `logged in; the login directory holds ${entries.length} entr${entries.length === 1 ? "y" : "ies"}`;

const ftp: Tester = async ({ settings }, signal) => {
  const { entries } = await testFtp(settings as FtpConnection, ".", signal);
  return { ok: true, message: listed(entries) };
};

export const DELIVERY_TESTERS = {
  sftp: (async ({ settings }, signal) => {
    const { hostKeyFingerprint, entries } = await testSftp(settings as SshConnection, ".", signal);
    return { ok: true, message: listed(entries), details: { hostKeyFingerprint } };
  }) as Tester,
  ssh: (async ({ settings }, signal) => {
    const { hostKeyFingerprint } = await testSsh(settings as SshConnection, signal);
    return {
      ok: true,
      message: "logged in and ran a command (exit 0)",
      details: { hostKeyFingerprint },
    };
  }) as Tester,
  ftp,
  // ftps is ftp with `secure` required; the client is the same.
  ftps: ftp,
  smb: (async ({ settings }, signal) => {
    const { entries } = await testSmb(settings as SmbConnection, signal);
    const folder =
      (settings as SmbConnection).path === undefined ? "the share" : "the connection's path";
    return {
      ok: true,
      message: `logged in; ${folder} holds ${entries.length} entr${entries.length === 1 ? "y" : "ies"}`,
    };
  }) as Tester,
  smtp: (async ({ settings }, signal) => ({
    ok: true,
    message: await testSmtp(settings, signal),
  })) as Tester,
} as const;
