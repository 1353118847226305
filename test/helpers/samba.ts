/**
 * Samba's own smbd, started on a free loopback port with a throwaway configuration: its
 * own private, lock, pid, state and cache directories and log file, a password database
 * (tdbsam) holding one user with a random password, and one share on a temporary folder.
 * The server speaks SMB3 only and requires encryption on the share, so a test that passes
 * has talked SMB3 to it. Outside CI a machine without smbd skips with a loud banner; under
 * CI=true it fails, so a green CI run always talked to the real server.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import type { SmbConnection } from "../../src/exports/index.js";
import { reportMissingPeer } from "./missing-peer.js";
import { freePort, stopProcess } from "./sshd.js";

export const SMBD = "/usr/sbin/smbd";
const SMBPASSWD = "smbpasswd";

/** A running smbd. */
export interface Samba {
  readonly host: string;
  readonly port: number;
  /** The share's name: `drop`. */
  readonly share: string;
  /** A Unix account (smbd maps SMB users to them): the one running the tests. */
  readonly username: string;
  readonly password: string;
  /** The folder the share serves, the test's to read and write. */
  readonly folder: string;
  /** Stops the server by its process id and removes its files. */
  stop(): Promise<void>;
}

/**
 * Whether smbd is installed. When it isn't, registers a failing test under CI=true, or
 * prints a banner naming `what` is skipped. (smbclient, which Sundial itself runs, is not
 * checked here: without it the tests fail, as Sundial would.)
 */
export function sambaAvailable(what: string): boolean {
  if (existsSync(SMBD)) return true;
  reportMissingPeer(
    what,
    `${SMBD} is missing`,
    "Install samba and smbclient (.ci/run does)",
    "Samba's smbd",
  );
  return false;
}

/**
 * Starts smbd in the foreground on a free loopback port.
 * @example const samba = await startSamba(); afterAll(() => samba.stop());
 */
export async function startSamba(): Promise<Samba> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-smbd-"));
  let child: ChildProcess | undefined;
  try {
    const folder = join(dir, "share");
    for (const sub of ["share", "private", "lock", "pid", "state", "cache", "ncalrpc"]) {
      await mkdir(join(dir, sub));
    }
    const username = userInfo().username;
    const password = `pw ${randomBytes(9).toString("base64url")}`;
    const log = join(dir, "smbd.log");
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, "smb.conf");
      await writeFile(config, smbConf(dir, port, log));
      if (attempt === 1) await addUser(config, username, password);
      child = spawn(SMBD, ["--foreground", "--configfile", config], { stdio: "ignore" });
      const started = await listening(child, port, log);
      if (started === true) {
        const server = child;
        return {
          host: "127.0.0.1",
          port,
          share: "drop",
          username,
          password,
          folder,
          stop: async () => {
            await stopProcess(server);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      // Another process may have taken the port between freePort() and smbd's bind.
      if (attempt >= 3 || !/address already in use|no sockets available/i.test(started)) {
        throw new Error(`smbd did not start: ${started}`);
      }
      await stopProcess(child);
    }
  } catch (error) {
    if (child !== undefined) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function smbConf(dir: string, port: number, log: string): string {
  return [
    "[global]",
    "server role = standalone server",
    "workgroup = SUNDIAL",
    `smb ports = ${port}`,
    "interfaces = lo",
    "bind interfaces only = yes",
    "disable netbios = yes",
    `private dir = ${join(dir, "private")}`,
    `lock directory = ${join(dir, "lock")}`,
    `pid directory = ${join(dir, "pid")}`,
    `state directory = ${join(dir, "state")}`,
    `cache directory = ${join(dir, "cache")}`,
    `ncalrpc dir = ${join(dir, "ncalrpc")}`,
    `log file = ${log}`,
    "log level = 1",
    `passdb backend = tdbsam:${join(dir, "passdb.tdb")}`,
    "map to guest = never",
    // Nothing but SMB3, encrypted: what a careful Windows server demands.
    "server min protocol = SMB3",
    "server smb encrypt = required",
    "load printers = no",
    "printing = bsd",
    "printcap name = /dev/null",
    "disable spoolss = yes",
    "",
    "[drop]",
    `path = ${join(dir, "share")}`,
    "read only = no",
    "",
  ].join("\n");
}

/** Adds the user to the throwaway password database (smbpasswd reads the password twice). */
function addUser(config: string, username: string, password: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      SMBPASSWD,
      ["-c", config, "-a", "-s", username],
      (error, _stdout, stderr) =>
        error === null ? resolve() : reject(new Error(`smbpasswd failed: ${stderr || error}`)),
    );
    child.stdin?.end(`${password}\n${password}\n`);
  });
}

/** True once the port accepts connections, or why smbd exited first (its log). */
async function listening(child: ChildProcess, port: number, log: string): Promise<true | string> {
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `exit ${code ?? signal}`;
  });
  child.once("error", (error) => {
    exited = error.message;
  });
  const deadline = Date.now() + 20_000;
  while (exited === undefined && Date.now() < deadline) {
    if (await accepts(port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const text = await readFile(log, "utf8").catch(() => "");
  return `${exited ?? "no answer within 20 s"}: ${text.trim()}`;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The settings of an `smb` connection that logs in to `samba`, with `extra` on top. */
export function smbLogin(samba: Samba, extra: Record<string, unknown> = {}): SmbConnection {
  return {
    host: samba.host,
    port: samba.port,
    share: samba.share,
    username: samba.username,
    password: samba.password,
    ...extra,
  } as SmbConnection;
}
