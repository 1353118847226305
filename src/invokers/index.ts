/**
 * Invokers: what a job runs. The built-in ones are `script` (JavaScript in a worker
 * thread, with `sys.jobs`), `command` (a program) and `http` (a request); define them with
 * {@link registerInvokers}, or one by one from their handlers under names of your own.
 */
export {
  type CommandInvokeContext,
  CommandInvokeContextSchema,
  type CommandInvokerOptions,
  type CommandResults,
  checkCommandContext,
  commandInvoker,
} from "./command-invoker.js";
export {
  checkHttpContext,
  type HttpInvokeContext,
  HttpInvokeContextSchema,
  type HttpInvokerOptions,
  type HttpResults,
  httpInvoker,
  RESULT_HEADERS,
} from "./http-invoker.js";
export { MAX_TIMEOUT_MS } from "./invoke-deadline.js";
export { InvokerError, type InvokerErrorCode } from "./invoker-error.js";
export {
  DEFAULT_SCRIPT_TIMEOUT_MS,
  INVOKER_TYPES,
  type InvokerHost,
  type InvokersOptions,
  InvokersOptionsSchema,
  type InvokerType,
  registerInvokers,
} from "./register-invokers.js";
export {
  checkScriptContext,
  type ScriptInvokeContext,
  ScriptInvokeContextSchema,
  type ScriptInvokerOptions,
  scriptInvoker,
} from "./script-invoker.js";
export type { ScriptJob, ScriptJobsApi, ScriptRunContext } from "./script-protocol.js";
