import { projectServiceSuite } from "./project-service-suite.js";

projectServiceSuite("sqlite");
