import Database from "better-sqlite3";
import pg from "pg";
import type { SqlParam } from "../../src/store/sql-engine.ts";
import type { TestDatabase } from "./databases.ts";

/**
 * SQL run behind the server's back, the way someone with write access to the database would: a separate
 * better-sqlite3 connection on the SQLite file, a separate pg client on PostgreSQL. `?` placeholders on both.
 */
export async function rawQuery<Row>(
  database: TestDatabase,
  sql: string,
  params: readonly SqlParam[] = [],
): Promise<{ rows: Row[]; changes: number }> {
  if (database.location.kind === "sqlite") {
    const db = new Database(database.location.path);
    try {
      const statement = db.prepare<SqlParam[]>(sql);
      if (statement.reader) return { rows: statement.all(...params) as Row[], changes: 0 };
      return { rows: [], changes: statement.run(...params).changes };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.location.url });
  await client.connect();
  try {
    let index = 0;
    const result = await client.query(
      sql.replace(/\?/g, () => `$${++index}`),
      [...params],
    );
    return { rows: result.rows as Row[], changes: result.rowCount ?? 0 };
  } finally {
    await client.end();
  }
}

/** Several reads on one connection (rawQuery opens one per call): for snapshots taken around every request. */
export async function rawReads<Row>(database: TestDatabase, sqls: readonly string[]): Promise<Row[][]> {
  if (database.location.kind === "sqlite") {
    const db = new Database(database.location.path, { readonly: true });
    try {
      return sqls.map((sql) => db.prepare(sql).all() as Row[]);
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.location.url });
  await client.connect();
  try {
    const results: Row[][] = [];
    for (const sql of sqls) results.push((await client.query(sql)).rows as Row[]);
    return results;
  } finally {
    await client.end();
  }
}
