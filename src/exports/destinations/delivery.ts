/**
 * Delivery: one produced file sent to each of a task's destinations in turn, each with its
 * own outcome, so that one refusing server doesn't keep the file from the others.
 *
 * Vocabulary (docs/glossary.md): a **destination** is where a task's file goes (`sftp`,
 * `ftp`, `smb`, `directory`, `email`), naming the stored connection it goes through; a
 * **delivery** is sending one file to them; its **outcome**, per destination, is `sent`,
 * `skipped-empty` or `failed`.
 */
import { type Static, Type } from "typebox";
import { type ErrorCode, errorCodeOf } from "../../errors.js";
import { validate } from "../../validation.js";
import {
  type ConnectionKind,
  type ConnectionUse,
  type ResolvedConnection,
  resolveConnection,
} from "../connection-ref.js";
import type { ExportManifest } from "../export-file.js";
import type { ConnectionResolver } from "../export-run-context.js";
import {
  checkDirectoryDestination,
  copyToDirectory,
  DirectoryDestinationSchema,
  describeDirectory,
} from "./directory-destination.js";
import {
  checkEmailDestination,
  describeEmail,
  EMAIL_DESTINATION_CONNECTION,
  EmailDestinationSchema,
  type EmailOptions,
  sendFileByEmail,
} from "./email-destination.js";
import {
  checkFtpDestination,
  describeFtp,
  FTP_DESTINATION_CONNECTION,
  FtpDestinationSchema,
  uploadFtp,
} from "./ftp-destination.js";
import {
  checkSftpDestination,
  describeSftp,
  SFTP_DESTINATION_CONNECTION,
  SftpDestinationSchema,
  uploadSftp,
} from "./sftp-destination.js";
import {
  checkSmbDestination,
  describeSmb,
  SMB_DESTINATION_CONNECTION,
  SmbDestinationSchema,
  uploadSmb,
} from "./smb-destination.js";
import type { TransferOptions } from "./transfer.js";

export const DestinationSchema = Type.Union([
  SftpDestinationSchema,
  FtpDestinationSchema,
  SmbDestinationSchema,
  DirectoryDestinationSchema,
  EmailDestinationSchema,
]);
export type Destination = Static<typeof DestinationSchema>;
export type DestinationType = Destination["type"];

/** What became of the file at one destination. */
export interface DeliveryOutcome {
  /** The destination's `name`, else where it is: `sftp://acme@host:22/in`, `email to …`. */
  readonly destination: string;
  /** The file's name. */
  readonly file: string;
  readonly status: "sent" | "skipped-empty" | "failed";
  /** What was done, or why not: `uploaded 48213 bytes to /in/sales.csv`. */
  readonly detail: string;
  /** Why it failed, as a registered code (`deliveryFailed` mostly). */
  readonly code?: ErrorCode | undefined;
}

/** How a delivery is run. */
export interface DeliveryOptions extends TransferOptions, EmailOptions {
  /** Resolves the connections the destinations name (a `ConnectionService`). */
  readonly connections?: ConnectionResolver | undefined;
  /**
   * Send a file without data rows too. By default such a file (its manifest says
   * `empty`) is sent nowhere and each outcome is `skipped-empty`: "don't send empty files".
   */
  readonly sendEmpty?: boolean | undefined;
}

interface DestinationKind<D> {
  check(value: unknown, field: string, parameters?: readonly string[]): D;
  /** What its `connection` may name; a directory names none. */
  readonly connection?: ConnectionKind;
  describe(destination: D): string;
  /** Sends the file, given the settings of the connection the destination names. */
  send(
    file: ExportManifest,
    destination: D,
    connection: unknown,
    options: DeliveryOptions,
  ): Promise<string>;
}

const KINDS: {
  readonly [T in DestinationType]: DestinationKind<Extract<Destination, { type: T }>>;
} = {
  sftp: {
    check: checkSftpDestination,
    connection: SFTP_DESTINATION_CONNECTION,
    describe: describeSftp,
    send: uploadSftp,
  },
  ftp: {
    check: checkFtpDestination,
    connection: FTP_DESTINATION_CONNECTION,
    describe: describeFtp,
    send: uploadFtp,
  },
  smb: {
    check: checkSmbDestination,
    connection: SMB_DESTINATION_CONNECTION,
    describe: describeSmb,
    send: uploadSmb,
  },
  directory: {
    check: checkDirectoryDestination,
    describe: describeDirectory,
    send: (file, destination, _connection, options) => copyToDirectory(file, destination, options),
  },
  email: {
    check: checkEmailDestination,
    connection: EMAIL_DESTINATION_CONNECTION,
    describe: describeEmail,
    send: sendFileByEmail,
  },
};

