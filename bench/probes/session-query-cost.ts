/**
 * Probe for W1 on SQLite: what the session check's point query costs per call, outside HTTP, in the shapes
 * it could take. Seeds a store like W1's (10,000 users with a session each), then times each variant over
 * the same rotating ids, interleaved round by round so a drift in the machine's speed hits all alike.
 * Usage: node --import tsx bench/probes/session-query-cost.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { parseConfig } from "../../src/config.ts";
import { parseSessionToken } from "../../src/domain/sessions/session-token.ts";
import { sessionCheckSql } from "../../src/store/rows.ts";
import { openSeeder } from "../seed.ts";

const dir = mkdtempSync(join(tmpdir(), "gatehouse-probe-"));
const path = join(dir, "gatehouse.sqlite");
const env = { DATABASE_URL: path, DATA_DIR: dir, GATEHOUSE_SECRET: "p".repeat(48), LOG_LEVEL: "silent" };
const seeder = await openSeeder(parseConfig(env));
const users = await seeder.users({ prefix: "w1", count: 10_000, sessionsPerUser: 1, keepTokens: true });
await seeder.close();
const ids = users.map((user) => parseSessionToken(user.tokens[0])?.sessionId as string);

const reader = new Database(path, { readonly: true });
/** The session check's query before it was trimmed: 17 columns, the password hash among them. */
const sessionAndUserSql = `SELECT s.id, s.user_id, s.secret_hash, s.created_at, s.last_seen_at,
  s.authenticated_at, s.expires_at, s.ip, s.user_agent,
  u.email AS u_email, u.name AS u_name, u.role AS u_role, u.status AS u_status,
  u.password_hash AS u_password_hash, u.created_at AS u_created_at, u.updated_at AS u_updated_at,
  u.purge_after AS u_purge_after
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;
const trimmedSql = `SELECT s.user_id, s.secret_hash, s.created_at, s.last_seen_at, s.authenticated_at,
  s.expires_at, u.email, u.name, u.role, u.status, u.created_at, u.updated_at
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;
const variants: Record<string, (id: string) => unknown> = {
  "before: 17 columns as an object": (
    (s) => (id: string) =>
      s.get(id)
  )(reader.prepare(sessionAndUserSql)),
  "12 columns as an object": (
    (s) => (id: string) =>
      s.get(id)
  )(reader.prepare(trimmedSql)),
  "12 columns as an array (raw)": (
    (s) => (id: string) =>
      s.get(id)
  )(reader.prepare(trimmedSql).raw(true)),
  "now: 16 columns (no hash) as an array": (
    (s) => (id: string) =>
      s.get(id)
  )(reader.prepare(sessionCheckSql).raw(true)),
  "sessions row only, raw": (
    (s) => (id: string) =>
      s.get(id)
  )(reader.prepare("SELECT user_id, secret_hash, last_seen_at FROM sessions WHERE id = ?").raw(true)),
};

const calls = 200_000;
const results = new Map<string, number[]>();
for (let round = 0; round < 5; round += 1) {
  for (const [label, query] of Object.entries(variants)) {
    const startedAt = process.hrtime.bigint();
    for (let i = 0; i < calls; i += 1) query(ids[i % ids.length] as string);
    const perCall = Number(process.hrtime.bigint() - startedAt) / calls / 1000;
    results.set(label, [...(results.get(label) ?? []), perCall]);
  }
}
for (const [label, times] of results) {
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `${label.padEnd(36)} median ${sorted[2]?.toFixed(2)} µs per call (min ${sorted[0]?.toFixed(2)}, max ${sorted[4]?.toFixed(2)})`,
  );
}
reader.close();
rmSync(dir, { recursive: true, force: true });
