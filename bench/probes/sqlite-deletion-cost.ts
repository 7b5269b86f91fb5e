/**
 * Probe for W3 on SQLite: where the time of erasing a user with 10,000 sessions goes, statement by
 * statement, with the production pragmas, against a store seeded like the bench's (10,000 other users).
 * Usage: node --import tsx bench/probes/sqlite-deletion-cost.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parseConfig } from "../../src/config.ts";
import { openSeeder } from "../seed.ts";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-probe-"));
const path = join(dir, "gatehouse.sqlite");
const config = parseConfig({
  DATABASE_URL: path,
  DATA_DIR: dir,
  GATEHOUSE_SECRET: "p".repeat(48),
  LOG_LEVEL: "silent",
});
const seeder = await openSeeder(config);
await seeder.users({ prefix: "w1", count: 10_000, sessionsPerUser: 1, keepTokens: false });
const targets = await seeder.users({ prefix: "target", count: 6, sessionsPerUser: 10_000, keepTokens: false });
await seeder.close();

// The production connection settings (src/store/sqlite/sqlite-engine.ts), secure_delete aside: it is
// switched off for the last three users to show what it costs.
const db = new Database(path);
db.pragma("journal_mode = WAL");
db.pragma("foreign_keys = ON");
db.pragma("synchronous = FULL");
db.pragma("wal_checkpoint(TRUNCATE)");
const since = (startedAt: bigint) => (Number(process.hrtime.bigint() - startedAt) / 1e6).toFixed(1).padStart(5);
for (const [index, user] of targets.entries()) {
  const secureDelete = index < 3;
  db.pragma(`secure_delete = ${secureDelete ? "ON" : "OFF"}`);
  let startedAt = process.hrtime.bigint();
  db.exec("BEGIN IMMEDIATE");
  const deleted = db.prepare("DELETE FROM sessions WHERE user_id = ?").run(user.id).changes;
  const deleting = since(startedAt);
  startedAt = process.hrtime.bigint();
  db.prepare("DELETE FROM users WHERE id = ?").run(user.id);
  db.exec("COMMIT");
  const committing = since(startedAt);
  // What scrubAfterErase runs. The commit above already includes SQLite's automatic checkpoint whenever
  // the WAL grew past 1,000 pages, which a deletion of this size does.
  const [{ log: walPages } = { log: 0 }] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number }[];
  startedAt = process.hrtime.bigint();
  db.pragma("wal_checkpoint(TRUNCATE)");
  console.log(
    `secure_delete ${secureDelete ? "on " : "off"}: delete ${deleted} sessions ${deleting} ms, erase the user + commit ${committing} ms, the commit wrote ${walPages} WAL pages (${((walPages * 4096) / 1_048_576).toFixed(1)} MB); checkpoint(TRUNCATE) ${since(startedAt)} ms`,
  );
}
db.close();
rmSync(dir, { recursive: true, force: true });
