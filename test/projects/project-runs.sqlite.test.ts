// The tasks' source is the test PostgreSQL whatever the store is.
import { postgresAvailable } from "../helpers/postgres.js";
import { projectRunsSuite } from "./project-runs-suite.js";

if (await postgresAvailable("the task runs tests (their source)")) projectRunsSuite("sqlite");
