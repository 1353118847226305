import { postgresAvailable } from "../helpers/postgres.js";
import { responseSuite } from "./response-suite.js";

if (await postgresAvailable("the API response tests")) responseSuite("postgres");
