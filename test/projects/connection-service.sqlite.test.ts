import { connectionServiceSuite } from "./connection-service-suite.js";

connectionServiceSuite("sqlite");
