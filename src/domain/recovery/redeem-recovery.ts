import type { Actor, RequestMeta } from "../actor.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { recordEvents } from "../events/record-events.ts";
import { revocationFacts } from "../events/user-event.ts";
import type { StoreTx } from "../ports.ts";
import { secretMatches } from "../sessions/session-token.ts";
import { checkPassword } from "../users/password-policy.ts";
import type { UserRecord } from "../users/user.ts";
import { resetPassword } from "./password-reset.ts";
import {
  isRecoveryLinkExpired,
  type PresentedRecoveryLink,
  parseRecoveryLink,
  type RecoveryLinkRecord,
} from "./recovery-link.ts";

/**
 * @module
 * Redeeming a recovery link: anonymous, and one refusal for every way a link can be wrong (malformed,
 * unknown, another deployment's, a wrong secret, expired, used, voided, its user disabled, scheduled for
 * deletion or erased), so the answer is no oracle. The new password meets the sign-up policy; then, in one
 * transaction: the user locked first (the order every act on a user locks in, so a deletion racing this
 * cannot deadlock with it), the link locked and checked again, consumed, the password set, every session of
 * the user ended, the audit row and the `sessions.revoked` event (reason `password_change`, as a password
 * change records it). Of concurrent redemptions of one link exactly one finds the row still there. Every
 * refused link is audited as a denied `user.recover` (audit/denial-record.ts).
 */
const invalid = refuse("RECOVERY_LINK_INVALID");

export async function redeemRecoveryLink(
  deps: Deps,
  input: { link: string; password: string },
  meta: RequestMeta,
): Promise<Ok<{ userId: string; sessionsRevoked: number }> | Refusal> {
  const anonymous: Actor = { type: "anonymous" };
  // Every wrong link is a denied attempt in the audit log (within the denial budget), naming the account
  // only when the link's id is one of ours: the answer is the same either way.
  const denied = (targetId: string | null, tx?: StoreTx) =>
    recordDenial(deps, anonymous, meta, "user.recover", targetId, invalid, tx);
  const presented = parseRecoveryLink(input.link);
  if (presented === null) return denied(null);
  // Judged before the password is hashed: a wrong link costs no argon2 work.
  const known = await deps.store.getRecoveryLink(presented.id);
  const owner = known === null ? null : await deps.store.getUserById(known.userId);
  if (!honoured(deps, presented, known, owner)) return denied(known?.userId ?? null);
  const userId = owner.id;
  const weak = checkPassword(input.password);
  if (weak !== null) return weak;
  const passwordHash = await deps.hasher.hash(input.password);
  return auditFailures(deps, anonymous, meta, "user.recover", userId, () =>
    deps.store.transaction(async (tx) => {
      const user = await tx.lockUser(userId);
      const link = await tx.lockRecoveryLink(presented.id);
      // Used, voided or its user changed since the read above (a concurrent redemption won, most likely).
      if (link === null || !honoured(deps, presented, link, user)) return denied(userId, tx);
      if (!(await tx.deleteRecoveryLink(link.id))) return denied(userId, tx);
      const now = deps.clock.now();
      const sessionsRevoked = await resetPassword(tx, user.id, passwordHash, now);
      const audit = await tx.appendAudit(
        auditEntry(anonymous, meta, now, {
          action: "user.recover",
          outcome: "success",
          targetId: user.id,
          details: { linkId: link.id, sessionsRevoked },
        }),
      );
      await recordEvents(tx, deps, anonymous, audit, revocationFacts(user.id, "password_change", sessionsRevoked));
      return { ok: true as const, userId: user.id, sessionsRevoked };
    }),
  );
}

/**
 * Whether the link is one this server issued and still honours: its row, the secret's hash compared in
 * constant time, not expired, and its user's, active and not waiting out a deletion.
 */
function honoured(
  deps: Deps,
  presented: PresentedRecoveryLink,
  link: RecoveryLinkRecord | null,
  user: UserRecord | null,
): user is UserRecord {
  if (link === null || user === null || link.userId !== user.id) return false;
  if (!secretMatches(presented.secret, link.secretHash)) return false;
  if (isRecoveryLinkExpired(link, deps.clock.now())) return false;
  return user.status === "active" && user.purgeAfter === null;
}
