import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type FtpConnection, testFtp, uploadFtp } from "../../../src/exports/index.js";
import { folderDestinationContract, storedConnectionPeer } from "./folder-contract.js";
import { type FtpServer, startFtpServer } from "./ftp-server.js";
import { expectSameBytes, localFolder, perSuite, producedFile, rejectionOf } from "./helpers.js";

/** The settings of an `ftp` connection to `ftp`, with `extra` on top. */
function ftpConnection(ftp: FtpServer, extra: Record<string, unknown> = {}): FtpConnection {
  return {
    host: "127.0.0.1",
    port: ftp.port,
    username: ftp.username,
    password: ftp.password,
    ...extra,
  } as FtpConnection;
}

/** An FTP destination naming a connection, into `directory`. */
const destination = (directory: string) => ({ type: "ftp", connection: "drop", directory });

folderDestinationContract("ftp", uploadFtp, async () => {
  const ftp = await startFtpServer();
  return storedConnectionPeer(ftp, "ftp", ftpConnection(ftp), {
    localPathOf: (remote) => join(ftp.root, remote),
    remoteFolder: (index) => `/t${index}`,
    describe: (directory) => `ftp://${ftp.username}@127.0.0.1:${ftp.port}${directory}`,
  });
});

describe("FTP logins against ftp-srv", () => {
  const ftp = perSuite(startFtpServer, (server) => server.stop());
  const local = localFolder("ftp-local");

  it("refuses a wrong password with a clear error, sending nothing", async () => {
    const file = await producedFile(local(), "x.csv", "a\n");
    const error = await rejectionOf(
      uploadFtp(file, destination("/"), ftpConnection(ftp(), { password: "wrong" })),
    );
    expect(error.code).toBe("deliveryFailed");
    expect(error.field).toBe("connection.password");
    expect(error.message).toContain(`refused the login as ${ftp().username} (530`);
    expect(error.message).toContain("check the connection's username and password");
  });

  it("tests a connection by listing the directory", async () => {
    await mkdir(join(ftp().root, "listed"));
    await writeFile(join(ftp().root, "listed", "b.txt"), "b");
    await writeFile(join(ftp().root, "listed", "a.txt"), "a");
    expect(await testFtp(ftpConnection(ftp()), "/listed")).toEqual({
      entries: ["a.txt", "b.txt"],
    });
  });

  it("refuses bad settings before connecting, naming the field", async () => {
    const file = await producedFile(local(), "z.csv", "a\n");
    const error = await rejectionOf(
      uploadFtp(file, { ...destination("/"), overwrite: "always" }, ftpConnection(ftp())),
    );
    expect(error.code).toBe("badRequest");
    expect(error.message).toContain('overwrite: "always" must be boolean');
  });
});

describe("FTPS (explicit TLS) against ftp-srv", () => {
  const ftp = perSuite(
    () => startFtpServer({ tls: true }),
    (server) => server.stop(),
  );
  const local = localFolder("ftps-local");

  it("uploads over TLS when the server's certificate is trusted, and names TLS when it isn't", async () => {
    const file = await producedFile(local(), "secret.csv", "id\n1\n");
    const untrusted = await rejectionOf(
      uploadFtp(file, destination("/"), ftpConnection(ftp(), { secure: true })),
    );
    expect(untrusted.code).toBe("deliveryFailed");
    expect(untrusted.field).toBe("connection.secure");
    expect(untrusted.message).toContain("TLS failed (DEPTH_ZERO_SELF_SIGNED_CERT");

    const trusted = ftpConnection(ftp(), { secure: true, ca: ftp().certificate });
    expect(await uploadFtp(file, destination("/"), trusted)).toBe(
      `uploaded ${file.size} bytes to /secret.csv`,
    );
    await expectSameBytes(ftp().root, file);
  });
});
