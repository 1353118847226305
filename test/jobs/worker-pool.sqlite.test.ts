import { sql } from "kysely";
import { openStore } from "../../src/store/open-store.js";
import { freshSqliteFile, removeSqliteFiles } from "./helpers.js";
import { poolLifecycle } from "./pool-lifecycle.js";

poolLifecycle({
  name: "SQLite",
  fresh: async () => {
    const database = await freshSqliteFile();
    // Migrate once, so the stores the test opens on it don't race to.
    await (await openStore({ database })).close();
    return () => openStore({ database });
  },
  cleanup: removeSqliteFiles,
  checksProcessTimers: true,
  async refusePoisonedResults(store) {
    await sql`CREATE TRIGGER refuse_poison BEFORE UPDATE ON jobs
      WHEN json_extract(NEW.results, '$.poison') IS NOT NULL
      BEGIN SELECT RAISE(ABORT, 'no poison here'); END`.execute(store.db);
  },
});
