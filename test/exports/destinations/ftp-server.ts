/**
 * An FTP server from the npm registry (ftp-srv), in-process on a loopback port, serving a
 * temporary folder to one user; with `tls`, FTPS (explicit, AUTH TLS) with a self-signed
 * certificate made by Debian's openssl.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { FtpSrv } from "ftp-srv";

const run = promisify(execFile);

export interface FtpServer {
  readonly port: number;
  readonly username: string;
  readonly password: string;
  /** The folder the user sees as `/`. */
  readonly root: string;
  /** The server's certificate (PEM), when it speaks TLS. */
  readonly certificate: string | undefined;
  stop(): Promise<void>;
}

// ftp-srv logs through a bunyan-shaped logger; the tests want quiet.
const quiet = {
  child: () => quiet,
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  fatal: () => {},
};

export async function startFtpServer(options: { tls?: boolean } = {}): Promise<FtpServer> {
  const dir = await mkdtemp(join(tmpdir(), "sundial-ftp-"));
  const root = join(dir, "root");
  await mkdir(root);
  let certificate: string | undefined;
  let key: string | undefined;
  if (options.tls === true) {
    await run("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]);
    certificate = await readFile(join(dir, "cert.pem"), "utf8");
    key = await readFile(join(dir, "key.pem"), "utf8");
  }
  const username = "vendor";
  const password = "s3cret pass";
  const server = new FtpSrv({
    url: "ftp://127.0.0.1:0",
    pasv_url: "127.0.0.1",
    pasv_min: 40000,
    pasv_max: 60000,
    log: quiet,
    greeting: "sundial test server",
    ...(certificate === undefined ? {} : { tls: { key, cert: certificate } }),
  });
  server.on("login", ({ username: user, password: pass }, resolve, reject) => {
    if (user === username && pass === password) resolve({ root });
    else reject(new Error("Bad user name or password"));
  });
  try {
    await server.listen();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return {
    port,
    username,
    password,
    root,
    certificate,
    stop: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
