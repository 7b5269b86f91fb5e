/**
 * @module
 * Databases as an earlier release left them (the frozen SQL in test/store/fixtures/), and the schema of a
 * database read back from the engine's own catalog, so that two schemas compare whatever SQL text made them.
 */
import { readFileSync } from "node:fs";
import Database from "better-sqlite3";
import pg from "pg";
import type { EngineName, TestDatabase } from "../support/databases.ts";
import { rawQuery } from "../support/raw-database.ts";

const fixtures = new URL("./fixtures/", import.meta.url);

/** The secret the schema-4 data fixture was sealed under (its audit chain verifies with this one only). */
export const schema4Secret = Buffer.from("gatehouse schema-4 upgrade fixture secret, for tests only", "utf8");

/** Creates on an empty database what the schema-4 release created; with `withData`, the rows it wrote. */
export async function loadSchema4Release(database: TestDatabase, withData: boolean): Promise<void> {
  const engine: EngineName = database.location.kind;
  await runScript(database, readFileSync(new URL(`schema-4.${engine}.sql`, fixtures), "utf8"));
  if (withData) await runScript(database, readFileSync(new URL("schema-4-data.sql", fixtures), "utf8"));
}

/** A script of several statements, run behind the store's back as the release's migrator would have. */
async function runScript(database: TestDatabase, script: string): Promise<void> {
  if (database.location.kind === "sqlite") {
    const db = new Database(database.location.path);
    try {
      db.exec(script);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: database.location.url });
  await client.connect();
  try {
    await client.query(script);
  } finally {
    await client.end();
  }
}

/**
 * Tables, columns with their types, nullability and defaults, indexes, and constraints, as the engine
 * reports them. SQLite keeps each CREATE statement's text (ALTER TABLE edits it in place), so its text is
 * compared with runs of white space made one space: the indentation of the SQL that made it is no part of
 * the schema.
 */
export async function schemaOf(database: TestDatabase): Promise<unknown> {
  if (database.location.kind === "sqlite") {
    const { rows } = await rawQuery<{ type: string; name: string; tbl_name: string; sql: string | null }>(
      database,
      "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name",
    );
    return rows.map((row) => ({ ...row, sql: row.sql?.replace(/\s+/g, " ").trim() ?? null }));
  }
  const catalog = [
    `SELECT table_name, column_name, ordinal_position, data_type, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
    "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY tablename, indexname",
    `SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1, 2`,
  ];
  const parts: unknown[] = [];
  for (const sql of catalog) parts.push((await rawQuery(database, sql)).rows);
  return parts;
}

/** Every row of every table Gatehouse keeps, as the driver returns it, in a stable order. */
export async function rowsOf(database: TestDatabase): Promise<Record<string, unknown[]>> {
  const tables = ["users", "sessions", "audit_log", "audit_notes", "audit_head", "schema_migrations"];
  const all: Record<string, unknown[]> = {};
  for (const table of tables) all[table] = (await rawQuery(database, `SELECT * FROM ${table} ORDER BY 1`)).rows;
  return all;
}
