/**
 * A connection form's values and the settings the API takes from them. Secrets have three
 * states besides a new value: kept (sent as `{ "set": true }`), removed (`null`), or never
 * set; their values never reach the page.
 */
import type { Connection, ConnectionType } from "../api/types.js";
import { CONNECTION_FIELDS, type Field } from "./connection-fields.js";

export type SecretMode = "keep" | "replace" | "remove";

export interface ConnectionValues {
  readonly name: string;
  readonly type: ConnectionType;
  readonly description: string;
  readonly values: Readonly<Record<string, string | boolean>>;
  readonly secrets: Readonly<Record<string, { mode: SecretMode; value: string }>>;
}

export function fieldsOf(type: ConnectionType): readonly Field[] {
  return CONNECTION_FIELDS[type] as readonly Field[];
}

/** Whether the stored connection holds a value for the secret `field`. */
export function secretIsSet(stored: Connection | undefined, field: string): boolean {
  const value = stored?.settings[field] as { set?: unknown } | undefined;
  return value?.set === true;
}

export function initialValues(type: ConnectionType, stored?: Connection): ConnectionValues {
  const values: Record<string, string | boolean> = {};
  const secrets: Record<string, { mode: SecretMode; value: string }> = {};
  for (const field of fieldsOf(type)) {
    const value = stored?.settings[field.name];
    if (field.kind === "secret") {
      secrets[field.name] = {
        mode: secretIsSet(stored, field.name) ? "keep" : "replace",
        value: "",
      };
    } else if (field.kind === "boolean") {
      values[field.name] = typeof value === "boolean" ? value : (field.defaultValue ?? false);
    } else if (field.kind === "json") {
      values[field.name] = value === undefined ? "" : JSON.stringify(value, null, 2);
    } else {
      values[field.name] = value === undefined || value === null ? "" : String(value);
    }
  }
  return {
    name: stored?.name ?? "",
    type,
    description: stored?.description ?? "",
    values,
    secrets,
  };
}

/** The settings object for the API. @throws Error naming a field whose JSON is not valid. */
export function settingsOf(form: ConnectionValues): Record<string, unknown> {
  const settings: Record<string, unknown> = {};
  for (const field of fieldsOf(form.type)) {
    const value = form.values[field.name];
    switch (field.kind) {
      case "secret": {
        const secret = form.secrets[field.name];
        if (secret === undefined) break;
        if (secret.mode === "keep") settings[field.name] = { set: true };
        else if (secret.mode === "remove") settings[field.name] = null;
        else if (secret.value !== "") settings[field.name] = secret.value;
        break;
      }
      case "boolean":
        settings[field.name] = value === true;
        break;
      case "number":
        if (typeof value === "string" && value.trim() !== "") settings[field.name] = Number(value);
        break;
      case "json":
        if (typeof value === "string" && value.trim() !== "") {
          try {
            settings[field.name] = JSON.parse(value);
          } catch {
            throw new Error(`${field.label}: not valid JSON`);
          }
        }
        break;
      default:
        if (typeof value === "string" && value.trim() !== "") {
          // FTPS's `secure` is `true` or "implicit".
          settings[field.name] = value === "true" ? true : value === "false" ? false : value.trim();
        }
    }
  }
  return settings;
}
