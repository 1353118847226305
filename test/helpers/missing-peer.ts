/**
 * The house rule for a real peer that is not installed: under CI=true the suite fails (a
 * green CI run always talked to the real peer); elsewhere it is skipped with a banner
 * that says what is skipped and how to install what is missing.
 */
import { describe, it } from "vitest";

/**
 * Registers a failing test under CI=true, or prints a skip banner.
 * @param what the suite that can't run: `the SMB destination tests`.
 * @param problem what is missing: `/usr/sbin/smbd is missing`.
 * @param advice how to get it: `Install samba and smbclient (.ci/run does)`.
 * @param peer the peer, as the failing test names it: `Samba's smbd`.
 */
export function reportMissingPeer(what: string, problem: string, advice: string, peer: string) {
  if (process.env.CI === "true") {
    describe(what, () => {
      it(`has ${peer}`, () => {
        throw new Error(`${problem}; under CI=true ${what} must run against it. ${advice}.`);
      });
    });
    return;
  }
  console.warn(
    [
      "",
      "!".repeat(78),
      `!! SKIPPING ${what}: ${problem}`,
      `!! ${advice}; under CI=true this fails.`,
      "!".repeat(78),
      "",
    ].join("\n"),
  );
}
