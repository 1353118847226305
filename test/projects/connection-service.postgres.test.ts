import { postgresAvailable } from "../helpers/postgres.js";
import { connectionServiceSuite } from "./connection-service-suite.js";

if (await postgresAvailable("the connection service tests")) connectionServiceSuite("postgres");
