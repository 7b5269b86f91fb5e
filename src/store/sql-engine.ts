/**
 * @module
 * The small slice of a SQL driver the store needs. Both engines run the same SQL text (written with `?`
 * placeholders); what differs between them is named here as dialect flags, not as `if (pg)` in queries.
 */
export type SqlParam = string | number | null;

export interface SqlExecutor {
  all<Row>(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly SqlParam[]): Promise<Row | undefined>;
  /**
   * The first row as an array of column values in SELECT order, for the hot path: no object with named
   * properties per row. On PostgreSQL the statement is prepared once per connection under its SQL text.
   */
  getValues(sql: string, params?: readonly SqlParam[]): Promise<readonly unknown[] | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Dialect {
  readonly name: "sqlite" | "postgres";
  /** Appended to a SELECT that must row-lock inside a transaction; SQLite serializes writers instead. */
  readonly lockRowsSuffix: string;
  /**
   * Appended to the webhook worker's claim (a SELECT over `webhook_deliveries d`): on PostgreSQL rows another
   * instance is claiming are skipped, not waited for; SQLite's one writer needs nothing.
   */
  readonly claimRowsSuffix: string;
  /** A statement taken inside the migration transaction so that two instances never migrate at once. */
  readonly migrationLockSql: string | null;
  /**
   * Taken by the e-mail backfill's transaction so that no account is inserted or changed while it claims
   * keys and skeletons (the claims would otherwise race a sign-up); SQLite's single writer needs nothing.
   */
  readonly lockUsersSql: string | null;
  /**
   * The column type of millisecond timestamps and sequence numbers, which pass 2^31 (migrations.ts).
   * SQLite's INTEGER already holds 64 bits, and `seq INTEGER PRIMARY KEY` keeps making seq the rowid;
   * PostgreSQL's INTEGER is 32 bits, its BIGINT 64.
   */
  readonly bigint: "INTEGER" | "BIGINT";
  /**
   * Ends every CREATE TABLE. SQLite's ` STRICT` makes a table refuse a value of another type, as every
   * PostgreSQL column does anyway (where the keyword does not exist).
   */
  readonly strictTable: " STRICT" | "";
}

export interface SqlEngine extends SqlExecutor {
  readonly dialect: Dialect;
  /**
   * `durable: false` lets the commit return before it reaches the disk (SQLite synchronous=NORMAL,
   * PostgreSQL synchronous_commit off): only for writes whose loss in a power cut harms nothing, such as
   * last-seen times. A crash never corrupts the database either way.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: { durable: boolean }): Promise<T>;
  /**
   * Called after personal data was erased: makes sure no copy of the erased rows stays readable in the
   * engine's own files (SQLite's write-ahead log); a no-op where the engine needs nothing.
   */
  scrubAfterErase(): Promise<void>;
  close(): Promise<void>;
}