const TypeOnlySchema = Type.Object({
  type: Type.Union(Object.keys(KINDS).map((type) => Type.Literal(type))),
});

/**
 * Checks one destination's settings when a task is saved (and again before it is used).
 * @param parameters the run's parameter names, to check email templates against.
 * @throws SundialError `badRequest` naming the field, e.g. `destinations[0].connection.port`.
 * @example checkDestination({ type: "directory", directory: "/mnt/out" }, "destinations[0]");
 */
export function checkDestination(
  value: unknown,
  field: string,
  parameters?: readonly string[],
): Destination {
  const { type } = validate(TypeOnlySchema, value, field) as { type: DestinationType };
  return (KINDS[type] as DestinationKind<Destination>).check(value, field, parameters);
}

/**
 * The destination's `name`, else what it names: `sftp vendor-sftp:/incoming`,
 * `directory /mnt/out`, `email to ops@example.com`.
 */
export function describeDestination(destination: Destination): string {
  return (
    destination.name ??
    (KINDS[destination.type] as DestinationKind<Destination>).describe(destination)
  );
}

/**
 * Where a checked destination names a connection, and the types it takes there.
 * @param field what the destination is known by: `destinations[0]`.
 */
export function destinationConnectionUses(
  destination: Destination,
  field: string,
): ConnectionUse[] {
  const kind = (KINDS[destination.type] as DestinationKind<Destination>).connection;
  if (kind === undefined || !("connection" in destination)) return [];
  return [{ field: `${field}.connection`, name: destination.connection, ...kind }];
}

/**
 * Sends `file` to each destination in turn. Settings are all checked, and the connections
 * they name all resolved, first, so a mistake in the last one sends nothing; after that a
 * failing destination is an outcome, not an exception, and the next one is still tried.
 * @param field what the list is known by in messages; default `destinations`.
 * @returns an outcome per destination, in their order.
 * @throws SundialError `badRequest` for bad settings or a connection of another type,
 *   `notFound` for a connection that is not stored (naming `destinations[i]…`); the
 *   signal's reason when aborted (a stop is not a destination's failure).
 * @example
 * const outcomes = await deliverFile(manifest, task.destinations, {
 *   connections,
 *   signal,
 *   parameters: { task: task.name, region: "north" },
 *   downloadLink: (file) => `https://sundial.example.com/api/files/${file.sha256}`,
 * });
 * // [{ destination: "vendor", file: "sales.csv", status: "sent", detail: "uploaded 48213 bytes to /in/sales.csv" }]
 */
export async function deliverFile(
  file: ExportManifest,
  destinations: readonly unknown[],
  options: DeliveryOptions & { readonly field?: string } = {},
): Promise<DeliveryOutcome[]> {
  const field = options.field ?? "destinations";
  const checked = destinations.map((value, i) => checkDestination(value, `${field}[${i}]`));
  // A file that goes nowhere (empty, and empty files are not sent) needs no connection.
  const sending = !file.empty || options.sendEmpty === true;
  const resolved: (ResolvedConnection | undefined)[] = [];
  for (const [i, destination] of checked.entries()) {
    const [use] = destinationConnectionUses(destination, `${field}[${i}]`);
    resolved.push(
      use === undefined || !sending ? undefined : await resolveConnection(options.connections, use),
    );
  }
  const outcomes: DeliveryOutcome[] = [];
  for (const [i, destination] of checked.entries()) {
    const outcome = { destination: describeDestination(destination), file: file.name };
    if (!sending) {
      outcomes.push({
        ...outcome,
        status: "skipped-empty",
        detail: `${file.name} has no data rows, and empty files are not sent`,
      });
      continue;
    }
    if (options.signal?.aborted) throw options.signal.reason;
    try {
      const kind = KINDS[destination.type] as DestinationKind<Destination>;
      outcomes.push({
        ...outcome,
        status: "sent",
        detail: await kind.send(file, destination, resolved[i]?.settings, options),
      });
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      outcomes.push({
        ...outcome,
        status: "failed",
        detail: error instanceof Error ? error.message : String(error),
        code: errorCodeOf(error),
      });
    }
  }
  return outcomes;
}
