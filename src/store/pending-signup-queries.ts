import type { PendingSignupRecord } from "../domain/users/pending-signup.ts";
import type { Dialect, SqlExecutor } from "./sql-engine.ts";

/**
 * @module
 * The pending_signups table's SQL (migration 10): one row per address key, the link secret as SHA-256 only.
 */
const columns = "id, email_key, email, name, password_hash, secret_hash, created_at, expires_at";

interface PendingSignupRow {
  id: string;
  email_key: string;
  email: string;
  name: string;
  password_hash: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
}

function toPendingSignup(row: PendingSignupRow): PendingSignupRecord {
  return {
    id: row.id,
    emailKey: row.email_key,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

export async function getPendingSignup(db: SqlExecutor, id: string): Promise<PendingSignupRecord | null> {
  const row = await db.get<PendingSignupRow>(`SELECT ${columns} FROM pending_signups WHERE id = ?`, [id]);
  return row === undefined ? null : toPendingSignup(row);
}

/** The address's pending sign-up, replacing any earlier one. */
export async function replacePendingSignup(db: SqlExecutor, record: PendingSignupRecord): Promise<void> {
  await db.run("DELETE FROM pending_signups WHERE email_key = ?", [record.emailKey]);
  await db.run(`INSERT INTO pending_signups (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
    record.id,
    record.emailKey,
    record.email,
    record.name,
    record.passwordHash,
    record.secretHash,
    record.createdAt,
    record.expiresAt,
  ]);
}

export async function lockPendingSignup(
  db: SqlExecutor,
  dialect: Dialect,
  id: string,
): Promise<PendingSignupRecord | null> {
  const row = await db.get<PendingSignupRow>(
    `SELECT ${columns} FROM pending_signups WHERE id = ?${dialect.lockRowsSuffix}`,
    [id],
  );
  return row === undefined ? null : toPendingSignup(row);
}

export async function deletePendingSignup(db: SqlExecutor, id: string): Promise<boolean> {
  return (await db.run("DELETE FROM pending_signups WHERE id = ?", [id])) === 1;
}

export function deletePendingSignupsFor(db: SqlExecutor, emailKey: string): Promise<number> {
  return db.run("DELETE FROM pending_signups WHERE email_key = ?", [emailKey]);
}

/** Up to `limit` expired rows, oldest first, through the expires_at index. */
export function deleteExpiredPendingSignups(db: SqlExecutor, now: number, limit: number): Promise<number> {
  return db.run(
    "DELETE FROM pending_signups WHERE id IN (SELECT id FROM pending_signups WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)",
    [now, limit],
  );
}
