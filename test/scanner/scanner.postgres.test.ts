import { postgresAvailable } from "../helpers/postgres.js";
import { postgresPeer } from "./helpers.js";
import { scannerSuite } from "./scanner-suite.js";

if (await postgresAvailable("the task scanner tests")) scannerSuite("PostgreSQL", postgresPeer);
