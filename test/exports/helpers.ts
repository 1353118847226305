import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { ExportRun, SshConnection } from "../../src/exports/index.js";
import type { Sshd } from "../helpers/sshd.js";

const run = promisify(execFile);

/** Runs a program of the machine (gpg, unzip, md5sum) and gives its stdout as bytes. */
export async function peer(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Buffer> {
  const { stdout } = await run(command, args, {
    encoding: "buffer",
    env: { ...process.env, ...env },
    maxBuffer: 512 * 1024 * 1024,
  });
  return stdout;
}

/** The settings of an `sftp` or `ssh` connection that logs in to `sshd` with its key, with `extra` on top. */
export function sshLogin(sshd: Sshd, extra: Record<string, unknown> = {}): SshConnection {
  return {
    host: sshd.host,
    port: sshd.port,
    username: sshd.username,
    privateKey: sshd.privateKey,
    ...extra,
  } as SshConnection;
}

/** A fresh temporary folder, and a function that removes it. */
export async function tempFolder(
  prefix: string,
): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `sundial-${prefix}-`));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Every entry of a folder, hidden ones (temporary files) included. */
export async function entriesOf(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/**
 * A strict RFC 4180 reader for checking what we wrote: quoted values may hold delimiters,
 * doubled quotes and line breaks; anything else malformed throws.
 */
export function parseCsv(
  text: string,
  delimiter = ",",
  quote = '"',
  lineEnding = "\n",
): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let value = "";
    if (text[i] === quote) {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated quoted value");
        if (text[i] === quote) {
          if (text[i + 1] === quote) {
            value += quote;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
    } else {
      while (i < text.length && !text.startsWith(delimiter, i) && !text.startsWith(lineEnding, i)) {
        if (text[i] === quote || text[i] === "\n" || text[i] === "\r") {
          throw new Error(`bare ${JSON.stringify(text[i])} at ${i}`);
        }
        value += text[i++];
      }
    }
    row.push(value);
    if (text.startsWith(delimiter, i)) {
      i += delimiter.length;
    } else if (text.startsWith(lineEnding, i)) {
      i += lineEnding.length;
      rows.push(row);
      row = [];
    } else if (i < text.length) {
      throw new Error(`unexpected ${JSON.stringify(text[i])} at ${i}`);
    }
  }
  if (row.length > 0) throw new Error("the last line has no line ending");
  return rows;
}

/** Rows `{ id, name, amount }` made on demand, so that none is held. */
export async function* generatedRows(
  count: number,
  onRow?: (index: number) => void,
): AsyncGenerator<Record<string, unknown>> {
  for (let i = 1; i <= count; i++) {
    onRow?.(i);
    yield { id: i, name: `customer ${i}`, amount: i * 1.25 };
  }
}

/**
 * Run options that stop the run once `rows` rows are written: its signal is aborted with
 * `reason` from the progress callback, mid-stream.
 */
export function stopAfter(rows: number): {
  reason: Error;
  options: Pick<ExportRun, "signal" | "progressEvery" | "onProgress">;
} {
  const controller = new AbortController();
  const reason = new Error(`stopped after ${rows} rows`);
  return {
    reason,
    options: {
      signal: controller.signal,
      progressEvery: 10_000,
      onProgress: (count: number) => {
        if (count === rows) controller.abort(reason);
      },
    },
  };
}
