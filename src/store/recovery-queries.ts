import type { RecoveryIssuer, RecoveryLinkRecord } from "../domain/recovery/recovery-link.ts";
import type { Dialect, SqlExecutor } from "./sql-engine.ts";

/**
 * @module
 * The recovery_links table's SQL (migration 8): one live link per user (user_id is UNIQUE), its secret as
 * SHA-256 only, who issued it by kind and id.
 */
const columns = "id, user_id, secret_hash, created_at, expires_at, issued_by_type, issued_by_id";

interface RecoveryLinkRow {
  id: string;
  user_id: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
  issued_by_type: string;
  issued_by_id: string | null;
}

function toIssuer(row: RecoveryLinkRow): RecoveryIssuer {
  if (row.issued_by_type === "user" && row.issued_by_id !== null) return { type: "user", id: row.issued_by_id };
  return { type: row.issued_by_type === "cli" ? "cli" : "system" };
}

function toRecoveryLink(row: RecoveryLinkRow): RecoveryLinkRecord {
  return {
    id: row.id,
    userId: row.user_id,
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    issuedBy: toIssuer(row),
  };
}

export async function getRecoveryLink(db: SqlExecutor, id: string): Promise<RecoveryLinkRecord | null> {
  const row = await db.get<RecoveryLinkRow>(`SELECT ${columns} FROM recovery_links WHERE id = ?`, [id]);
  return row === undefined ? null : toRecoveryLink(row);
}

export async function lockRecoveryLink(
  db: SqlExecutor,
  dialect: Dialect,
  id: string,
): Promise<RecoveryLinkRecord | null> {
  const row = await db.get<RecoveryLinkRow>(
    `SELECT ${columns} FROM recovery_links WHERE id = ?${dialect.lockRowsSuffix}`,
    [id],
  );
  return row === undefined ? null : toRecoveryLink(row);
}

/** The user's link, replacing any earlier one in the same statement pair; returns how many it voided. */
export async function replaceRecoveryLink(db: SqlExecutor, link: RecoveryLinkRecord): Promise<number> {
  const voided = await db.run("DELETE FROM recovery_links WHERE user_id = ?", [link.userId]);
  await db.run(`INSERT INTO recovery_links (${columns}) VALUES (?, ?, ?, ?, ?, ?, ?)`, [
    link.id,
    link.userId,
    link.secretHash,
    link.createdAt,
    link.expiresAt,
    link.issuedBy.type,
    link.issuedBy.type === "user" ? link.issuedBy.id : null,
  ]);
  return voided;
}

export async function deleteRecoveryLink(db: SqlExecutor, id: string): Promise<boolean> {
  return (await db.run("DELETE FROM recovery_links WHERE id = ?", [id])) === 1;
}

export function deleteUserRecoveryLinks(db: SqlExecutor, userId: string): Promise<number> {
  return db.run("DELETE FROM recovery_links WHERE user_id = ?", [userId]);
}
