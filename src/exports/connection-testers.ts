/**
 * "Test connection" for the types whose clients live with the destinations: log in, look
 * at the login directory, log out. The connections service (src/projects) takes these as
 * its testers for sftp, ftp, ftps and smtp.
 */
import { testFtp } from "./destinations/ftp-destination.js";
import { testSftp } from "./destinations/sftp-destination.js";
import { testSmtp } from "./notifications/smtp-connection.js";

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
  const { entries } = await testFtp({ type: "ftp", connection: settings, directory: "." }, signal);
  return { ok: true, message: listed(entries) };
};

export const DELIVERY_TESTERS = {
  sftp: (async ({ settings }, signal) => {
    const { hostKeyFingerprint, entries } = await testSftp(
      { type: "sftp", connection: settings, directory: "." },
      signal,
    );
    return { ok: true, message: listed(entries), details: { hostKeyFingerprint } };
  }) as Tester,
  ftp,
  // ftps is ftp with `secure` required; the client is the same.
  ftps: ftp,
  smtp: (async ({ settings }, signal) => ({
    ok: true,
    message: await testSmtp(settings, signal),
  })) as Tester,
} as const;
