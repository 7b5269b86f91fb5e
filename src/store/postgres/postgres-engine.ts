import pg from "pg";
import type { Dialect, SqlEngine, SqlExecutor, SqlParam } from "../sql-engine.ts";

const dialect: Dialect = {
  name: "postgres",
  lockRowsSuffix: " FOR UPDATE",
  // Several instances may start at once against one database: only one migrates, the others wait.
  claimRowsSuffix: " FOR UPDATE OF d SKIP LOCKED",
  migrationLockSql: "SELECT pg_advisory_xact_lock(7319001)",
  // Conflicts with every INSERT, UPDATE and DELETE of users and with itself, not with reads or FOR UPDATE.
  lockUsersSql: "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE",
  bigint: "BIGINT",
  strictTable: "",
};

/** BIGINT columns hold millisecond timestamps and counts, all far below 2^53: read them as numbers. */
const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

/**
 * PostgreSQL through a pg connection pool. The store's SQL is written with `?` placeholders; they are
 * rewritten to `$1..$n` once per SQL text and cached.
 */
export function openPostgresEngine(connectionString: string, poolSize = 10): SqlEngine {
  const pool = new pg.Pool({ connectionString, max: poolSize, types });
  // An idle client's network error must not crash the process; the next query reports it.
  pool.on("error", () => {});
  const poolExecutor = executor(pool);

  return {
    dialect,
    ...poolExecutor,
    async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options = { durable: true }): Promise<T> {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await runOnce(pool, fn, options.durable);
        } catch (error) {
          if (attempt >= maxAttempts || !isRetryable(error)) throw error;
          await delay(backoffMs(attempt));
        }
      }
    },
    async scrubAfterErase() {
      // Deleted tuples are reclaimed by (auto)vacuum; nothing here reads them back.
    },
    close: () => pool.end(),
  };
}

/**
 * PostgreSQL may abort a transaction that did nothing wrong: a deadlock between row locks (40P01) or a
 * serialization failure (40001). Lock order makes deadlocks rare (see domain/admin/admin-act.ts lockParties), but a
 * snapshot taken before a concurrent promotion can still miss a row that another transaction locks first.
 * The whole transaction is then run again from BEGIN: its function only reads and writes through the
 * executor, so a rerun sees the committed state afresh and re-checks every rule. Bounded, with jitter, so
 * contenders do not collide again in step.
 */
const maxAttempts = 5;
const retryableCodes = new Set(["40P01", "40001"]);

function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && retryableCodes.has(code);
}

function backoffMs(attempt: number): number {
  return Math.random() * 10 * 2 ** attempt;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function runOnce<T>(pool: pg.Pool, fn: (tx: SqlExecutor) => Promise<T>, durable: boolean): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no listener of the pool's: without one, a backend that dies mid-transaction
  // (restart, failover, pg_terminate_backend) raises an unhandled 'error' event and ends the process.
  // The failing query rejects on its own; this only keeps the process alive.
  const ignore = () => {};
  client.on("error", ignore);
  try {
    await client.query("BEGIN");
    if (!durable) await client.query("SET LOCAL synchronous_commit TO OFF");
    const result = await fn(executor(client));
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.off("error", ignore);
    client.release();
  }
}

function executor(db: pg.Pool | pg.PoolClient): SqlExecutor {
  const query = (sql: string, params?: readonly SqlParam[]) => db.query(sql, params as SqlParam[]);
  return {
    async all<Row>(sql: string, params: readonly SqlParam[] = []) {
      return (await query(numbered(sql), params)).rows as Row[];
    },
    async get<Row>(sql: string, params: readonly SqlParam[] = []) {
      return (await query(numbered(sql), params)).rows[0] as Row | undefined;
    },
    async getValues(sql: string, params: readonly SqlParam[] = []) {
      const text = numbered(sql);
      // Named: each connection parses and plans it once, then only binds and executes it.
      const result = await db.query({ name: preparedName(text), text, values: params as SqlParam[], rowMode: "array" });
      return result.rows[0] as unknown[] | undefined;
    },
    async run(sql: string, params: readonly SqlParam[] = []) {
      return (await query(numbered(sql), params)).rowCount ?? 0;
    },
    async exec(script: string) {
      await query(script);
    },
  };
}

const numberedCache = new Map<string, string>();

/** `?` -> `$n`. The store's SQL never has `?` inside a string literal. */
function numbered(sql: string): string {
  let converted = numberedCache.get(sql);
  if (converted === undefined) {
    let index = 0;
    converted = sql.replace(/\?/g, () => `$${++index}`);
    numberedCache.set(sql, converted);
  }
  return converted;
}

const preparedNames = new Map<string, string>();

/** A stable statement name per SQL text, as pg requires one name to mean one text on a connection. */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `gatehouse_${preparedNames.size + 1}`;
    preparedNames.set(text, name);
  }
  return name;
}
