import { postgresAvailable } from "../helpers/postgres.js";
import { projectServiceSuite } from "./project-service-suite.js";

if (await postgresAvailable("the project service tests")) projectServiceSuite("postgres");
