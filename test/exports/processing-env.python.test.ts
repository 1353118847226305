/**
 * A Python processing script with a requirements.txt runs in a virtual environment of
 * its own, made by the real `python3 -m venv` and `pip install` from wheels made here
 * (`--no-index --find-links`, or a package index served on loopback): made on first use,
 * reused while requirements.txt is unchanged, made anew when it changes, one per set of
 * requirements, once when two runs need it at the same moment; a failed install fails
 * the run with pip's own message.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { access, chmod, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZipFile } from "yazl";
import { DATA, type EnvWorld, envWorld, installLines } from "./processing-env-world.js";

/**
 * A pure-Python wheel of one module, `<name with _>.VALUE = value`, written by hand (a
 * wheel is a zip with its dist-info; this machine's setuptools can't build one offline).
 */
async function makeWheel(dir: string, name: string, version: string, value: string) {
  const module = name.replace(/-/g, "_");
  const info = `${module}-${version}.dist-info`;
  const files: [string, string][] = [
    [`${module}/__init__.py`, `VALUE = ${JSON.stringify(value)}\n`],
    [`${info}/METADATA`, `Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`],
    [
      `${info}/WHEEL`,
      "Wheel-Version: 1.0\nGenerator: sundial-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    ],
  ];
  const digest = (text: string) =>
    createHash("sha256").update(text).digest("base64url").replace(/=+$/, "");
  const record = [
    ...files.map(([path, text]) => `${path},sha256=${digest(text)},${Buffer.byteLength(text)}`),
    `${info}/RECORD,,`,
  ].join("\n");
  const zip = new ZipFile();
  for (const [path, text] of [...files, [`${info}/RECORD`, `${record}\n`]] as const) {
    zip.addBuffer(Buffer.from(text), path);
  }
  zip.end();
  const file = join(dir, `${module}-${version}-py3-none-any.whl`);
  await pipeline(zip.outputStream, createWriteStream(file));
  return file;
}

/** A script that appends what it imported, and where its Python lives, to the data file. */
const IMPORTS_A = `import sys
import sundial_probe_a
with open(sys.argv[-1], "a") as out:
    out.write(f"{sundial_probe_a.VALUE},{sys.prefix}\\n")
`;

describe("a Python processing script's environment", () => {
  let env: EnvWorld;
  let wheels: string;
  let scripts: string;
  const offline = () => ({ pythonNoIndex: true, pythonFindLinks: wheels });
  const python = (script: string) => ({ command: "python3", args: [script] });

  beforeAll(async () => {
    env = await envWorld();
    wheels = await env.folder("wheels");
    await makeWheel(wheels, "sundial-probe-a", "1.0", "probe a 1.0");
    await makeWheel(wheels, "sundial-probe-a", "2.0", "probe a 2.0");
    await makeWheel(wheels, "sundial-probe-b", "1.0", "probe b 1.0");
    scripts = await env.folder("scripts", {
      "requirements.txt": "# what clean.py imports\nsundial-probe-a==1.0\n",
      "clean.py": IMPORTS_A,
    });
  });
  afterAll(() => env?.close());

  it("makes one on first use, where pip installs the wheel the script then imports", async () => {
    const { output, lines } = await env.run(python(join(scripts, "clean.py")), offline());
    const [made] = await env.made();
    expect(made?.name).toMatch(/^python-[0-9a-f]{24}$/);
    expect(output).toBe(`${DATA}probe a 1.0,${made?.target}\n`);
    expect(lines).toContain(
      `INFO processing: making the Python environment ${made?.name} for ${join(scripts, "clean.py")} from ${join(scripts, "requirements.txt")}`,
    );
    expect(installLines(lines, "venv")).toEqual([`INFO venv: python3 -m venv ${made?.target}`]);
    expect(installLines(lines, "pip")).toContain(
      "INFO pip: Successfully installed sundial-probe-a-1.0",
    );
    expect(lines.some((line) => line.includes(`--find-links ${wheels} --no-index -r`))).toBe(true);
    await access(join(made?.target ?? "", "sundial-environment.json"));
  });

  it("reuses it while requirements.txt is unchanged: nothing is installed again", async () => {
    const before = await env.made();
    const { output, lines } = await env.run(python(join(scripts, "clean.py")), offline());
    expect(await env.made()).toEqual(before);
    expect(output).toBe(`${DATA}probe a 1.0,${before[0]?.target}\n`);
    expect(installLines(lines, "venv")).toEqual([]);
    expect(installLines(lines, "pip")).toEqual([]);
    expect(lines).toContain(
      `INFO processing: using the Python environment ${before[0]?.name} of ${join(scripts, "requirements.txt")}`,
    );
  });

  it("makes a new one when requirements.txt changes, and keeps the old", async () => {
    const [old] = await env.made();
    await writeFile(join(scripts, "requirements.txt"), "sundial-probe-a==2.0\n");
    const { output, lines } = await env.run(python(join(scripts, "clean.py")), offline());
    const made = await env.made();
    expect(made).toHaveLength(2);
    const fresh = made.find((entry) => entry.name !== old?.name);
    expect(made).toContainEqual(old);
    expect(output).toBe(`${DATA}probe a 2.0,${fresh?.target}\n`);
    expect(installLines(lines, "pip")).toContain(
      "INFO pip: Successfully installed sundial-probe-a-2.0",
    );
  });

  it("gives another task with other requirements its own, without the first one's packages", async () => {
    const other = await env.folder("other", {
      "requirements.txt": "sundial-probe-b==1.0\n",
      "clean.py": `import sys
import sundial_probe_b
try:
    import sundial_probe_a
    seen = "sees a"
except ModuleNotFoundError:
    seen = "no a"
with open(sys.argv[-1], "a") as out:
    out.write(f"{sundial_probe_b.VALUE},{seen},{sys.prefix}\\n")
`,
    });
    const before = await env.made();
    const { output } = await env.run(python(join(other, "clean.py")), offline());
    const made = await env.made();
    const fresh = made.find((entry) => !before.some((old) => old.name === entry.name));
    expect(made).toHaveLength(before.length + 1);
    expect(output).toBe(`${DATA}probe b 1.0,no a,${fresh?.target}\n`);
  });

  it("shares one between tasks with the same requirements, and runs a script given as the command with it", async () => {
    const same = await env.folder("same", {
      "requirements.txt": "sundial-probe-a==2.0\n",
      "clean.py": `#!/usr/bin/env python3\n${IMPORTS_A}`,
    });
    await chmod(join(same, "clean.py"), 0o755);
    const before = await env.made();
    const { output, lines } = await env.run({ command: join(same, "clean.py") }, offline());
    expect(await env.made()).toEqual(before);
    const shared = before.find((entry) => output.endsWith(`probe a 2.0,${entry.target}\n`));
    expect(shared).toBeDefined();
    expect(installLines(lines, "pip")).toEqual([]);
  });

  it("is made once when two runs need the same new one at the same moment", async () => {
    const both = await env.folder("both", {
      "requirements.txt": "sundial-probe-a==1.0\nsundial-probe-b==1.0\n",
      "clean.py": IMPORTS_A,
    });
    const before = await env.made();
    const runs = await Promise.all([
      env.run(python(join(both, "clean.py")), offline()),
      env.run(python(join(both, "clean.py")), offline()),
    ]);
    const made = await env.made();
    expect(made).toHaveLength(before.length + 1);
    const fresh = made.find((entry) => !before.some((old) => old.name === entry.name));
    for (const { output } of runs) expect(output).toBe(`${DATA}probe a 1.0,${fresh?.target}\n`);
    // The copy that lost the race is gone: every build left is one a name points to.
    expect((await env.builds()).sort()).toEqual(made.map((entry) => entry.target).sort());
  });

  it("fails the run with pip's message when a requirement can't be installed, and keeps nothing", async () => {
    const broken = await env.folder("broken", {
      "requirements.txt": "sundial-probe-missing==1.0\n",
      "clean.py": IMPORTS_A,
    });
    const before = await env.made();
    const builds = await env.builds();
    const { error, lines } = await env.fail(python(join(broken, "clean.py")), offline());
    expect(error.code).toBe("commandFailed");
    expect(error.field).toBe("processing");
    // pip's own lines, as its version words them.
    expect(error.message).toMatch(
      new RegExp(
        `^processing: making the Python environment of ${join(broken, "clean.py")} from ${join(broken, "requirements.txt")} failed: pip exited with code 1: ERROR: .*No matching distribution found for sundial-probe-missing==1\\.0$`,
      ),
    );
    expect(lines).toContain(
      "INFO pip: ERROR: No matching distribution found for sundial-probe-missing==1.0",
    );
    expect(lines.at(-1)).toBe(`ERROR the export sales failed: ${error.message}`);
    expect(await env.made()).toEqual(before);
    expect(await env.builds()).toEqual(builds);
  });

  it("installs from the package index at pythonIndexUrl", async () => {
    const wheel = await makeWheel(
      await env.folder("index"),
      "sundial-probe-c",
      "1.0",
      "probe c 1.0",
    );
    const asked: string[] = [];
    const authorizations: string[] = [];
    const index: Server = createServer((request, response) => {
      asked.push(request.url ?? "");
      authorizations.push(request.headers.authorization ?? "");
      if (request.url === "/simple/sundial-probe-c/") {
        response.setHeader("content-type", "text/html");
        response.end(
          '<html><body><a href="/files/sundial_probe_c-1.0-py3-none-any.whl">sundial_probe_c-1.0-py3-none-any.whl</a></body></html>',
        );
      } else if (request.url === "/files/sundial_probe_c-1.0-py3-none-any.whl") {
        createReadStream(wheel).pipe(response);
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((listening) => index.listen(0, "127.0.0.1", listening));
    try {
      // With a login, which the log must not show.
      const port = (index.address() as AddressInfo).port;
      const url = `http://probe:s3cret@127.0.0.1:${port}/simple/`;
      const folder = await env.folder("indexed", {
        "requirements.txt": "sundial-probe-c==1.0\n",
        "clean.py": IMPORTS_A.replace(/sundial_probe_a/g, "sundial_probe_c"),
      });
      const { output, lines } = await env.run(python(join(folder, "clean.py")), {
        pythonIndexUrl: url,
      });
      expect(output).toMatch(/probe c 1\.0,.*\n$/);
      // Behind it, the extra indexes pip's own configuration may name.
      const masked = `http://probe:****@127.0.0.1:${port}/simple/`;
      expect(lines.some((line) => line.startsWith(`INFO pip: Looking in indexes: ${masked}`))).toBe(
        true,
      );
      const command = `/bin/python -m pip install --no-input --disable-pip-version-check --progress-bar off --index-url ${masked} -r ${join(folder, "requirements.txt")}`;
      expect(lines.some((line) => line.startsWith("INFO pip: ") && line.endsWith(command))).toBe(
        true,
      );
      expect(lines.filter((line) => line.includes("s3cret"))).toEqual([]);
      expect(authorizations).toContain(`Basic ${Buffer.from("probe:s3cret").toString("base64")}`);
      expect(asked).toContain("/simple/sundial-probe-c/");
    } finally {
      await new Promise((closed) => index.close(closed));
    }
  });

  it("stops an install past installTimeoutMs, or when the run is stopped, and keeps nothing", async () => {
    // An index that takes requests and never answers: pip waits on it.
    const silent: Server = createServer(() => {});
    await new Promise<void>((listening) => silent.listen(0, "127.0.0.1", listening));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/simple/`;
      const folder = await env.folder("silent", {
        "requirements.txt": "sundial-probe-slow==1.0\n",
        "clean.py": IMPORTS_A,
      });
      const before = await env.made();
      const builds = await env.builds();
      const { error } = await env.fail(python(join(folder, "clean.py")), {
        pythonIndexUrl: url,
        installTimeoutMs: 8000,
      });
      expect(error.code).toBe("commandFailed");
      expect(error.message).toMatch(
        /failed: (venv|pip) did not finish within 8 s, and was stopped$/,
      );
      const stop = new AbortController();
      const { done } = env.start(
        python(join(folder, "clean.py")),
        { pythonIndexUrl: url },
        {
          signal: stop.signal,
          onLog: (line) => {
            if (line.startsWith("INFO pip: Looking in indexes")) stop.abort(new Error("stopped"));
          },
        },
      );
      await expect(done).rejects.toThrow(/^stopped$/);
      expect(await env.made()).toEqual(before);
      expect(await env.builds()).toEqual(builds);
    } finally {
      silent.closeAllConnections();
      await new Promise((closed) => silent.close(closed));
    }
  });

  it("needs none for a requirements.txt of comments, and fails clearly without a folder for them", async () => {
    const plain = await env.folder("plain", {
      "requirements.txt": "# nothing to install\n\n",
      "clean.py": `import sys\nopen(sys.argv[-1], "a").write("plain\\n")\n`,
    });
    const before = await env.made();
    const { output, lines } = await env.run(python(join(plain, "clean.py")), offline());
    expect(output).toBe(`${DATA}plain\n`);
    expect(lines.some((line) => line.startsWith("INFO processing: using the"))).toBe(false);
    expect(await env.made()).toEqual(before);
    const { error } = await env.fail(python(join(scripts, "clean.py")), null);
    expect(error.message).toBe(
      `processing: ${join(scripts, "clean.py")} declares its packages (${join(scripts, "requirements.txt")}), but this run has no folder for script environments (scriptEnvironments in the run's context; sundial serve keeps them in <dataDir>/script-environments)`,
    );
  });
});
