/**
 * The auth service on a database opened for one local command (`sundial users`, `sundial
 * tokens`): whoever can open the database file or reach PostgreSQL with its credentials
 * already holds every right, so local commands act without logging in.
 */
import { DEFAULT_DATABASE, openStore, type StoreOptions } from "../store/open-store.js";
import { AuthService } from "./auth.service.js";

/**
 * Opens the store (migrating it), runs `work`, and closes the store.
 * @example await withLocalAuth({ database: "./data/sundial.db" }, (auth) => auth.listUsers());
 */
export async function withLocalAuth<T>(
  options: StoreOptions,
  work: (auth: AuthService) => Promise<T>,
): Promise<T> {
  const store = await openStore(options);
  try {
    return await work(new AuthService(store));
  } finally {
    await store.close();
  }
}

/** Where a local command's database is: `--database`, else `$DATABASE_URL`, else the default file. */
export function localStoreOptions(
  flags: { readonly database?: string; readonly schema?: string },
  env: Readonly<Record<string, string | undefined>>,
): StoreOptions {
  return {
    database: flags.database ?? env.DATABASE_URL ?? DEFAULT_DATABASE,
    ...(flags.schema === undefined ? {} : { schema: flags.schema }),
  };
}
