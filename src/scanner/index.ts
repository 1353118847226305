/**
 * The task scanner: `taskScanner` schedules that run a task once for each record of a SQL
 * table whose date has come, claimed so that two nodes never run one record's task twice
 * (docs/scanner.md). {@link openTaskScanner} defines the job type on a Sundial and answers
 * the service that executes, cancels and lists runs.
 */
import type { Sundial } from "../sundial.js";
import { checkScanContext, SCANNER_JOB_TYPE } from "./scan-context.js";
import { type ScannerOptions, ScannerService } from "./scanner.service.js";

export {
  checkScanContext,
  type RecordTask,
  SCANNER_JOB_TYPE,
  type ScanContext,
  ScanContextSchema,
} from "./scan-context.js";
export {
  ENDED_SCAN_STATES,
  SCAN_STATES,
  type ScanCounts,
  type ScanProgress,
  type ScanRun,
  type ScanState,
} from "./scan-run.js";
export type { ScanResults } from "./scan-runner.js";
export { type ScannerRoutesOptions, scannerRoutes } from "./scanner.routes.js";
export {
  DEFAULT_KEEP_RUNS,
  type ExecuteOptions,
  type ScannerHost,
  type ScannerOptions,
  ScannerService,
  type ScanRunQuery,
} from "./scanner.service.js";

/**
 * Defines the `taskScanner` job type on `sundial` (with the check of its invoke context,
 * so a schedule invoking it is checked when saved) and answers the scanner's service.
 * Open it before `start()`, which loads the conf/ files whose schedules may invoke it.
 * @throws SundialError `conflict` when `taskScanner` is already defined.
 * @example
 * const sundial = await Sundial.open({ conf: "./conf" });
 * const scanner = openTaskScanner(sundial, { connections: new ConnectionService(sundial.store, { secretKey }) });
 * await sundial.start();
 * const run = await scanner.execute("sunset", { waitForCompletion: true });
 */
export function openTaskScanner(sundial: Sundial, options: ScannerOptions): ScannerService {
  const scanner = new ScannerService(sundial, options);
  sundial.define(SCANNER_JOB_TYPE, scanner.handler, { validate: checkScanContext });
  return scanner;
}
