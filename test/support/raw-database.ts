import Database from "better-sqlite3";
import pg from "pg";
import type { SqlParam } from "../../src/store/sql-engine.ts";
import type { TestDatabase } from "./databases.ts";

/**
 * One raw connection per PostgreSQL database, kept for the database's life: snapshots are taken around
 * every request of the matrix and the fuzzing suites, and a new connection (a new backend process) cost
 * each of them 20 times the queries. `allowExitOnIdle` lets a test file's process end while it is open;
 * `closeRawConnection` (TestDatabase.drop) ends it before the database is dropped.
 */
const rawPools = new Map<string, pg.Pool>();

function rawPool(url: string): pg.Pool {
  let pool = rawPools.get(url);
  if (pool === undefined) {
    pool = new pg.Pool({ connectionString: url, max: 1, allowExitOnIdle: true });
    // A connection the server ends (a dropped database, a stopped cluster) is replaced on next use.
    pool.on("error", () => {});
    rawPools.set(url, pool);
  }
  return pool;
}

export async function closeRawConnection(url: string): Promise<void> {
  const pool = rawPools.get(url);
  if (pool === undefined) return;
  rawPools.delete(url);
  await pool.end();
}

/**
 * SQL run behind the server's back, the way someone with write access to the database would: a separate
 * better-sqlite3 connection on the SQLite file, a separate pg connection on PostgreSQL. `?` placeholders on both.
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
  let index = 0;
  const result = await rawPool(database.location.url).query(
    sql.replace(/\?/g, () => `$${++index}`),
    [...params],
  );
  return { rows: result.rows as Row[], changes: result.rowCount ?? 0 };
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
  const client = await rawPool(database.location.url).connect();
  try {
    const results: Row[][] = [];
    for (const sql of sqls) results.push((await client.query(sql)).rows as Row[]);
    return results;
  } finally {
    client.release();
  }
}
