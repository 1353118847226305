/**
 * What the connection tests share: a real store (a temp SQLite file or a fresh PostgreSQL
 * schema), keys made by Debian's gpg, and a failure catcher.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { expect } from "vitest";
import { SundialError } from "../../src/errors.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { peer, tempFolder } from "../exports/helpers.js";
import { freshSchemaName, TEST_DATABASE_URL } from "../helpers/postgres.js";

export type StoreKind = "sqlite" | "postgres";

/** A fresh store, and a function that closes it and removes what it made. */
export async function testStore(
  kind: StoreKind,
): Promise<{ store: Store; remove(): Promise<void> }> {
  if (kind === "sqlite") {
    const dir = await mkdtemp(join(tmpdir(), "sundial-connections-"));
    const store = await openStore({ database: join(dir, "sundial.db") });
    return {
      store,
      remove: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = freshSchemaName("sundial_connections");
  const store = await openStore({ database: TEST_DATABASE_URL, schema });
  return {
    store,
    remove: async () => {
      await store.close();
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await client.end();
    },
  };
}

/** The error a promise rejects with; fails when it resolves. */
export async function failureOf(promise: Promise<unknown>, what = "it"): Promise<SundialError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(SundialError);
    return error as SundialError;
  }
  throw new Error(`expected a failure, but ${what} succeeded`);
}

/** An OpenPGP key pair made by gpg, armored. */
export async function gpgKeys(): Promise<{ publicKey: string; privateKey: string }> {
  const home = await tempFolder("gnupg");
  const gpg = (...args: string[]) =>
    peer("gpg", ["--batch", "--pinentry-mode", "loopback", "--passphrase", "", ...args], {
      GNUPGHOME: home.dir,
    });
  try {
    await gpg(
      "--quick-gen-key",
      "Vendor <vendor@sundial.invalid>",
      "future-default",
      "default",
      "never",
    );
    return {
      publicKey: (await gpg("--armor", "--export", "vendor@sundial.invalid")).toString(),
      privateKey: (
        await gpg("--armor", "--export-secret-keys", "vendor@sundial.invalid")
      ).toString(),
    };
  } finally {
    // gpg started an agent for this home; it would outlive the test otherwise.
    await peer("gpgconf", ["--kill", "gpg-agent"], { GNUPGHOME: home.dir }).catch(() => undefined);
    await home.remove();
  }
}
