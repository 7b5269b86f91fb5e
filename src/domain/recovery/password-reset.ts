import type { StoreTx } from "../ports.ts";

/**
 * A password set by someone other than its owner proving the old one (a recovery link, the CLI's
 * set-password): the new hash, every session of the user ended (a thief holding an old cookie is out) and
 * any recovery link consumed, in the caller's transaction, with the user row already locked. API tokens
 * stay, as for a password change (docs/recovery.md says why). Returns how many sessions ended.
 */
export async function resetPassword(tx: StoreTx, userId: string, passwordHash: string, now: number): Promise<number> {
  await tx.updateUser(userId, { passwordHash }, now);
  await tx.deleteUserRecoveryLinks(userId);
  return tx.deleteUserSessions(userId);
}
