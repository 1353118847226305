import { responseSuite } from "./response-suite.js";

responseSuite("sqlite");
