import { dirname } from "node:path";
import type { AuditSealer } from "../domain/audit/audit-chain.ts";
import type { Store } from "../domain/ports.ts";
import { createPrivateFile, makePrivateDirectory } from "../infra/private-files.ts";
import { backfillEmailIdentities, type EmailBackfillResult } from "./email-backfill.ts";
import { migrations } from "./migrations.ts";
import { type MigrationResult, migrate } from "./migrator.ts";
import { openPostgresEngine } from "./postgres/postgres-engine.ts";
import type { SqlEngine } from "./sql-engine.ts";
import { SqlStore } from "./sql-store.ts";
import { openSqliteEngine } from "./sqlite/sqlite-engine.ts";

export type DatabaseLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** `postgres://` or `postgresql://` URLs select PostgreSQL; anything else is a SQLite file path. */
export interface OpenedStore {
  /** Typed as the port: writes are reachable only through transaction(), where the audit chain is safe. */
  readonly store: Store;
  readonly migrations: MigrationResult;
  /** What the e-mail backfill did at this open (store/email-backfill.ts); all zero on most opens. */
  readonly emailBackfill: EmailBackfillResult;
}

export interface OpenStoreOptions {
  readonly migrate?: boolean;
  readonly poolSize?: number;
  /** See SqlStore.touchSession; tests use 0 so that a touch lands before their next step. */
  readonly touchFlushDelayMs?: number;
}

export async function openStore(
  location: DatabaseLocation,
  seal: AuditSealer,
  options: OpenStoreOptions = {},
): Promise<OpenedStore> {
  let engine: SqlEngine;
  if (location.kind === "sqlite") {
    if (location.path !== ":memory:" && location.path !== "") {
      // better-sqlite3 would create the file with the umask's mode (0644: readable by every local user).
      // Created 0600 first, it is opened as an existing, empty database; SQLite gives the -wal and -shm
      // files the main file's mode (test/store/file-modes.test.ts).
      makePrivateDirectory(dirname(location.path));
      createPrivateFile(location.path);
    }
    engine = openSqliteEngine(location.path);
  } else {
    engine = openPostgresEngine(location.url, options.poolSize);
  }
  try {
    const migrated = options.migrate === false ? { applied: [], current: 0 } : await migrate(engine, migrations);
    const emailBackfill =
      options.migrate === false ? { filled: 0, rewritten: 0, lookAlikes: [] } : await backfillEmailIdentities(engine);
    const store = new SqlStore(engine, seal, options.touchFlushDelayMs);
    if (options.migrate !== false) await store.sealEmptyAuditHead();
    return { store, migrations: migrated, emailBackfill };
  } catch (error) {
    await engine.close();
    throw new Error(`Could not open the ${location.kind} database`, { cause: error });
  }
}
