/**
 * "Test connection" for the types whose clients live in exports, as the server plugs them
 * in (ConnectionService with DELIVERY_TESTERS), against real peers: OpenSSH's sshd for
 * sftp and ssh, ftp-srv for ftp, smtp-server for smtp. A failure is an answer, in the words
 * an export would meet.
 */
import { describe, expect, it } from "vitest";
import { DELIVERY_TESTERS } from "../../src/exports/connection-testers.js";
import { sshdAvailable, startSshd } from "../helpers/sshd.js";
import { startFtpServer } from "./destinations/ftp-server.js";
import { perSuite } from "./destinations/helpers.js";
import { startSmtpServer } from "./destinations/smtp-server.js";
import { storedConnections } from "./destinations/stored-connections.js";
import { sshLogin } from "./helpers.js";

if (sshdAvailable("the SFTP and SSH connection tests")) {
  describe("testing sftp and ssh connections against OpenSSH's sshd", () => {
    const sshd = perSuite(startSshd, (server) => server.stop());
    const stored = storedConnections(DELIVERY_TESTERS);

    it("logs in and lists the login directory (sftp), or runs exit 0 (ssh), giving the host key", async () => {
      const login = sshLogin(sshd());
      const sftp = await stored().put("sftp", login);
      expect(await stored().service.test(sftp)).toMatchObject({
        ok: true,
        message: expect.stringMatching(/^logged in; the login directory holds \d+ entr(y|ies)$/),
        details: { hostKeyFingerprint: sshd().hostKeyFingerprint },
      });
      const ssh = await stored().put("ssh", login);
      expect(await stored().service.test(ssh)).toEqual({
        ok: true,
        message: "logged in and ran a command (exit 0)",
        details: { hostKeyFingerprint: sshd().hostKeyFingerprint },
      });
      const stranger = await stored().put("ssh", {
        ...login,
        privateKey: await sshd().makeKey({ authorized: false }),
      });
      const refused = await stored().service.test(stranger);
      expect(refused.ok).toBe(false);
      expect(refused.message).toContain(`refused the login as ${sshd().username} (`);
      expect(refused.message).toContain("check the connection's username and private key");
    });
  });
}

describe("testing ftp and smtp connections against ftp-srv and smtp-server", () => {
  const ftp = perSuite(startFtpServer, (server) => server.stop());
  const smtp = perSuite(startSmtpServer, (server) => server.stop());
  const stored = storedConnections(DELIVERY_TESTERS);

  it("logs in to each, and answers a refused login with the export's words", async () => {
    const drop = {
      host: "127.0.0.1",
      port: ftp().port,
      username: ftp().username,
      password: ftp().password,
    };
    expect(await stored().service.test(await stored().put("ftp", drop))).toMatchObject({
      ok: true,
      message: expect.stringMatching(/^logged in; the login directory holds/),
    });
    const wrong = await stored().service.test(
      await stored().put("ftp", { ...drop, password: "wrong" }),
    );
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toContain("check the connection's username and password");
    expect(await stored().service.test(await stored().put("smtp", smtp().connection()))).toEqual({
      ok: true,
      message: `smtp://127.0.0.1:${smtp().port} accepted the connection and the login as sundial`,
    });
  });
});
