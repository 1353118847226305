import { sqlitePeer } from "./helpers.js";
import { scannerSuite } from "./scanner-suite.js";

scannerSuite("SQLite", sqlitePeer);
