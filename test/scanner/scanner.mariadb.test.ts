import { mariadbAvailable } from "../exports/sources/peers.js";
import { mariadbPeer } from "./helpers.js";
import { scannerSuite } from "./scanner-suite.js";

if (await mariadbAvailable("the task scanner tests")) scannerSuite("MariaDB", mariadbPeer);
