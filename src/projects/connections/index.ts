/** Connections: see connection.ts for the words, docs/connections.md for the settings. */
export * from "./connection.js";
export { type ConnectionRoutesOptions, connectionRoutes } from "./connection.routes.js";
export {
  ConnectionChangeSchema,
  ConnectionNameSchema,
  ConnectionService,
  type ConnectionServiceOptions,
  ConnectionTypeSchema,
  NewConnectionSchema,
  type SaveOptions,
} from "./connection.service.js";
export { CONNECTION_TYPES } from "./connection-settings.js";
