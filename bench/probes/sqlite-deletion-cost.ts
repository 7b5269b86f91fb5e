/**
 * Probe for W3 on SQLite: where the time of erasing a user with 10,000 sessions goes, step by step, with the
 * production pragmas, and what the sweep's index and secure_delete each cost. Three stores are seeded alike (10,000 other users
 * with a session each, 4 users with 10,000 sessions): as in production, without the sessions_last_seen_at
 * index, and with secure_delete off. Their deletions are interleaved round by round, so a drift in the
 * machine's speed hits all three alike.
 * Usage: node --import tsx bench/probes/sqlite-deletion-cost.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parseConfig } from "../../src/config.ts";
import { openSeeder, type SeededUser } from "../seed.ts";

interface Variant {
  readonly label: string;
  readonly db: InstanceType<typeof Database>;
  readonly dir: string;
  readonly targets: readonly SeededUser[];
}

const rounds = 4;

async function seededStore(label: string, change: (db: InstanceType<typeof Database>) => void): Promise<Variant> {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-probe-"));
  const path = join(dir, "gatehouse.sqlite");
  const env = { DATABASE_URL: path, DATA_DIR: dir, GATEHOUSE_SECRET: "p".repeat(48), LOG_LEVEL: "silent" };
  const seeder = await openSeeder(parseConfig(env));
  await seeder.users({ prefix: "other", count: 10_000, sessionsPerUser: 1, keepTokens: false });
  const targets = await seeder.users({ prefix: "target", count: rounds, sessionsPerUser: 10_000, keepTokens: false });
  await seeder.close();
  // The production connection settings (src/store/sqlite/sqlite-engine.ts), then the variant's change.
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("foreign_keys = ON");
  db.pragma("secure_delete = ON");
  db.pragma("synchronous = FULL");
  change(db);
  db.pragma("wal_checkpoint(TRUNCATE)");
  return { label, db, dir, targets };
}

const variants = [
  await seededStore("production", () => {}),
  await seededStore("without sessions_last_seen_at", (db) => db.exec("DROP INDEX sessions_last_seen_at")),
  await seededStore("secure_delete off", (db) => db.pragma("secure_delete = OFF")),
];

const since = (startedAt: bigint) => Number(process.hrtime.bigint() - startedAt) / 1e6;
const lines = new Map<string, string[]>();
for (let round = 0; round < rounds; round += 1) {
  for (const { label, db, targets } of variants) {
    const user = targets[round] as SeededUser;
    let startedAt = process.hrtime.bigint();
    db.exec("BEGIN IMMEDIATE");
    db.prepare("DELETE FROM sessions WHERE user_id = ?").run(user.id);
    const deleting = since(startedAt);
    startedAt = process.hrtime.bigint();
    db.prepare("DELETE FROM users WHERE id = ?").run(user.id);
    // The commit includes SQLite's automatic checkpoint whenever the WAL grew past 1,000 pages.
    db.exec("COMMIT");
    const committing = since(startedAt);
    const [{ log: walPages } = { log: 0 }] = db.pragma("wal_checkpoint(PASSIVE)") as { log: number }[];
    startedAt = process.hrtime.bigint();
    // What scrubAfterErase runs after the transaction.
    db.pragma("wal_checkpoint(TRUNCATE)");
    const scrubbing = since(startedAt);
    const line = `delete ${deleting.toFixed(0)} + commit ${committing.toFixed(0)} + scrub ${scrubbing.toFixed(0)} = ${(deleting + committing + scrubbing).toFixed(0)} ms, ${walPages} WAL pages`;
    lines.set(label, [...(lines.get(label) ?? []), line]);
  }
}
for (const { label, db, dir } of variants) {
  console.log(`${label}:`);
  for (const line of lines.get(label) ?? []) console.log(`  ${line}`);
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
