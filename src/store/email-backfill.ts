import { normalizeEmail, searchKey } from "../domain/users/email.ts";
import { emailSkeleton } from "../domain/users/email-skeleton.ts";
import type { SqlEngine } from "./sql-engine.ts";

export interface EmailBackfillResult {
  /** Accounts that were given their confusable skeleton. */
  readonly filled: number;
  /** Accounts whose key (and so the address they show) the current normalization rewrote. */
  readonly rewritten: number;
  /**
   * Accounts that look like an earlier account (the same skeleton) and so keep none: they existed before
   * the check did. Ids only (the log keeps no addresses); an operator reviews them (`gatehouse users list`).
   */
  readonly lookAlikes: readonly string[];
}

interface PendingRow {
  id: string;
  email: string;
  email_normalized: string;
  name: string;
  created_at: number;
}

const pageSize = 500;

/**
 * Gives every account without a skeleton its key and skeleton under the current rules (domain/users/email.ts):
 * those from before schema version 4, and any inserted by an older release during a rolling upgrade. SQL
 * cannot compute either, so this runs in JavaScript, at every open after migrating; with nothing to do it
 * costs one indexed count. Idempotent: what it writes it never rewrites.
 *
 * Oldest account first, each claims what is still free: a new key that another account already holds is
 * not taken (the account keeps its old key, and login finds it by the old form, domain/users/accounts.ts
 * findUserByEmail); a skeleton already held leaves this account's NULL (reported in lookAlikes), so that
 * no new account can look like the earlier one. One transaction, with new accounts held off meanwhile.
 */
export async function backfillEmailIdentities(engine: SqlEngine): Promise<EmailBackfillResult> {
  const pending = await engine.get<{ n: number }>("SELECT COUNT(*) AS n FROM users WHERE email_skeleton IS NULL");
  if (Number(pending?.n ?? 0) === 0) return { filled: 0, rewritten: 0, lookAlikes: [] };
  return engine.transaction(async (tx) => {
    if (engine.dialect.lockUsersSql !== null) await tx.exec(engine.dialect.lockUsersSql);
    let filled = 0;
    let rewritten = 0;
    const lookAlikes: string[] = [];
    let after = { createdAt: Number.MIN_SAFE_INTEGER, id: "" };
    for (;;) {
      // Keyset pages: rows this loop fills leave the NULL set, the look-alikes stay in it and are passed.
      const rows = await tx.all<PendingRow>(
        `SELECT id, email, email_normalized, name, created_at FROM users WHERE email_skeleton IS NULL
          AND (created_at > ? OR (created_at = ? AND id > ?)) ORDER BY created_at, id LIMIT ?`,
        [after.createdAt, after.createdAt, after.id, pageSize],
      );
      for (const row of rows) {
        const key = normalizeEmail(row.email);
        const keyHolder =
          key === row.email_normalized
            ? undefined
            : await tx.get<{ id: string }>("SELECT id FROM users WHERE email_normalized = ?", [key]);
        const finalKey = keyHolder === undefined ? key : row.email_normalized;
        // The skeleton of the new key even when the old one stays: it is the address's look that counts.
        const skeleton = emailSkeleton(key);
        const skeletonHolder = await tx.get<{ id: string }>("SELECT id FROM users WHERE email_skeleton = ?", [
          skeleton,
        ]);
        const claimed = skeletonHolder === undefined ? skeleton : null;
        if (claimed === null) lookAlikes.push(row.id);
        else filled += 1;
        if (finalKey !== row.email_normalized) rewritten += 1;
        if (claimed !== null || finalKey !== row.email_normalized || finalKey !== row.email) {
          await tx.run(
            "UPDATE users SET email = ?, email_normalized = ?, search_text = ?, email_skeleton = ? WHERE id = ?",
            [finalKey, finalKey, `${finalKey} ${searchKey(row.name)}`, claimed, row.id],
          );
        }
      }
      const last = rows.at(-1);
      if (rows.length < pageSize || last === undefined) break;
      after = { createdAt: last.created_at, id: last.id };
    }
    return { filled, rewritten, lookAlikes };
  });
}
