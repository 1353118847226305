import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDestination, deliverFile, testSftp, uploadSftp } from "../../../src/exports/index.js";
import { sshdAvailable, startSshd } from "../../helpers/sshd.js";
import { sshLogin } from "../helpers.js";
import { folderDestinationContract, storedConnectionPeer } from "./folder-contract.js";
import {
  closedPort,
  expectEntries,
  expectSameBytes,
  localFolder,
  perSuite,
  producedFile,
  rejectionOf,
} from "./helpers.js";
import { storedConnections } from "./stored-connections.js";

if (sshdAvailable("the SFTP destination tests")) {
  folderDestinationContract("sftp", uploadSftp, async () => {
    const sshd = await startSshd();
    return storedConnectionPeer(sshd, "sftp", sshLogin(sshd), {
      // sshd serves the machine's own filesystem: the remote path is the local one.
      localPathOf: (remote) => remote,
      remoteFolder: (index) => join(sshd.folder, `t${index}`),
      describe: (directory) => `sftp://${sshd.username}@127.0.0.1:${sshd.port}${directory}`,
    });
  });

  describe("SFTP logins and host keys against OpenSSH's sshd", () => {
    const sshd = perSuite(startSshd, (server) => server.stop());
    const local = localFolder("sftp-local");
    const destination = { type: "sftp", connection: "vendor", directory: "", overwrite: true };
    const upload = (
      file: Parameters<typeof uploadSftp>[0],
      connection: Record<string, unknown> = {},
    ) =>
      uploadSftp(file, { ...destination, directory: sshd().folder }, sshLogin(sshd(), connection));

    it("pins the host key: the fingerprint ssh-keygen prints is accepted, another is refused", async () => {
      const file = await producedFile(local(), "pinned.csv", "a\n1\n");
      await upload(file, { hostKeyFingerprint: sshd().hostKeyFingerprint });
      await expectSameBytes(sshd().folder, file);

      const other = "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s";
      const second = await producedFile(local(), "second.csv", "a\n2\n");
      const error = await rejectionOf(upload(second, { hostKeyFingerprint: other }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.hostKeyFingerprint");
      expect(error.message).toContain(
        `presented the host key ${sshd().hostKeyFingerprint}, not the pinned ${other}, so Sundial did not log in`,
      );
      await expectEntries(sshd().folder, ["pinned.csv"]);
    });

    it("refuses a key the server does not know, with a clear error", async () => {
      const stranger = await sshd().makeKey({ authorized: false });
      const file = await producedFile(local(), "x.csv", "a\n");
      const error = await rejectionOf(upload(file, { privateKey: stranger }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.privateKey");
      expect(error.message).toContain(`refused the login as ${sshd().username}`);
      expect(error.message).toContain("check the connection's username and private key");
      expect(error.message).toContain("authorized_keys");
    });

    it("logs in with a key that has a passphrase, and names the key when the passphrase is missing", async () => {
      const key = await sshd().makeKey({ passphrase: "correct horse" });
      const file = await producedFile(local(), "locked.csv", "a\n1\n");
      const error = await rejectionOf(upload(file, { privateKey: key }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.privateKey");
      expect(error.message).toContain("can't use the private key (");

      await upload(file, { privateKey: key, passphrase: "correct horse" });
      await expectSameBytes(sshd().folder, file);
    });

    it("names an unreachable server", async () => {
      const file = await producedFile(local(), "y.csv", "a\n");
      const error = await rejectionOf(upload(file, { port: await closedPort() }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.host");
      expect(error.message).toContain("can't be reached (ECONNREFUSED");
    });

    it("tests a connection by listing the directory and giving the host key to pin", async () => {
      const dir = join(sshd().folder, "listed");
      await mkdir(dir);
      await writeFile(join(dir, "b.txt"), "b");
      await writeFile(join(dir, "a.txt"), "a");
      expect(await testSftp(sshLogin(sshd()), dir)).toEqual({
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
        [{ overwrite: "yes" }, {}, 'overwrite: "yes" must be boolean'],
        [{ directory: "" }, {}, "directory:"],
      ];
      for (const [extra, connection, message] of cases) {
        const error = await rejectionOf(
          uploadSftp(
            file,
            { ...destination, directory: sshd().folder, ...extra },
            sshLogin(sshd(), connection),
          ),
        );
        expect(error.code).toBe("badRequest");
        expect(error.message).toContain(message);
      }
    });
  });

  describe("an SFTP destination names a stored sftp connection", () => {
    const sshd = perSuite(startSshd, (server) => server.stop());
    const stored = storedConnections();
    const local = localFolder("sftp-named");

    it("refuses the connection's settings written out in the destination, without echoing them", () => {
      const inline = {
        type: "sftp",
        connection: { host: "sftp.example.com", username: "acme", password: "s3cret-pa55" },
        directory: "/in",
      };
      const error = (() => {
        try {
          checkDestination(inline, "destinations[0]");
        } catch (thrown) {
          return thrown as Error & { code?: string; field?: string };
        }
        throw new Error("the inline connection was taken");
      })();
      expect(error.code).toBe("badRequest");
      expect(error.field).toBe("destinations[0].connection");
      expect(error.message).toContain("store them as a connection (POST /api/v1/connections");
      expect(error.message).not.toContain("s3cret-pa55");
    });

    it("uploads through the connection it names, and refuses one of another type or none", async () => {
      const vendor = await stored().put("sftp", sshLogin(sshd()));
      const mail = await stored().put("smtp", { host: "127.0.0.1", from: "a@example.com" });
      const file = await producedFile(local(), "named.csv", "a\n1\n");
      const [sent] = await deliverFile(
        file,
        [{ type: "sftp", connection: vendor, directory: sshd().folder }],
        { connections: stored().service },
      );
      expect(sent).toMatchObject({
        destination: `sftp ${vendor}:${sshd().folder}`,
        status: "sent",
      });
      await expectSameBytes(sshd().folder, file);

      const other = await producedFile(local(), "other.csv", "a\n2\n");
      const wrong = await rejectionOf(
        deliverFile(
          other,
          [
            { type: "directory", directory: local() },
            { type: "sftp", connection: mail, directory: sshd().folder },
          ],
          { connections: stored().service },
        ),
      );
      expect(wrong.code).toBe("badRequest");
      expect(wrong.field).toBe("destinations[1].connection");
      expect(wrong.message).toBe(
        `destinations[1].connection: connection "${mail}" is of type smtp; an sftp destination takes sftp`,
      );
      const missing = await rejectionOf(
        deliverFile(other, [{ type: "sftp", connection: "nowhere", directory: "/in" }], {
          connections: stored().service,
        }),
      );
      expect(missing.code).toBe("notFound");
      expect(missing.field).toBe("destinations[0].connection");
      // Nothing was sent anywhere: every connection is resolved before the first send.
      await expectEntries(sshd().folder, ["named.csv"]);
      await expectEntries(local(), ["named.csv", "other.csv"]);
    });
  });
}
