import { jobRoutesSuite } from "./job-routes-suite.js";

jobRoutesSuite("sqlite");
