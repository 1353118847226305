/**
 * The connection rules: every input checked against its type's schema before anything is
 * stored, secrets sealed at rest and never read back, an update that leaves a secret out
 * keeping the stored one, and the decrypted settings given only to the code that runs
 * exports (`resolve`), never to the API.
 *
 * @example
 * const connections = new ConnectionService(sundial.store, { secretKey: config.secretKey });
 * await connections.create({ name: "warehouse", type: "postgres", settings: { host: "db", database: "dw", username: "etl", password } });
 * const rows = sqlRows(await connections.resolve("warehouse", SQL_DIALECTS), "SELECT …");
 */
import { randomBytes } from "node:crypto";
import { type Static, Type } from "typebox";
import { type Clock, systemClock } from "../../clock.js";
import { SundialError } from "../../errors.js";
import type { Store } from "../../store/store.js";
import { validate } from "../../validation.js";
import type {
  Connection,
  ConnectionSummary,
  ConnectionTester,
  ConnectionTesters,
  ConnectionTestResult,
  ResolvedConnection,
} from "./connection.js";
import { type ConnectionRecord, ConnectionRepository } from "./connection.repository.js";
import {
  CONNECTION_TYPES,
  type ConnectionType,
  checkSettings,
  maskedSettings,
  splitSecrets,
} from "./connection-settings.js";
import { BUILT_IN_TESTERS } from "./connection-testers.js";
import { SecretBox } from "./secret-box.js";

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const NAME_MAX = 100;
const DEFAULT_TEST_TIMEOUT_MS = 15_000;

export const ConnectionNameSchema = Type.String({
  minLength: 1,
  maxLength: NAME_MAX,
  description: "Letters, digits, `.`, `_` and `-`, starting with a letter or digit",
});
export const ConnectionTypeSchema = Type.Union(CONNECTION_TYPES.map((type) => Type.Literal(type)));
const Description = Type.String({ maxLength: 1000 });
const SETTINGS_DOC =
  'The type\'s settings (docs/connections.md). A secret is a string to set it, null to remove it, or left out or `{ "set": true }` to keep the stored one.';

export const NewConnectionSchema = Type.Object(
  {
    name: ConnectionNameSchema,
    type: ConnectionTypeSchema,
    description: Type.Optional(Description),
    settings: Type.Unknown({ description: SETTINGS_DOC }),
  },
  { additionalProperties: false },
);

/** A replacement: everything but the secrets left out is cleared. `name` and `type`, if given, must be the stored ones. */
export const ConnectionChangeSchema = Type.Object(
  {
    name: Type.Optional(ConnectionNameSchema),
    type: Type.Optional(ConnectionTypeSchema),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    settings: Type.Unknown({ description: SETTINGS_DOC }),
  },
  { additionalProperties: false },
);

export interface ConnectionServiceOptions {
  /** The server's secret key (32 characters or more), which secrets are sealed under. */
  readonly secretKey: string;
  readonly clock?: Clock;
  /**
   * Testers by type, for the types Sundial does not test itself (sftp, ftp, ftps, smb,
   * ssh, smtp), or to replace a built-in one.
   */
  readonly testers?: ConnectionTesters;
  /** How long a test may take; default 15,000 ms. */
  readonly testTimeoutMs?: number;
}

/** Who made a change, for `createdBy` / `updatedBy`. */
export interface SaveOptions {
  readonly by?: string | undefined;
}

/** @throws SundialError `badRequest` naming `name`. */
function checkName(name: string, field = "name"): string {
  if (!NAME.test(name) || name.length > NAME_MAX) {
    throw new SundialError(
      "badRequest",
      `${field}: "${name}" is not a connection name: 1 to ${NAME_MAX} letters, digits, ".", "_" or "-", starting with a letter or digit`,
      { field },
    );
  }
  return name;
}

const notFound = (name: string) =>
  new SundialError("notFound", `No connection is named "${name}"; list them to find it.`, {
    field: "name",
  });

