/**
 * A module loaded the first time it is needed. The clients exports use (OpenPGP, SMTP,
 * SFTP, FTP, MySQL) cost 10-20 MB of a process's memory each once loaded, and a server
 * that never encrypts or mails should not carry them (bench/export measures peak RSS).
 * @example
 * const openpgp = lazyModule(() => import("openpgp"));
 * const { readKey } = await openpgp();
 */
export function lazyModule<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => {
    loading ??= load();
    return loading;
  };
}
