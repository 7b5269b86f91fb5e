import Database from "better-sqlite3";
import type { Dialect, SqlEngine, SqlExecutor, SqlParam } from "../sql-engine.ts";
import { groupCommitter } from "./group-commit.ts";

const dialect: Dialect = {
  name: "sqlite",
  lockRowsSuffix: "",
  claimRowsSuffix: "",
  migrationLockSql: null,
  lockUsersSql: null,
  bigint: "INTEGER",
  strictTable: " STRICT",
};

type Connection = InstanceType<typeof Database>;
type Statement = Database.Statement<SqlParam[]>;

/**
 * @module
 * Embedded SQLite through better-sqlite3. Two connections on one WAL file: a read connection that serves
 * the hot path (each statement sees the last committed state, never a writer's uncommitted one) and a write
 * connection on which every write and transaction runs, one at a time, through an async mutex; the
 * transactions requested in one turn of the event loop share one commit (group-commit.ts). Prepared
 * statements are cached per SQL text, so the session check builds no SQL per request.
 */
export function openSqliteEngine(path: string): SqlEngine {
  const writer = new Database(path);
  configure(writer);
  const reader = new Database(path, { readonly: true });
  reader.pragma("busy_timeout = 5000");
  // 16 MiB of page cache (the default is 2 MiB): the session check's pages stay in the process instead of
  // costing a read() each. It pays since last-seen writes commit once a second (each commit by the writer
  // empties this cache). Measured in W1 (docs/perf-history.md, "Optimizations").
  reader.pragma("cache_size = -16384");
  const readStatements = statementCache(reader, false);
  const rawReadStatements = statementCache(reader, true);
  const writeStatements = statementCache(writer, false);
  const rawWriteStatements = statementCache(writer, true);
  let queue: Promise<unknown> = Promise.resolve();
  let pendingScrub: Promise<void> | null = null;

  /** Serializes writers: better-sqlite3 is synchronous, but our transactions await between statements. */
  function exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = queue.then(work, work);
    queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  const writeExecutor = executor(writer, writeStatements, rawWriteStatements);
  const readExecutor = executor(reader, readStatements, rawReadStatements);
  const grouped = groupCommitter(writer, writeExecutor, exclusive);

  return {
    dialect,
    all: readExecutor.all,
    get: readExecutor.get,
    getValues: readExecutor.getValues,
    run: (sql, params) => exclusive(() => writeExecutor.run(sql, params)),
    exec: (script) => exclusive(() => writeExecutor.exec(script)),
    transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options = { durable: true }): Promise<T> {
      return grouped.transaction(fn, options.durable);
    },
    scrubAfterErase() {
      // Erasures that commit while a scrub waits for its turn share that scrub: one checkpoint after all of
      // them. A scrub resets the slot as it starts, so an erasure committed later always gets its own.
      pendingScrub ??= exclusive(async () => {
        pendingScrub = null;
        // secure_delete zeroes freed content in the main file once it is checkpointed; TRUNCATE copies
        // the WAL into the main file and empties the WAL, which still held the pre-erasure page images.
        writer.pragma("wal_checkpoint(TRUNCATE)");
      });
      return pendingScrub;
    },
    async close() {
      await grouped.settled();
      await exclusive(async () => {
        reader.close();
        writer.close();
      });
    },
  };
}

function configure(db: Connection): void {
  // First, so that every statement below waits for another process's lock instead of failing at once.
  db.pragma("busy_timeout = 5000");
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  // Freed pages are overwritten with zeros, so erased personal data does not linger in the file.
  db.pragma("secure_delete = ON");
  // A commit is durable when it returns (WAL + NORMAL could lose the last commits on power loss).
  db.pragma("synchronous = FULL");
}

/** Raw statements return each row as an array of values (better-sqlite3's `raw()`), others as objects. */
function statementCache(db: Connection, raw: boolean): (sql: string) => Statement {
  const cache = new Map<string, Statement>();
  return (sql) => {
    let statement = cache.get(sql);
    if (statement === undefined) {
      statement = db.prepare<SqlParam[]>(sql);
      if (raw) statement.raw(true);
      cache.set(sql, statement);
    }
    return statement;
  };
}

function executor(
  db: Connection,
  prepare: (sql: string) => Statement,
  prepareRaw: (sql: string) => Statement,
): SqlExecutor {
  return {
    async all<Row>(sql: string, params: readonly SqlParam[] = []) {
      return prepare(sql).all(...params) as Row[];
    },
    async get<Row>(sql: string, params: readonly SqlParam[] = []) {
      return prepare(sql).get(...params) as Row | undefined;
    },
    async getValues(sql: string, params: readonly SqlParam[] = []) {
      return prepareRaw(sql).get(...params) as unknown[] | undefined;
    },
    async run(sql: string, params: readonly SqlParam[] = []) {
      return prepare(sql).run(...params).changes;
    },
    async exec(script: string) {
      db.exec(script);
    },
  };
}
