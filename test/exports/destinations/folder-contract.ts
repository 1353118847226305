/**
 * The suite every destination that puts files into a folder passes (SFTP, FTP, a
 * directory): same bytes under the final name, never a temporary file left, `overwrite`
 * honoured, a stop mid-upload leaving nothing, a missing directory named, empty files
 * skipped. Each test gets a fresh, empty folder. A destination names a stored connection,
 * resolved here as a run resolves it.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type ConnectionResolver,
  deliverFile,
  type ExportManifest,
} from "../../../src/exports/index.js";
import {
  abortAfter,
  expectEntries,
  expectSameBytes,
  localFolder,
  perSuite,
  producedFile,
  randomFile,
  rejectionOf,
} from "./helpers.js";
import { openStoredConnections } from "./stored-connections.js";

export interface FolderDestinationPeer {
  /** Where the server keeps what lands in a folder at `remote`, to read it back. */
  localPathOf(remote: string): string;
  /** The folder for one test: `directory` in the settings, and in messages. */
  remoteFolder(index: number): string;
  /** Settings for the folder `directory`, with `extra` on top. */
  settings(directory: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** The stored connections the settings name, if they name one. */
  readonly connections?: ConnectionResolver;
  /** `where` in messages, for the folder `directory`. */
  describe(directory: string): string;
}

/**
 * The peer of a server that a stored connection of `type` logs in to (a destination of
 * the same type names it): the store is opened and the connection put; stopping closes
 * the store, then the server.
 */
export async function storedConnectionPeer(
  server: { stop(): Promise<void> },
  type: string,
  settings: Record<string, unknown>,
  peer: Omit<FolderDestinationPeer, "settings" | "connections">,
): Promise<{ peer: FolderDestinationPeer; stop: () => Promise<void> }> {
  const stored = await openStoredConnections();
  const connection = await stored.put(type, settings);
  return {
    stop: async () => {
      await stored.close();
      await server.stop();
    },
    peer: {
      ...peer,
      settings: (directory, extra) => ({ type, connection, directory, ...extra }),
      connections: stored.service,
    },
  };
}

/** Sends to one destination, given the settings of the connection it names. */
export type Upload = (
  file: ExportManifest,
  settings: unknown,
  connection: never,
  options?: { signal?: AbortSignal; onProgress?: (bytes: number) => void },
) => Promise<string>;

/**
 * Registers the contract for one kind of folder destination.
 * @param start starts the peer (once for the suite) and gives a function that stops it.
 */
export function folderDestinationContract(
  kind: string,
  upload: Upload,
  start: () => Promise<{ peer: FolderDestinationPeer; stop: () => Promise<void> }>,
): void {
  describe(`${kind}: the folder destination contract`, () => {
    const started = perSuite(start, (running) => running.stop());
    const local = localFolder(`${kind}-local`);
    let peer: FolderDestinationPeer;
    let remote: string;
    let folder: string;
    let folders = 0;
    const settings = (extra?: Record<string, unknown>) => peer.settings(remote, extra);
    const send = async (
      file: ExportManifest,
      destination: Record<string, unknown>,
      options?: Parameters<Upload>[3],
    ) => {
      const name = destination.connection;
      const connection =
        typeof name === "string" ? (await peer.connections?.resolve(name))?.settings : undefined;
      return upload(file, destination, connection as never, options);
    };

    beforeEach(async () => {
      peer = started().peer;
      remote = peer.remoteFolder(++folders);
      folder = peer.localPathOf(remote);
      await mkdir(folder, { recursive: true });
    });

    it("puts the file under its name with the same bytes, and no temporary file", async () => {
      const file = await producedFile(local(), "sales.csv", "id,name\n1,Ada\n2,Grace\n");
      expect(await send(file, settings())).toBe(
        `uploaded ${file.size} bytes to ${remote}/sales.csv`,
      );
      await expectSameBytes(folder, file);
      await expectEntries(folder, ["sales.csv"]);
    });

    it("refuses to replace an existing file without overwrite, changing nothing; replaces it with", async () => {
      await writeFile(join(folder, "daily.csv"), "the vendor's copy\n");
      const file = await producedFile(local(), "daily.csv", "id\n1\n2\n");
      const error = await rejectionOf(send(file, settings()));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("overwrite");
      expect(error.message).toBe(
        `${peer.describe(remote)}: ${remote}/daily.csv already exists and was left as it was; set overwrite to replace it`,
      );
      expect(await readFile(join(folder, "daily.csv"), "utf8")).toBe("the vendor's copy\n");
      await expectEntries(folder, ["daily.csv"]);

      await send(file, settings({ overwrite: true }));
      await expectSameBytes(folder, file);
      await expectEntries(folder, ["daily.csv"]);
    });

    it("stops mid-upload on abort: the signal's reason, no final file, no temporary file", async () => {
      const file = await randomFile(local(), "big.bin", 32 * 1024 * 1024);
      const stopped = abortAfter(1024 * 1024);
      const error = await rejectionOf(send(file, settings(), stopped));
      expect(error).toBe(stopped.reason);
      await expectEntries(folder, []);
    });

    it("names a directory that does not exist", async () => {
      const file = await producedFile(local(), "y.csv", "a\n");
      const error = await rejectionOf(send(file, peer.settings(`${remote}/nope`)));
      expect(error.code).toBe("deliveryFailed");
      expect(error.field).toBe("directory");
      expect(error.message).toContain(`${remote}/nope`);
    });

    it("sends no empty file, and says so; sends it when told to", async () => {
      const file = await producedFile(local(), "empty.csv", "id,name\n", 0);
      const destination = { ...settings(), name: "the peer" };
      expect(await deliverFile(file, [destination], { connections: peer.connections })).toEqual([
        {
          destination: "the peer",
          file: "empty.csv",
          status: "skipped-empty",
          detail: "empty.csv has no data rows, and empty files are not sent",
        },
      ]);
      await expectEntries(folder, []);

      const [sent] = await deliverFile(file, [destination], {
        connections: peer.connections,
        sendEmpty: true,
      });
      expect(sent?.status).toBe("sent");
      await expectSameBytes(folder, file);
    });
  });
}
