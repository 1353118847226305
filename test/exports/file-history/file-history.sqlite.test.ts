import { fileHistorySuite } from "./file-history-suite.js";

fileHistorySuite("sqlite");
