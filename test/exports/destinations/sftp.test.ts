import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { testSftp, uploadSftp } from "../../../src/exports/index.js";
import { type Sshd, sshdAvailable, startSshd } from "../../helpers/sshd.js";
import { folderDestinationContract } from "./folder-contract.js";
import {
  expectEntries,
  expectSameBytes,
  localFolder,
  perSuite,
  producedFile,
  rejectionOf,
} from "./helpers.js";

/** SFTP settings for `sshd`, the folder `directory`, with `extra` and `connection` on top. */
function sftpSettings(
  sshd: Sshd,
  directory: string,
  extra: Record<string, unknown> = {},
  connection: Record<string, unknown> = {},
) {
  return {
    type: "sftp",
    connection: {
      host: sshd.host,
      port: sshd.port,
      username: sshd.username,
      privateKey: sshd.privateKey,
      ...connection,
    },
    directory,
    ...extra,
  };
}

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

if (sshdAvailable("the SFTP destination tests")) {
  folderDestinationContract("sftp", uploadSftp, async () => {
    const sshd = await startSshd();
    return {
      stop: () => sshd.stop(),
      peer: {
        // sshd serves the machine's own filesystem: the remote path is the local one.
        localPathOf: (remote) => remote,
        remoteFolder: (index) => join(sshd.folder, `t${index}`),
        settings: (directory, extra) => sftpSettings(sshd, directory, extra),
        describe: (directory) => `sftp://${sshd.username}@127.0.0.1:${sshd.port}${directory}`,
      },
    };
  });

  describe("SFTP logins and host keys against OpenSSH's sshd", () => {
    const sshd = perSuite(startSshd, (server) => server.stop());
    const local = localFolder("sftp-local");
    const settings = (connection: Record<string, unknown>) =>
      sftpSettings(sshd(), sshd().folder, { overwrite: true }, connection);

    it("pins the host key: the fingerprint ssh-keygen prints is accepted, another is refused", async () => {
      const file = await producedFile(local(), "pinned.csv", "a\n1\n");
      await uploadSftp(file, settings({ hostKeyFingerprint: sshd().hostKeyFingerprint }));
      await expectSameBytes(sshd().folder, file);

      const other = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
      const second = await producedFile(local(), "second.csv", "a\n2\n");
      const error = await rejectionOf(uploadSftp(second, settings({ hostKeyFingerprint: other })));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.hostKeyFingerprint");
      expect(error.message).toContain(
        `presented the host key ${sshd().hostKeyFingerprint}, not the pinned ${other}`,
      );
      await expectEntries(sshd().folder, ["pinned.csv"]);
    });

    it("refuses a key the server does not know, with a clear error", async () => {
      const stranger = await sshd().makeKey({ authorized: false });
      const file = await producedFile(local(), "x.csv", "a\n");
      const error = await rejectionOf(uploadSftp(file, settings({ privateKey: stranger })));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.privateKey");
      expect(error.message).toContain(`refused the login as ${sshd().username}`);
      expect(error.message).toContain("authorized_keys");
    });

    it("logs in with a key that has a passphrase, and names the key when the passphrase is missing", async () => {
      const key = await sshd().makeKey({ passphrase: "correct horse" });
      const file = await producedFile(local(), "locked.csv", "a\n1\n");
      const error = await rejectionOf(uploadSftp(file, settings({ privateKey: key })));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.privateKey");
      expect(error.message).toContain("can't use the private key (");

      await uploadSftp(file, settings({ privateKey: key, passphrase: "correct horse" }));
      await expectSameBytes(sshd().folder, file);
    });

    it("names an unreachable server", async () => {
      const file = await producedFile(local(), "y.csv", "a\n");
      const error = await rejectionOf(uploadSftp(file, settings({ port: await closedPort() })));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.host");
      expect(error.message).toContain("can't be reached (ECONNREFUSED");
    });

    it("tests a connection by listing the directory and giving the host key to pin", async () => {
      const dir = join(sshd().folder, "listed");
      await mkdir(dir);
      await writeFile(join(dir, "b.txt"), "b");
      await writeFile(join(dir, "a.txt"), "a");
      expect(await testSftp(sftpSettings(sshd(), dir))).toEqual({
        hostKeyFingerprint: sshd().hostKeyFingerprint,
        entries: ["a.txt", "b.txt"],
      });
    });

    it("refuses bad settings before connecting, naming the field", async () => {
      const file = await producedFile(local(), "z.csv", "a\n");
      const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
        [
          {},
          { privateKey: undefined },
          "connection.password: is required when there is no privateKey; give one of the two",
        ],
        [
          {},
          { hostKeyFingerprint: "ab:cd" },
          'connection.hostKeyFingerprint: "ab:cd" is not a SHA256 fingerprint',
        ],
        [{}, { port: 0 }, "connection.port: 0 must be >= 1"],
        [{ overwrite: "yes" }, {}, 'overwrite: "yes" must be boolean'],
        [{ directory: "" }, {}, "directory:"],
      ];
      for (const [extra, connection, message] of cases) {
        const error = await rejectionOf(
          uploadSftp(file, sftpSettings(sshd(), sshd().folder, extra, connection)),
        );
        expect(error.code).toBe("badRequest");
        expect(error.message).toContain(message);
      }
    });
  });
}
