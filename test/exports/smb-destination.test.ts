/**
 * The SMB destination against Samba's own smbd (SMB3 only, encryption required), through
 * smbclient as Sundial runs it: the folder destination contract (same bytes, no temporary
 * file left, overwrite refused and allowed, a stop mid-upload, a missing directory, empty
 * files), then what is SMB's own: a file that appears during the upload is never
 * replaced, the size check, the connection's path, refused logins, a missing share, an
 * unreachable server, names smbclient can't carry, and "test connection".
 */
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DELIVERY_TESTERS } from "../../src/exports/connection-testers.js";
import { checkDestination, uploadSmb } from "../../src/exports/index.js";
import { sambaAvailable, smbLogin, startSamba } from "../helpers/samba.js";
import { folderDestinationContract, storedConnectionPeer } from "./destinations/folder-contract.js";
import {
  closedPort,
  expectEntries,
  expectSameBytes,
  localFolder,
  perSuite,
  producedFile,
  randomFile,
  rejectionOf,
} from "./destinations/helpers.js";
import { storedConnections } from "./destinations/stored-connections.js";

/** A progress callback that does `action` on the first call only, without waiting for it. */
function once(action: () => Promise<unknown>): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    void action();
  };
}

if (sambaAvailable("the SMB destination tests")) {
  folderDestinationContract("smb", uploadSmb, async () => {
    const samba = await startSamba();
    return storedConnectionPeer(samba, "smb", smbLogin(samba), {
      localPathOf: (remote) => join(samba.folder, remote),
      remoteFolder: (index) => `/t${index}`,
      describe: (directory) =>
        `smb://${samba.username}@127.0.0.1:${samba.port}/${samba.share}${directory}`,
    });
  });

  describe("SMB uploads against Samba's smbd", () => {
    const samba = perSuite(startSamba, (server) => server.stop());
    const local = localFolder("smb-local");
    let folders = 0;
    /** A fresh folder on the share: its directory setting and where smbd keeps it. */
    const shareFolder = async () => {
      const directory = `/u${++folders}`;
      const path = join(samba().folder, directory);
      await mkdir(path);
      return { directory, path };
    };
    const upload = (
      file: Parameters<typeof uploadSmb>[0],
      directory: string,
      connection: Record<string, unknown> = {},
      options: Parameters<typeof uploadSmb>[3] = {},
    ) =>
      uploadSmb(
        file,
        { type: "smb", connection: "share", directory },
        smbLogin(samba(), connection),
        options,
      );

    it("never replaces a file that appears during the upload without overwrite: the rename is refused", async () => {
      const { directory, path } = await shareFolder();
      const file = await randomFile(local(), "late.bin", 4 * 1024 * 1024);
      // Written by someone else while Sundial still writes its temporary file.
      const onProgress = once(() => writeFile(join(path, "late.bin"), "the vendor's copy\n"));
      const error = await rejectionOf(upload(file, directory, {}, { onProgress }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("overwrite");
      expect(error.message).toContain(
        `${directory}/late.bin appeared during the upload and was left as it was`,
      );
      expect(await readFile(join(path, "late.bin"), "utf8")).toBe("the vendor's copy\n");
      await expectEntries(path, ["late.bin"]);
    });

    it("compares the size on the share with the local file's, and removes an upload that differs", async () => {
      const { directory, path } = await shareFolder();
      const file = await randomFile(local(), "grown.bin", 1024 * 1024);
      // The local file grows while it is read: the share gets more than its manifest says.
      const onProgress = once(() => appendFile(file.path, Buffer.alloc(100_000, 1)));
      const error = await rejectionOf(upload(file, directory, {}, { onProgress }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.message).toMatch(
        new RegExp(
          `: the upload is \\d+ bytes there, not ${file.size}; it was removed and ${directory}/grown\\.bin left as it was$`,
        ),
      );
      await expectEntries(path, []);
    });

    it("puts files under the connection's path, with folder names smbclient can't take in a command", async () => {
      const base = join(samba().folder, "finance; 2026", "out dir");
      await mkdir(base, { recursive: true });
      const file = await producedFile(local(), "sales 2026.csv", "id\n1\n");
      expect(await upload(file, "/out dir", { path: "\\finance; 2026" })).toBe(
        `uploaded ${file.size} bytes to /out dir/sales 2026.csv`,
      );
      await expectSameBytes(base, file);
      await expectEntries(base, ["sales 2026.csv"]);
    });

    it("refuses a file name smbclient can't carry, as the output's mistake (not retried)", async () => {
      const { directory, path } = await shareFolder();
      const file = await producedFile(local(), "a;b.csv", "id\n1\n");
      const error = await rejectionOf(upload(file, directory));
      expect(error.code).toBe("badRequest");
      expect(error.field).toBe("file.name");
      expect(error.message).toBe(
        `file.name: "a;b.csv" holds ;, which smbclient can't pass in a file name; rename it`,
      );
      await expectEntries(path, []);
    });

    it("says a wrong password is one, naming the user, never the password", async () => {
      const { directory, path } = await shareFolder();
      const file = await producedFile(local(), "x.csv", "a\n");
      const error = await rejectionOf(upload(file, directory, { password: "not the password" }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.password");
      expect(error.message).toBe(
        `smb://${samba().username}@127.0.0.1:${samba().port}/drop${directory}: refused the login as ${samba().username} (NT_STATUS_LOGON_FAILURE: wrong user name or password); check the connection's username, password and domain`,
      );
      expect(error.message).not.toContain("not the password");
      await expectEntries(path, []);
    });

    it("names a share that does not exist", async () => {
      const file = await producedFile(local(), "x.csv", "a\n");
      const error = await rejectionOf(upload(file, "/", { share: "nope" }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.share");
      expect(error.message).toBe(
        `smb://${samba().username}@127.0.0.1:${samba().port}/nope: has no share named "nope" (NT_STATUS_BAD_NETWORK_NAME); check the connection's share`,
      );
    });

    it("names an unreachable server by host and port", async () => {
      const file = await producedFile(local(), "x.csv", "a\n");
      const port = await closedPort();
      const error = await rejectionOf(upload(file, "/", { port }));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("connection.host");
      expect(error.message).toBe(
        `smb://${samba().username}@127.0.0.1:${port}/drop: can't be reached at 127.0.0.1:${port} (NT_STATUS_CONNECTION_REFUSED: nothing listens on that port)`,
      );
    });

    it("refuses bad settings before connecting, naming the field", async () => {
      const file = await producedFile(local(), "z.csv", "a\n");
      const cases: [string, Record<string, unknown>, string][] = [
        ["/../etc", {}, 'directory: "/../etc" holds "..": give the path from the share\'s root'],
        ["/", { share: "\\\\server\\drop" }, "connection.share: "],
        ["/", { username: "ann%secret" }, "connection.username: "],
        ["/", { host: "smb://server" }, "connection.host: "],
        ["/", { host: "fs:445" }, 'connection.host: "fs:445" holds a port; give it in port'],
      ];
      for (const [directory, connection, message] of cases) {
        const error = await rejectionOf(upload(file, directory, connection));
        expect(error.code).toBe("badRequest");
        expect(error.message).toContain(message);
      }
      const secret = await rejectionOf(upload(file, "/", { username: "ann%secret" }));
      expect(secret.message).toBe(
        'connection.username: "ann%secret" holds %, which smbclient reads as the start of a password',
      );
    });

    it("refuses the connection's settings written out in the destination", () => {
      let error: (Error & { field?: string }) | undefined;
      try {
        checkDestination(
          {
            type: "smb",
            connection: { host: "fs", share: "drop", password: "pw-1234" },
            directory: "/",
          },
          "destinations[0]",
        );
      } catch (thrown) {
        error = thrown as Error & { field?: string };
      }
      expect(error?.field).toBe("destinations[0].connection");
      expect(error?.message).not.toContain("pw-1234");
    });
  });

  describe("testing smb connections against Samba's smbd", () => {
    const samba = perSuite(startSamba, (server) => server.stop());
    const stored = storedConnections(DELIVERY_TESTERS);

    it("logs in and lists the share (or the connection's path); a wrong password or share is an answer", async () => {
      await writeFile(join(samba().folder, "a.csv"), "a\n");
      await mkdir(join(samba().folder, "in"), { recursive: true });
      await writeFile(join(samba().folder, "in", "b.csv"), "b\n");
      const share = await stored().put("smb", smbLogin(samba()));
      expect(await stored().service.test(share)).toEqual({
        ok: true,
        message: "logged in; the share holds 2 entries",
      });
      const sub = await stored().put("smb", smbLogin(samba(), { path: "in" }));
      expect(await stored().service.test(sub)).toEqual({
        ok: true,
        message: "logged in; the connection's path holds 1 entry",
      });
      const wrong = await stored().service.test(
        await stored().put("smb", smbLogin(samba(), { password: "wrong" })),
      );
      expect(wrong.ok).toBe(false);
      expect(wrong.message).toContain(
        `refused the login as ${samba().username} (NT_STATUS_LOGON_FAILURE: wrong user name or password); check the connection's username, password and domain`,
      );
      const noShare = await stored().service.test(
        await stored().put("smb", smbLogin(samba(), { share: "nope" })),
      );
      expect(noShare.ok).toBe(false);
      expect(noShare.message).toContain('has no share named "nope" (NT_STATUS_BAD_NETWORK_NAME)');
      const noPath = await stored().service.test(
        await stored().put("smb", smbLogin(samba(), { path: "missing/folder" })),
      );
      expect(noPath.ok).toBe(false);
      expect(noPath.message).toContain("the folder can't be opened (");
    });

    it("refuses bad settings when the connection is saved, naming the field", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ share: "\\\\fs\\drop" }, "settings.share"],
        [{ path: "in/../../etc" }, "settings.path"],
        [{ username: "ann%pw" }, "settings.username"],
        [{ port: 0 }, "settings.port"],
        [{ share: undefined }, "settings.share"],
      ];
      for (const [extra, field] of cases) {
        const error = await rejectionOf(
          stored().service.create({ name: "bad", type: "smb", settings: smbLogin(samba(), extra) }),
        );
        expect({ code: error.code, field: error.field }).toEqual({ code: "badRequest", field });
      }
    });

    it("stores the password as a secret: read back as set, never its value", async () => {
      const name = await stored().put("smb", smbLogin(samba(), { domain: "SUNDIAL" }));
      const read = await stored().service.get(name);
      expect(read.settings).toMatchObject({ password: { set: true }, domain: "SUNDIAL" });
      expect(JSON.stringify(read)).not.toContain(samba().password);
      expect(await stored().service.test(name)).toMatchObject({ ok: true });
    });
  });
}
