/**
 * OpenSSH's own sshd and sftp-server, started on a free loopback port with a throwaway
 * configuration: its own host key, key logins only (for the user running the tests, root
 * here), and a folder to upload into. Outside CI a machine without sshd skips with a loud
 * banner; under CI=true it fails, so a green CI run always talked to the real server.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { reportMissingPeer } from "./missing-peer.js";

const run = promisify(execFile);

export const SSHD = "/usr/sbin/sshd";
export const SFTP_SERVER = "/usr/lib/openssh/sftp-server";

/** A running sshd. */
export interface Sshd {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  /** An OpenSSH private key the server accepts. */
  readonly privateKey: string;
  /** The host key's fingerprint, as `ssh-keygen -lf` prints it. */
  readonly hostKeyFingerprint: string;
  /** An empty folder, the test's to upload into (an absolute path on the server too). */
  readonly folder: string;
  /** A new key pair, accepted by the server when `authorized`. */
  makeKey(options?: { authorized?: boolean; passphrase?: string }): Promise<string>;
  /** Stops the server and removes its files. */
  stop(): Promise<void>;
}

/**
 * Whether sshd and sftp-server are installed. When they aren't, registers a failing test
 * under CI=true, or prints a banner naming `what` is skipped.
 */
export function sshdAvailable(what: string): boolean {
  const missing = [SSHD, SFTP_SERVER].filter((path) => !existsSync(path));
  if (missing.length === 0) return true;
  const problem = `${missing.join(" and ")} ${missing.length > 1 ? "are" : "is"} missing`;
  reportMissingPeer(what, problem, "Install openssh-server (.ci/run does)", "OpenSSH's sshd");
  return false;
}

/**
 * Starts sshd in the foreground on a free loopback port.
 * @example const sshd = await startSshd(); afterAll(() => sshd.stop());
 */
export async function startSshd(): Promise<Sshd> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-sshd-"));
  let child: ChildProcess | undefined;
  try {
    const authorizedKeys = join(dir, "authorized_keys");
    await writeFile(authorizedKeys, "", { mode: 0o600 });
    let keys = 0;
    const makeKey = async (options: { authorized?: boolean; passphrase?: string } = {}) => {
      const file = join(dir, `client_key_${++keys}`);
      await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", options.passphrase ?? "", "-f", file]);
      if (options.authorized !== false) {
        await appendFile(authorizedKeys, await readFile(`${file}.pub`, "utf8"));
      }
      return readFile(file, "utf8");
    };
    const hostKey = join(dir, "host_key");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", hostKey]);
    const { stdout } = await run("ssh-keygen", ["-l", "-f", `${hostKey}.pub`]);
    const hostKeyFingerprint = stdout.split(" ")[1] as string;
    const privateKey = await makeKey();
    const folder = join(dir, "files");
    await mkdir(folder);
    // sshd refuses to start without its privilege separation directory.
    await mkdir("/run/sshd", { recursive: true });

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const config = join(dir, "sshd_config");
      await writeFile(
        config,
        [
          `ListenAddress 127.0.0.1:${port}`,
          `HostKey ${hostKey}`,
          `AuthorizedKeysFile ${authorizedKeys}`,
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PermitRootLogin prohibit-password",
          // The temporary folder's permissions are not what sshd expects of a home.
          "StrictModes no",
          "UsePAM no",
          "PidFile none",
          `Subsystem sftp ${SFTP_SERVER}`,
          "",
        ].join("\n"),
      );
      child = spawn(SSHD, ["-D", "-e", "-f", config], { stdio: ["ignore", "ignore", "pipe"] });
      const started = await listening(child);
      if (started === true) {
        const server = child;
        return {
          host: "127.0.0.1",
          port,
          username: userInfo().username,
          privateKey,
          hostKeyFingerprint,
          folder,
          makeKey,
          stop: async () => {
            await stopProcess(server);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      // Another process may have taken the port between freePort() and sshd's bind.
      if (attempt >= 3 || !started.includes("Address already in use")) {
        throw new Error(`sshd did not start: ${started}`);
      }
    }
  } catch (error) {
    if (child !== undefined) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** True once sshd says it listens, or its log when it exits first. */
function listening(child: ChildProcess): Promise<true | string> {
  return new Promise((resolve) => {
    let log = "";
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("Server listening on")) {
        child.stderr?.off("data", onData);
        // Keep draining, so that sshd never blocks on a full pipe.
        child.stderr?.resume();
        resolve(true);
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", (code, signal) => resolve(`exit ${code ?? signal}: ${log.trim()}`));
    child.once("error", (error) => resolve(error.message));
  });
}

/** Stops a child by its process id (SIGTERM), and waits for it to exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** A loopback port nothing listens on now (another process may take it before we do). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}
