import { openSqliteStore, removeSqliteFiles } from "./helpers.js";
import { authServiceSuite } from "./service-suite.js";

authServiceSuite("SQLite", openSqliteStore, removeSqliteFiles);
