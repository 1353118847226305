import { postgresAvailable } from "../helpers/postgres.js";
import { jobRoutesSuite } from "./job-routes-suite.js";

if (await postgresAvailable("the jobs API tests")) jobRoutesSuite("postgres");
