/**
 * Stored connections for the destination and notification tests: the real connection
 * service on a temp SQLite store, so that what a destination names is resolved the way a
 * run resolves it (its secrets sealed in the store, decrypted for the send).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConnectionService,
  type ConnectionServiceOptions,
} from "../../../src/projects/connections/index.js";
import { openStore } from "../../../src/store/open-store.js";
import { perSuite } from "./helpers.js";

export interface StoredConnections {
  readonly service: ConnectionService;
  /** Stores a connection under a new name, and gives the name. */
  put(type: string, settings: Record<string, unknown>): Promise<string>;
  /** A stored connection's settings, its secrets decrypted. */
  settings<S = Record<string, unknown>>(name: string): Promise<S>;
  close(): Promise<void>;
}

/**
 * Opens a store of connections; close it after use.
 * @param testers the testers its `test` uses (the server's are DELIVERY_TESTERS).
 */
export async function openStoredConnections(
  testers?: ConnectionServiceOptions["testers"],
): Promise<StoredConnections> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-stored-connections-"));
  const store = await openStore({ database: join(dir, "sundial.db") });
  const service = new ConnectionService(store, {
    secretKey: "a-test-secret-key-of-at-least-32-characters",
    ...(testers === undefined ? {} : { testers }),
  });
  let made = 0;
  return {
    service,
    put: async (type, settings) => {
      const name = `${type}-${++made}`;
      await service.create({ name, type, settings });
      return name;
    },
    settings: async <S>(name: string) => (await service.resolve(name)).settings as S,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A store of connections for a suite, closed after its tests. */
export function storedConnections(
  testers?: ConnectionServiceOptions["testers"],
): () => StoredConnections {
  return perSuite(
    () => openStoredConnections(testers),
    (stored) => stored.close(),
  );
}
