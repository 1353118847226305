/**
 * Reading a benchmark's settings from `<PREFIX>*` variables: whole numbers ≥ 1, texts, and a
 * comma-separated `<PREFIX>ONLY` choice. An unknown `<PREFIX>*` variable is refused: a typo
 * would otherwise run the defaults and print figures for sizes nobody asked for.
 */

/**
 * @param {Record<string, string | undefined>} env
 * @param {{ prefix: string, numbers: Record<string, number>, texts: Record<string, string>, choices: readonly string[] }} spec
 * @returns {{ values: Record<string, number | string>, only: string[] }}
 */
export function readSettings(env, { prefix, numbers, texts, choices }) {
  const unknown = Object.keys(env).filter(
    (key) => key.startsWith(prefix) && !(key in numbers) && !(key in texts),
  );
  if (unknown.length > 0) {
    const known = [...Object.keys(numbers), ...Object.keys(texts)].join(", ");
    throw new Error(`Unknown setting ${unknown.join(", ")}; the settings are: ${known}`);
  }
  const values = {};
  for (const [key, fallback] of Object.entries(numbers)) {
    const value = env[key] === undefined ? fallback : Number(env[key]);
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`${key}=${env[key]}: give a whole number ≥ 1`);
    }
    values[key] = value;
  }
  for (const [key, fallback] of Object.entries(texts)) values[key] = env[key] ?? fallback;
  const onlyKey = `${prefix}ONLY`;
  const only = String(values[onlyKey] ?? choices.join(","))
    .split(",")
    .map((s) => s.trim());
  const wrong = only.filter((s) => !choices.includes(s));
  if (wrong.length > 0) {
    throw new Error(`${onlyKey}: ${wrong.join(", ")}? Choose from ${choices.join(", ")}`);
  }
  return { values, only };
}
