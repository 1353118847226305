/**
 * Comparing two configs field by field: what a reader of the config history wants to know
 * is which settings an edit added, removed or changed, each named by its path.
 */
import type { ConfigChange } from "./project.js";

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** `output` + `format` → `output.format`; `destinations` + 1 → `destinations[1]`. */
function child(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  const plain = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key);
  const part = plain ? key : JSON.stringify(key);
  if (path === "") return plain ? key : `[${part}]`;
  return plain ? `${path}.${key}` : `${path}[${part}]`;
}

function walk(path: string, from: unknown, to: unknown, changes: ConfigChange[]): void {
  if (isObject(from) && isObject(to)) {
    for (const key of Object.keys(from)) {
      const at = child(path, key);
      if (!Object.hasOwn(to, key)) changes.push({ path: at, change: "removed", from: from[key] });
      else walk(at, from[key], to[key], changes);
    }
    for (const key of Object.keys(to)) {
      if (!Object.hasOwn(from, key)) {
        changes.push({ path: child(path, key), change: "added", to: to[key] });
      }
    }
    return;
  }
  if (Array.isArray(from) && Array.isArray(to)) {
    // By position: a list of destinations is an ordered thing, and positions are what the
    // error messages (destinations[1].directory) name too.
    const common = Math.min(from.length, to.length);
    for (let i = 0; i < common; i++) walk(child(path, i), from[i], to[i], changes);
    for (let i = common; i < from.length; i++) {
      changes.push({ path: child(path, i), change: "removed", from: from[i] });
    }
    for (let i = common; i < to.length; i++) {
      changes.push({ path: child(path, i), change: "added", to: to[i] });
    }
    return;
  }
  if (JSON.stringify(from) !== JSON.stringify(to)) {
    changes.push({ path: path === "" ? "(the whole config)" : path, change: "changed", from, to });
  }
}

/**
 * The changes that turn `from` into `to`, in the order of `from`'s fields, then the
 * added ones; an empty list when they are the same.
 * @example
 * diffConfigs({ output: { format: { delimiter: "," } } }, { output: { format: { delimiter: ";" } } })
 * // [{ path: "output.format.delimiter", change: "changed", from: ",", to: ";" }]
 */
export function diffConfigs(from: unknown, to: unknown): ConfigChange[] {
  const changes: ConfigChange[] = [];
  walk("", from, to, changes);
  return changes;
}

/** Whether two configs are the same, for "an edit that changes nothing appends no version". */
export function sameConfig(a: unknown, b: unknown): boolean {
  return diffConfigs(a, b).length === 0;
}
