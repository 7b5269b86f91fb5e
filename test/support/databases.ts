import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { DatabaseLocation } from "../../src/store/open-store.ts";
import { closeRawConnection } from "./raw-database.ts";

/**
 * The engines every engine-dependent suite runs against. SQLite always; PostgreSQL when TEST_DATABASE_URL
 * is set (npm test sets it after starting a throwaway cluster). Under CI=true a missing PostgreSQL is a
 * failure, not a skip.
 */
export type EngineName = "sqlite" | "postgres";

const postgresUrl = process.env.TEST_DATABASE_URL;

if (postgresUrl === undefined && process.env.CI === "true") {
  throw new Error("CI=true but TEST_DATABASE_URL is not set: the PostgreSQL suites must not be skipped in CI.");
}

export const engines: readonly EngineName[] = postgresUrl === undefined ? ["sqlite"] : ["sqlite", "postgres"];

export const postgresSkipReason =
  postgresUrl === undefined ? "PostgreSQL is not available here (set TEST_DATABASE_URL or install postgresql)" : false;

export interface TestDatabase {
  readonly location: DatabaseLocation;
  /** For SQLite, the database file (tests read its bytes). */
  readonly sqlitePath: string | null;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh, empty database of the given engine, isolated from every other test. */
export async function createTestDatabase(engine: EngineName): Promise<TestDatabase> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-test-"));
    const path = join(dir, "gatehouse.sqlite");
    return {
      location: { kind: "sqlite", path },
      sqlitePath: path,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (postgresUrl === undefined) throw new Error("PostgreSQL is not available");
  counter += 1;
  const name = `gatehouse_test_${process.pid}_${counter}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return {
    location: { kind: "postgres", url: url.toString() },
    sqlitePath: null,
    async drop() {
      await closeRawConnection(url.toString());
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