const secretContext = (id: string, field: string) => `connection:${id}:${field}`;

export class ConnectionService {
  private readonly repository: ConnectionRepository;
  private readonly box: SecretBox;
  private readonly clock: Clock;
  private readonly testers: ConnectionTesters;
  private readonly testTimeoutMs: number;

  constructor(store: Store, options: ConnectionServiceOptions) {
    this.repository = ConnectionRepository.of(store);
    this.box = new SecretBox(options.secretKey);
    this.clock = options.clock ?? systemClock;
    this.testers = { ...BUILT_IN_TESTERS, ...options.testers };
    this.testTimeoutMs = options.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  }

  /**
   * @throws SundialError `badRequest` naming the field; `conflict` when the name is taken.
   */
  async create(input: unknown, options: SaveOptions = {}): Promise<Connection> {
    const { name, type, description, settings } = checkEnvelope(NewConnectionSchema, input);
    checkName(name);
    const checked = await checkSettings(type, settings, () => undefined);
    const id = `con_${randomBytes(12).toString("base64url")}`;
    const now = this.clock.now();
    const by = options.by ?? null;
    const inserted = await this.repository.insert({
      id,
      name,
      type,
      description: description ?? null,
      ...this.sealed(id, type, checked),
      created_at: now,
      updated_at: now,
      created_by: by,
      updated_by: by,
    });
    if (!inserted) {
      throw new SundialError(
        "conflict",
        `A connection named "${name}" exists; choose another name, or change it with PUT.`,
        {
          field: "name",
        },
      );
    }
    return this.get(name);
  }

  /** The connection with its secrets masked. @throws SundialError `notFound`. */
  async get(name: string): Promise<Connection> {
    return toConnection(await this.record(name));
  }

  /** Every connection (of one type), by name, without settings. */
  async list(
    query: { readonly type?: ConnectionType | undefined } = {},
  ): Promise<ConnectionSummary[]> {
    const rows = await this.repository.list(query.type);
    return rows.map((row) => ({
      name: row.name,
      type: row.type as ConnectionType,
      description: row.description,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      createdBy: row.created_by,
      updatedBy: row.updated_by,
    }));
  }

  /**
   * Replaces a connection's description and settings; a secret left out (or sent back as
   * `{ "set": true }`) keeps its stored value, `null` removes it.
   * @throws SundialError `notFound`; `badRequest` naming the field (a different `name` or
   *   `type` among them: neither changes); `conflict` when a kept secret can't be decrypted.
   */
  async update(name: string, input: unknown, options: SaveOptions = {}): Promise<Connection> {
    const record = await this.record(name);
    const type = record.type as ConnectionType;
    const change = checkEnvelope(ConnectionChangeSchema, input);
    if (change.name !== undefined && change.name !== record.name) {
      throw new SundialError(
        "badRequest",
        `name: "${change.name}" is not "${record.name}"; a connection can't be renamed, create one under the new name`,
        { field: "name" },
      );
    }
    if (change.type !== undefined && change.type !== type) {
      throw new SundialError(
        "badRequest",
        `type: a ${type} connection can't become ${change.type}; create a ${change.type} connection instead`,
        { field: "type" },
      );
    }
    const stored = storedSecrets(record);
    const checked = await checkSettings(type, change.settings, (field) => {
      const sealed = stored[field];
      return sealed === undefined ? undefined : this.open(record, field, sealed);
    });
    const updated = await this.repository.update(record.id, {
      description: change.description ?? null,
      ...this.sealed(record.id, type, checked),
      updated_at: this.clock.now(),
      updated_by: options.by ?? null,
    });
    if (!updated) throw notFound(name);
    return this.get(name);
  }

  /** @throws SundialError `notFound`. */
  async delete(name: string): Promise<void> {
    if (!(await this.repository.delete(name))) throw notFound(name);
  }

