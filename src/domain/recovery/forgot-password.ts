import type { RequestMeta } from "../actor.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { passwordResetMail } from "../mail/password-reset-mail.ts";
import { findUserByEmail } from "../users/accounts.ts";
import type { UserRecord } from "../users/user.ts";
import { type IssuedRecoveryLink, newRecoveryLink, recoveryLinkLifetimeMs, recoveryUrl } from "./recovery-link.ts";

/**
 * @module
 * "Forgot password?" (docs/recovery.md, "By e-mail"): anyone may ask for a recovery link for an address, and
 * the answer is one sentence whatever the address is. The request itself only enqueues a job (the same
 * synchronous step for every address); the job, after the answer, looks the address up the way sign-in does,
 * and only for an active account not waiting out a deletion issues a recovery link as the system (the very
 * links of recovery-link.ts, redeemed at /recover/<link>), audited like an admin's `users.recovery_link`
 * with no address in the row, and mails it to the address the account has. `allowed` is the edge's
 * per-address mail budget, reserved for every request alike: past it the answer is the same, and no mail.
 */
export const forgotPasswordAnswer = "If an account exists for this address, we sent a link.";

export function requestPasswordReset(
  deps: Deps,
  input: { readonly email: string; readonly allowed: boolean },
  meta: RequestMeta,
): Ok<{ message: string }> | Refusal {
  const mailer = deps.mailer;
  if (mailer === null) return refuse("MAIL_NOT_CONFIGURED");
  mailer.enqueue("password_reset", async () => {
    const candidate = await findUserByEmail(deps.store, input.email);
    if (!input.allowed || !recoverable(candidate)) return null;
    const issued = await issueBySystem(deps, candidate.id, meta);
    if (issued === null) return null;
    const minutes = recoveryLinkLifetimeMs / 60_000;
    return passwordResetMail(issued.to, recoveryUrl(deps.publicUrl, issued.link.link), minutes);
  });
  return { ok: true, message: forgotPasswordAnswer };
}

function recoverable(user: UserRecord | null): user is UserRecord {
  return user !== null && user.status === "active" && user.purgeAfter === null;
}

/**
 * The link, replacing the user's previous one, with the user locked and judged again (a disabling or
 * deletion that committed since the lookup wins); null when the account is no longer recoverable.
 */
async function issueBySystem(
  deps: Deps,
  userId: string,
  meta: RequestMeta,
): Promise<{ link: IssuedRecoveryLink; to: string } | null> {
  return deps.store.transaction(async (tx) => {
    const user = await tx.lockUser(userId);
    if (!recoverable(user)) return null;
    const now = deps.clock.now();
    const link = newRecoveryLink(deps.random, user.id, { type: "system" }, now);
    const voided = await tx.replaceRecoveryLink(link.record);
    await tx.appendAudit(
      auditEntry({ type: "system" }, meta, now, {
        action: "users.recovery_link",
        outcome: "success",
        targetId: user.id,
        details: { linkId: link.record.id, expiresAt: link.record.expiresAt, voided, via: "email" },
      }),
    );
    return { link, to: user.email };
  });
}
