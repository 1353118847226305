/**
 * The connection queries, on the store's query builder. Rules (what is valid, how secrets
 * are sealed) live in connection.service.ts; here are only reads and writes.
 */
import type { Kysely, Selectable, Updateable } from "kysely";
import type { Database } from "../../store/database.js";
import type { Store } from "../../store/store.js";
import type { ConnectionsTable, ConnectionTables } from "./connection-tables.js";

export type ConnectionRecord = Selectable<ConnectionsTable>;

export class ConnectionRepository {
  private constructor(private readonly db: Kysely<Database & ConnectionTables>) {}

  static of(store: Store): ConnectionRepository {
    return new ConnectionRepository(store.db.withTables<ConnectionTables>());
  }

  /** Inserts a connection; false when the name is taken. */
  async insert(row: ConnectionsTable): Promise<boolean> {
    const result = await this.db
      .insertInto("connections")
      .values(row)
      .onConflict((oc) => oc.column("name").doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  byName(name: string): Promise<ConnectionRecord | undefined> {
    return this.db
      .selectFrom("connections")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
  }

  /** Ordered by name; without secrets or settings, which a list never shows. */
  list(type?: string) {
    let query = this.db
      .selectFrom("connections")
      .select([
        "name",
        "type",
        "description",
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
      ])
      .orderBy("name");
    if (type !== undefined) query = query.where("type", "=", type);
    return query.execute();
  }

  /** Changes the connection of `id`; false when it is gone. */
  async update(id: string, change: Updateable<ConnectionsTable>): Promise<boolean> {
    const result = await this.db
      .updateTable("connections")
      .set(change)
      .where("id", "=", id)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async delete(name: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom("connections")
      .where("name", "=", name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
