import { postgresAvailable } from "../helpers/postgres.js";
import { projectRunsSuite } from "./project-runs-suite.js";

if (await postgresAvailable("the task runs tests")) projectRunsSuite("postgres");
