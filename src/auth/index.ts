/** Users, groups, roles, API tokens, sessions and the audit log: see auth.ts for the words. */
export * from "./auth.js";
export {
  AUTH_LOG_REDACT,
  type AuthPluginOptions,
  authPlugin,
  SESSION_COOKIE,
} from "./auth.routes.js";
export { type AuthOptions, AuthService, type BootstrapResult } from "./auth.service.js";
export { DEFAULT_LOGIN_LIMITS, type LoginLimits, LoginThrottledError } from "./login-limit.js";
export { allows, mayStartJob, requireAccess, requireStartJob } from "./permissions.js";
export { CSRF_HEADER } from "./request-auth.js";
