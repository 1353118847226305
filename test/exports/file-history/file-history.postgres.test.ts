import { postgresAvailable } from "../../helpers/postgres.js";
import { fileHistorySuite } from "./file-history-suite.js";

if (await postgresAvailable("the file history tests")) fileHistorySuite("postgres");
