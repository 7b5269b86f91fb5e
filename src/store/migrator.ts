import type { Migration } from "./migrations.ts";
import type { SqlEngine } from "./sql-engine.ts";

export interface MigrationResult {
  readonly applied: readonly number[];
  readonly current: number;
}

/**
 * @module
 * Applies pending migrations, each in its own transaction together with its bookkeeping row, with the SQL
 * of the engine's own dialect.
 */
export async function migrate(engine: SqlEngine, migrations: readonly Migration[]): Promise<MigrationResult> {
  // Created under the migration lock too: instances starting together against a fresh PostgreSQL database
  // would otherwise race on CREATE TABLE IF NOT EXISTS (it is not concurrency-safe there).
  await engine.transaction(async (tx) => {
    if (engine.dialect.migrationLockSql !== null) await tx.exec(engine.dialect.migrationLockSql);
    await tx.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    );
  });
  const applied: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    const didApply = await engine.transaction(async (tx) => {
      if (engine.dialect.migrationLockSql !== null) await tx.exec(engine.dialect.migrationLockSql);
      const done = await tx.get("SELECT version FROM schema_migrations WHERE version = ?", [migration.version]);
      if (done !== undefined) return false;
      await tx.exec(migration.sql(engine.dialect));
      await tx.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", [
        migration.version,
        migration.name,
        Date.now(),
      ]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  const current = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  return { applied, current };
}