  /**
   * The connection with its secrets decrypted, for the code that runs exports; never for
   * the API. Given `types`, the connection must be one of them.
   * @throws SundialError `notFound`; `badRequest` naming `connection` for another type;
   *   `conflict` when a secret can't be decrypted (the server's secret key changed).
   * @example const warehouse = await connections.resolve("warehouse", ["postgres", "mysql", "sqlite"]);
   */
  async resolve<T extends ConnectionType = ConnectionType>(
    name: string,
    types?: readonly T[],
  ): Promise<ResolvedConnection<T>> {
    const record = await this.record(name);
    const type = record.type as ConnectionType;
    if (types !== undefined && !(types as readonly ConnectionType[]).includes(type)) {
      throw new SundialError(
        "badRequest",
        `connection: "${name}" is a ${type} connection; this needs ${types.join(" or ")}`,
        { field: "connection" },
      );
    }
    const settings: Record<string, unknown> = JSON.parse(record.settings);
    for (const [field, sealed] of Object.entries(storedSecrets(record))) {
      settings[field] = this.open(record, field, sealed);
    }
    return { name: record.name, type, settings } as ResolvedConnection<T>;
  }

  /**
   * Tests a connection the way an export would use it. A failure is a result
   * (`ok: false` and why), not an error; so is a type no tester is installed for.
   * @throws SundialError `notFound`; the signal's reason when aborted.
   */
  async test(
    name: string,
    options: { readonly signal?: AbortSignal } = {},
  ): Promise<ConnectionTestResult> {
    const record = await this.record(name);
    const type = record.type as ConnectionType;
    const tester = this.testers[type] as ConnectionTester | undefined;
    if (tester === undefined) {
      return {
        ok: false,
        message: `${type} connections can't be tested by this server yet: no tester for ${type} is installed`,
      };
    }
    const limit = AbortSignal.timeout(this.testTimeoutMs);
    const signal = options.signal === undefined ? limit : AbortSignal.any([options.signal, limit]);
    try {
      return await tester(await this.resolve(name), signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (limit.aborted) {
        return { ok: false, message: `no answer within ${this.testTimeoutMs / 1000} s` };
      }
      return { ok: false, message: error instanceof Error ? error.message : String(error) };
    }
  }

  private async record(name: string): Promise<ConnectionRecord> {
    const record = await this.repository.byName(name);
    if (record === undefined) throw notFound(name);
    return record;
  }

  private sealed(id: string, type: ConnectionType, settings: Record<string, unknown>) {
    const { plain, secrets } = splitSecrets(type, settings);
    const sealed = Object.fromEntries(
      Object.entries(secrets).map(([field, value]) => [
        field,
        this.box.seal(value, secretContext(id, field)),
      ]),
    );
    return { settings: JSON.stringify(plain), secrets: JSON.stringify(sealed) };
  }

  private open(record: ConnectionRecord, field: string, sealed: string): string {
    return this.box.open(
      sealed,
      secretContext(record.id, field),
      `connection "${record.name}": settings.${field}`,
    );
  }
}

function checkEnvelope<S extends typeof NewConnectionSchema | typeof ConnectionChangeSchema>(
  schema: S,
  input: unknown,
): Static<S> {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    // validate() would quote the whole value, which may hold a password.
    throw new SundialError("badRequest", "body: must be a JSON object", { field: "body" });
  }
  return validate(schema, input);
}

function storedSecrets(record: ConnectionRecord): Record<string, string> {
  return JSON.parse(record.secrets) as Record<string, string>;
}

function toConnection(record: ConnectionRecord): Connection {
  const type = record.type as ConnectionType;
  return {
    name: record.name,
    type,
    description: record.description,
    settings: maskedSettings(
      type,
      JSON.parse(record.settings),
      new Set(Object.keys(storedSecrets(record))),
    ),
    createdAt: record.created_at,
    updatedAt: record.updated_at,
    createdBy: record.created_by,
    updatedBy: record.updated_by,
  };
}
