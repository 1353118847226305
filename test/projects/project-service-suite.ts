/**
 * The project and task services on a real store, run on SQLite and on PostgreSQL:
 * projects and tasks with their schedules (real schedules invoking `export`), config
 * versions and diffs, enable/disable, reschedule, duplicate, delete, the task list, stored
 * connections named rather than written out, and bad input of every kind refused naming
 * the field with nothing stored.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProjectTables } from "../../src/projects/project-tables.js";
import { failureOf, type StoreKind } from "./helpers.js";
import { exportSettings, type ProjectWorld, projectWorld } from "./project-world.js";

const weekdays = { schedule: "0 0 6 ? * MON-FRI 2099", timeZone: "Europe/London" };
const sort = [
  { key: "project", descending: false },
  { key: "rank", descending: false },
  { key: "name", descending: false },
] as const;

/** What a promise is refused with: a SundialError or (a trigger) a TriggerError, both coded. */
async function refusal(promise: Promise<unknown>, what: string) {
  try {
    await promise;
  } catch (error) {
    const { code, field, message } = error as { code?: string; field?: string; message: string };
    return { code, field, message };
  }
  throw new Error(`expected ${what} to be refused`);
}

export function projectServiceSuite(kind: StoreKind): void {
  describe(`the project and task services on ${kind}`, () => {
    let world: ProjectWorld;
    const db = () => world.sundial.store.db.withTables<ProjectTables>();
    const count = async (table: keyof ProjectTables) =>
      Number(
        (
          await db()
            .selectFrom(table)
            .select((eb) => eb.fn.countAll<number>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const settings = () => exportSettings(world.dir);
    const task = (name: string, extra: Record<string, unknown> = {}) => ({
      project: "sales",
      name,
      ...settings(),
      ...extra,
    });

    beforeEach(async () => {
      world = await projectWorld(kind);
    });
    afterEach(() => world.close());

    it("creates a project whose schedules are real schedules invoking its run, as version 1", async () => {
      const project = await world.projects.create(
        { name: "sales", parameters: { region: "north" }, schedules: [weekdays] },
        { by: "ada" },
      );
      expect(project).toMatchObject({
        name: "sales",
        description: null,
        owners: ["ada"],
        runMode: "series",
        timeZone: "UTC",
        parameters: { region: "north" },
        taskCount: 0,
        version: 1,
        createdBy: "ada",
      });
      const id = `project.${project.id}.1`;
      expect(project.schedules).toEqual([
        { ...weekdays, _id: id, nextFireTime: "2099-01-01T06:00:00.000Z" },
      ]);
      expect(await world.sundial.schedules.get(id)).toMatchObject({
        invokeService: "export",
        invokeContext: { projectId: project.id },
        owners: ["ada"],
        enabled: true,
      });
      expect(await world.projects.get("sales")).toEqual(project);
      const [version] = await world.projects.versions("sales");
      expect(version).toMatchObject({ version: 1, savedBy: "ada" });
      expect(version?.config).toMatchObject({ name: "sales", schedules: [weekdays] });
      // The schedule's own history, through the ScheduleService's save hook.
      expect(await world.history.versions("schedule", id)).toHaveLength(1);
    });

    it("appends a version per edit that changes something, and diffs two field by field", async () => {
      await world.projects.create(
        { name: "sales", parameters: { region: "north" } },
        { by: "ada" },
      );
      const same = await world.projects.update("sales", {
        name: "sales",
        parameters: { region: "north" },
      });
      expect(same.version).toBe(1);
      const edited = await world.projects.update(
        "sales",
        { name: "sales", runMode: "parallel", parameters: { day: "today" }, version: 1 },
        { by: "bob" },
      );
      expect(edited).toMatchObject({
        version: 2,
        runMode: "parallel",
        owners: ["ada"],
        updatedBy: "bob",
      });
      expect((await world.projects.diff("sales")).changes).toEqual([
        { path: "parameters.region", change: "removed", from: "north" },
        { path: "parameters.day", change: "added", to: "today" },
        { path: "runMode", change: "changed", from: "series", to: "parallel" },
      ]);
      const stale = await failureOf(
        world.projects.update("sales", { name: "sales", description: "late", version: 1 }),
      );
      expect(stale).toMatchObject({ code: "conflict", field: "version" });
      expect((await world.projects.get("sales")).description).toBeNull();
    });

    it("refuses bad projects naming the field, and stores nothing", async () => {
      await world.projects.create({ name: "taken" });
      const before = {
        projects: await count("projects"),
        versions: await count("config_versions"),
        schedules: (await world.sundial.schedules.list()).length,
      };
      const cases: [unknown, string, string][] = [
        [{ name: "/etc" }, "badRequest", "name"],
        [{ name: "taken" }, "conflict", "name"],
        [{ name: "x", runMode: "random" }, "badRequest", "runMode"],
        [{ name: "x", timeZone: "Mars/Olympus" }, "invalidTimeZone", "timeZone"],
        [{ name: "x", parameters: { "bad name": "1" } }, "badRequest", "parameters.bad name"],
        [{ name: "x", parameters: { n: 1 } }, "badRequest", "parameters.n"],
        [
          { name: "x", schedules: [weekdays, { schedule: "0 0 25 * * ?" }] },
          "invalidTrigger",
          "schedules[1].hour",
        ],
        [
          { name: "x", schedules: [{ ...weekdays, invokeService: "command" }] },
          "badRequest",
          "schedules[0].invokeService",
        ],
        [{ name: "x", colour: "red" }, "badRequest", "colour"],
        [[], "badRequest", "body"],
      ];
      for (const [input, code, field] of cases) {
        const error = await refusal(world.projects.create(input), JSON.stringify(input));
        expect({ input, code: error.code, field: error.field }).toEqual({ input, code, field });
        expect(error.message.startsWith(field) || code === "conflict").toBe(true);
      }
      expect({
        projects: await count("projects"),
        versions: await count("config_versions"),
        schedules: (await world.sundial.schedules.list()).length,
      }).toEqual(before);
    });

    it("creates tasks with their export settings in the task, ranked after the last one", async () => {
      await world.projects.create(
        { name: "sales", parameters: { region: "north" } },
        { by: "ada" },
      );
      const first = await world.tasks.create(task("north", { parameters: { region: "n" } }), {
        by: "ada",
      });
      const second = await world.tasks.create(task("south"), { by: "ada" });
      expect(first).toMatchObject({
        project: "sales",
        name: "north",
        enabled: true,
        rank: 1,
        parameters: { region: "n" },
        timeZone: null,
        retries: { count: 0, delayMs: 60_000 },
        source: { type: "sql", connection: "warehouse", query: "SELECT 1 AS one" },
        output: { fileName: "out_%Y%m%d.csv", format: { type: "csv" } },
        destinations: [{ type: "directory", directory: world.dir, overwrite: true }],
        version: 1,
        createdBy: "ada",
      });
      expect(second.rank).toBe(2);
      expect((await world.projects.get("sales")).taskCount).toBe(2);
      expect(await world.tasks.get(first.id)).toEqual(first);
    });

    it("versions every task edit; diffs name the fields; an edit on a stale version is refused", async () => {
      await world.projects.create({ name: "sales" });
      const created = await world.tasks.create(task("north"));
      const input = {
        ...task("north"),
        output: { fileName: "out.csv", format: { type: "csv", delimiter: ";" } },
      };
      const edited = await world.tasks.update(created.id, { ...input, version: 1 }, { by: "bob" });
      expect(edited.version).toBe(2);
      expect((await world.tasks.update(created.id, input)).version).toBe(2);
      const more = {
        ...input,
        destinations: [...settings().destinations, { type: "directory", directory: "/srv/copy" }],
      };
      expect((await world.tasks.update(created.id, more)).version).toBe(3);
      const versions = await world.tasks.versions(created.id);
      expect(versions.map((v) => [v.version, v.savedBy])).toEqual([
        [3, null],
        [2, "bob"],
        [1, null],
      ]);
      expect(versions[2]?.config).toMatchObject({
        name: "north",
        output: { fileName: "out_%Y%m%d.csv" },
      });
      expect(await world.tasks.diff(created.id, 1, 3)).toEqual({
        from: 1,
        to: 3,
        changes: [
          { path: "output.fileName", change: "changed", from: "out_%Y%m%d.csv", to: "out.csv" },
          { path: "output.format.delimiter", change: "added", to: ";" },
          {
            path: "destinations[1]",
            change: "added",
            to: { type: "directory", directory: "/srv/copy" },
          },
        ],
      });
      expect((await world.tasks.diff(created.id)).from).toBe(2);
      expect(await failureOf(world.tasks.diff(created.id, 7))).toMatchObject({
        code: "notFound",
        field: "from",
      });
      const stale = await failureOf(world.tasks.update(created.id, { ...input, version: 1 }));
      expect(stale).toMatchObject({ code: "conflict", field: "version" });
    });

    it("refuses bad tasks naming the field, and stores nothing", async () => {
      await world.projects.create({ name: "sales" });
      await world.tasks.create(task("taken"));
      const before = {
        tasks: await count("tasks"),
        versions: await count("config_versions"),
        schedules: (await world.sundial.schedules.list()).length,
      };
      const output = settings().output;
      const cases: [unknown, string, string][] = [
        [task("x", { project: "nowhere" }), "notFound", "project"],
        [task("taken"), "conflict", "name"],
        [task("a/b"), "badRequest", "name"],
        [{ project: "sales", name: "x" }, "badRequest", "source"],
        [
          task("x", { output: { ...output, format: { type: "csv", delimiter: '"' } } }),
          "badRequest",
          "output.format.delimiter",
        ],
        [
          task("x", { output: { ...output, fileName: "a/%Y.csv" } }),
          "badRequest",
          "output.fileName",
        ],
        [
          task("x", { destinations: [{ type: "directory", directory: "relative" }] }),
          "badRequest",
          "destinations[0].directory",
        ],
        [
          task("x", { source: { type: "sql", query: "SELECT 1" } }),
          "badRequest",
          "source.connection",
        ],
        [task("x", { retries: { count: 101 } }), "badRequest", "retries.count"],
        [task("x", { retries: { count: 1, delay: 5 } }), "badRequest", "retries.delay"],
        [task("x", { timeZone: "Nowhere/Land" }), "invalidTimeZone", "timeZone"],
        [
          task("x", { schedules: [{ schedule: "0 0 6 ? * FUNDAY" }] }),
          "invalidTrigger",
          "schedules[0].day-of-week",
        ],
        [
          task("x", { schedules: [{ ...weekdays, persisted: false }] }),
          "badRequest",
          "schedules[0].persisted",
        ],
        [task("x", { sendEmpty: true }), "badRequest", "sendEmpty"],
        [task("x", { rank: 1.5 }), "badRequest", "rank"],
      ];
      for (const [input, code, field] of cases) {
        const error = await refusal(world.tasks.create(input), JSON.stringify(input));
        expect({ input, code: error.code, field: error.field }).toEqual({ input, code, field });
        if (code !== "conflict") expect(error.message.startsWith(field)).toBe(true);
      }
      expect({
        tasks: await count("tasks"),
        versions: await count("config_versions"),
        schedules: (await world.sundial.schedules.list()).length,
      }).toEqual(before);
    });

    it("disables a task's schedules with it, reschedules, and versions each change", async () => {
      await world.projects.create({ name: "sales", timeZone: "America/New_York" });
      const created = await world.tasks.create(
        task("north", { schedules: [{ schedule: "0 0 6 * * ? 2099" }] }),
      );
      const id = `task.${created.id}.1`;
      expect(await world.sundial.schedules.get(id)).toMatchObject({
        enabled: true,
        timeZone: "America/New_York",
        invokeService: "export",
        invokeContext: { taskId: created.id },
      });
      const disabled = await world.tasks.setEnabled(created.id, false, { by: "ada" });
      expect(disabled).toMatchObject({ enabled: false, version: 2 });
      expect(await world.sundial.schedules.get(id)).toMatchObject({
        enabled: false,
        nextFireTime: null,
      });
      await world.tasks.setEnabled(created.id, true);
      expect((await world.sundial.schedules.get(id))?.enabled).toBe(true);
      const moved = await world.tasks.reschedule(created.id, [
        weekdays,
        { schedule: "0 30 7 * * ? 2099" },
      ]);
      expect(moved.version).toBe(4);
      expect(moved.schedules.map((s) => s._id)).toEqual([id, `task.${created.id}.2`]);
      expect(await world.sundial.schedules.get(`task.${created.id}.2`)).toMatchObject({
        timeZone: "America/New_York",
      });
      await world.tasks.reschedule(created.id, []);
      expect(await world.sundial.schedules.get(id)).toBeUndefined();
      const bad = await refusal(world.tasks.reschedule(created.id, [{ schedule: "nope" }]), "nope");
      expect(bad).toMatchObject({ field: "schedules[0].schedule" });
      expect((await world.tasks.get(created.id)).version).toBe(5);
    });

    it("gives task schedules the project's zone and owners when those change", async () => {
      await world.projects.create({ name: "sales", owners: ["ada"] });
      const created = await world.tasks.create(
        task("north", { schedules: [{ schedule: "0 0 6 * * ? 2099" }] }),
      );
      await world.projects.update("sales", {
        name: "sales",
        timeZone: "Asia/Tokyo",
        owners: ["bob"],
      });
      expect(await world.sundial.schedules.get(`task.${created.id}.1`)).toMatchObject({
        timeZone: "Asia/Tokyo",
        owners: ["bob"],
      });
    });

    it("duplicates a task disabled, under a free name, with its own history", async () => {
      await world.projects.create({ name: "sales" });
      await world.projects.create({ name: "other" });
      const original = await world.tasks.create(task("north", { schedules: [weekdays] }));
      const copy = await world.tasks.duplicate(original.id, {}, { by: "ada" });
      expect(copy).toMatchObject({
        name: "north copy",
        enabled: false,
        version: 1,
        project: "sales",
      });
      expect(copy.id).not.toBe(original.id);
      expect(await world.sundial.schedules.get(`task.${copy.id}.1`)).toMatchObject({
        enabled: false,
      });
      expect((await world.tasks.duplicate(original.id)).name).toBe("north copy 2");
      const elsewhere = await world.tasks.duplicate(original.id, { project: "other", name: "n2" });
      expect(elsewhere).toMatchObject({ project: "other", name: "n2", enabled: false });
      expect((await world.tasks.get(original.id)).enabled).toBe(true);
    });

    it("refuses to delete a project with tasks; deleting a task takes its schedules and history", async () => {
      const project = await world.projects.create({ name: "sales", schedules: [weekdays] });
      const created = await world.tasks.create(task("north", { schedules: [weekdays] }));
      const refused = await failureOf(world.projects.delete("sales"));
      expect(refused.code).toBe("conflict");
      await world.tasks.delete(created.id);
      expect(await world.sundial.schedules.get(`task.${created.id}.1`)).toBeUndefined();
      expect(await failureOf(world.tasks.get(created.id))).toMatchObject({ code: "notFound" });
      await world.projects.delete(project.id);
      expect(await world.sundial.schedules.get(`project.${project.id}.1`)).toBeUndefined();
      expect(await count("config_versions")).toBe(2); // the two schedules' own histories
      expect(await failureOf(world.projects.get("sales"))).toMatchObject({ code: "notFound" });
    });

    it("lists every task a page at a time: sorted, searched, by owner, project and state", async () => {
      await world.projects.create({ name: "alpha", owners: ["ada"] });
      await world.projects.create({ name: "beta", owners: ["bob"] });
      for (const name of ["north", "south", "east"]) {
        await world.tasks.create({ ...task(name), project: "alpha" });
      }
      const west = await world.tasks.create({ ...task("west"), project: "beta" });
      await world.tasks.setEnabled(west.id, false);
      const names = async (query: Partial<Parameters<typeof world.tasks.list>[0]>) => {
        const page = await world.tasks.list({ sort, offset: 0, limit: 100, ...query });
        return { names: page.result.map((t) => t.name), total: page.total };
      };
      expect(await names({})).toEqual({ names: ["north", "south", "east", "west"], total: 4 });
      expect(await names({ limit: 2, offset: 2 })).toEqual({ names: ["east", "west"], total: 4 });
      expect(await names({ sort: [{ key: "name", descending: true }] })).toMatchObject({
        names: ["west", "south", "north", "east"],
      });
      expect(await names({ search: "OUT" })).toEqual({ names: ["south"], total: 1 });
      expect(await names({ search: "bet" })).toEqual({ names: ["west"], total: 1 });
      expect(await names({ search: "%" })).toEqual({ names: [], total: 0 });
      expect(await names({ owner: "bob" })).toEqual({ names: ["west"], total: 1 });
      expect(await names({ enabled: false })).toEqual({ names: ["west"], total: 1 });
      const alpha = await world.projects.get("alpha");
      expect(await names({ projectId: alpha.id, limit: 1 })).toEqual({
        names: ["north"],
        total: 3,
      });
      expect(
        (await world.projects.list({ owner: "ada" })).map((p) => [p.name, p.taskCount]),
      ).toEqual([["alpha", 3]]);
    });

    it("keeps no secret: a destination names a stored connection, of a type it takes", async () => {
      await world.projects.create({ name: "sales" });
      await world.connections.create({
        name: "mail",
        type: "smtp",
        settings: {
          host: "smtp.example.com",
          from: "sundial@example.com",
          username: "sundial",
          password: "s3cret-pa55",
        },
      });
      const before = { tasks: await count("tasks"), versions: await count("config_versions") };
      const inline = {
        type: "sftp",
        connection: { host: "sftp.example.com", username: "acme", password: "s3cret-pa55" },
        directory: "/in",
      };
      const written = await failureOf(
        world.tasks.create(task("north", { destinations: [inline] })),
      );
      expect(written).toMatchObject({ code: "badRequest", field: "destinations[0].connection" });
      expect(written.message).toContain("store them as a connection (POST /api/v1/connections");
      expect(written.message).not.toContain("s3cret-pa55");
      const notification = {
        when: "failure",
        connection: { host: "smtp.example.com", from: "a@example.com", password: "s3cret-pa55" },
        to: ["ops@example.com"],
      };
      expect(
        await failureOf(world.tasks.create(task("north", { notifications: [notification] }))),
      ).toMatchObject({ code: "badRequest", field: "notifications[0].connection" });
      const wrong = await failureOf(
        world.tasks.create(
          task("north", { destinations: [{ type: "sftp", connection: "mail", directory: "/in" }] }),
        ),
      );
      expect(wrong).toMatchObject({
        code: "badRequest",
        field: "destinations[0].connection",
        message:
          'destinations[0].connection: connection "mail" is of type smtp; an sftp destination takes sftp',
      });
      expect(
        await failureOf(
          world.tasks.create(
            task("north", { source: { type: "ssh", connection: "mail", command: "ls" } }),
          ),
        ),
      ).toMatchObject({ code: "badRequest", field: "source.connection" });
      expect({ tasks: await count("tasks"), versions: await count("config_versions") }).toEqual(
        before,
      );

      // A connection not stored yet is taken: the run checks it.
      const destinations = [{ type: "sftp", connection: "vendor-sftp", directory: "/in" }];
      const created = await world.tasks.create(
        task("north", {
          destinations,
          notifications: [{ when: "failure", connection: "mail", to: ["ops@example.com"] }],
        }),
      );
      expect(created.destinations).toEqual(destinations);
      const stored = await db().selectFrom("tasks").select("config").executeTakeFirstOrThrow();
      expect(JSON.stringify([stored, await world.tasks.versions(created.id)])).not.toContain(
        "s3cret-pa55",
      );
      const edited = await world.tasks
        .update(created.id, {
          ...task("north"),
          destinations: [{ type: "ftp", connection: "mail", directory: "/in" }],
        })
        .catch((error: unknown) => error);
      expect(edited).toMatchObject({ code: "badRequest", field: "destinations[0].connection" });
      expect((await world.tasks.get(created.id)).version).toBe(1);
    });
  });
}
