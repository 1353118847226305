/**
 * Wildcards in the name of a remote file (`/out/sales_*.csv`): the folder is listed and
 * the names matched here, the same way whatever the server (SFTP, FTP, SMB), so that no
 * server's own pattern rules leak in. `*` is any run of characters, `?` one character;
 * the folders of the path are taken as they are. As in a shell, a name starting with a dot
 * (a hidden file, an upload still under its temporary name) is matched only by a pattern
 * that starts with one. Of several matching files, the one modified last is taken (the
 * latest drop), the greatest name among equals.
 */

/** A file or folder a listing gave. */
export interface ListedEntry {
  readonly name: string;
  readonly file: boolean;
  /** Milliseconds since the epoch; 0 when the server does not say. */
  readonly modifiedAt: number;
}

/** The path split into its folder and its last part, when that part holds a wildcard. */
export function wildcardOf(
  path: string,
): { readonly folder: string; readonly pattern: string } | undefined {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  const pattern = path.slice(cut + 1);
  if (!/[*?]/.test(pattern)) return undefined;
  return { folder: path.slice(0, cut + 1), pattern };
}

/**
 * A name's matcher for a pattern.
 * @param caseSensitive false for servers that ignore case in names (SMB).
 * @example wildcardMatcher("sales_*.csv", true)("sales_0327.csv") // true
 */
export function wildcardMatcher(
  pattern: string,
  caseSensitive: boolean,
): (name: string) => boolean {
  const source = [...pattern]
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`, caseSensitive ? "su" : "isu");
  const hidden = pattern.startsWith(".");
  return (name) => (hidden || !name.startsWith(".")) && regex.test(name);
}

/**
 * The file a pattern picks among `entries`: of the files it matches, the one modified last.
 * @returns the entry and how many files matched, or undefined when none did.
 */
export function pickMatch<E extends ListedEntry>(
  entries: readonly E[],
  pattern: string,
  caseSensitive: boolean,
): { readonly entry: E; readonly count: number } | undefined {
  const matches = wildcardMatcher(pattern, caseSensitive);
  let best: E | undefined;
  let count = 0;
  for (const entry of entries) {
    if (!entry.file || !matches(entry.name)) continue;
    count++;
    if (
      best === undefined ||
      entry.modifiedAt > best.modifiedAt ||
      (entry.modifiedAt === best.modifiedAt && entry.name > best.name)
    ) {
      best = entry;
    }
  }
  return best === undefined ? undefined : { entry: best, count };
}
