import type { Actor, RequestMeta } from "../actor.ts";
import { type AdminAct, needsStepUp, runAdminAct } from "../admin/admin-act.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { issuerOf, newRecoveryLink } from "./recovery-link.ts";

/**
 * @module
 * Issuing a recovery link for someone else's account: an administrative act (runAdminAct) with its own
 * permission, `users.recovery_link`, which no token scope grants. A link is a password reset in the hands of
 * whoever holds it, so:
 * - a person needs a fresh password proof (step-up), and an API token can never issue one (403
 *   INSUFFICIENT_SCOPE before any lookup): a stolen token must not be an account takeover;
 * - the rank rule applies (an admin only for users ranked below; a superuser for anyone) but not the
 *   last-superuser rule, since a link takes no one's access away;
 * - never for oneself: your own password is changed on your account page, proving the current one; a
 *   superuser who lost theirs asks another superuser, or the operator runs `gatehouse users reset-link`;
 * - never for a disabled account or one waiting out its deletion (its link would be dead on arrival).
 * The link replaces the user's previous one in the same transaction, and its text is answered once.
 */
export interface IssuedLink {
  readonly link: string;
  readonly userId: string;
  readonly expiresAt: number;
}

export async function issueRecoveryLink(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<Ok<IssuedLink> | Refusal> {
  const act: AdminAct = {
    action: "users.recovery_link",
    targetId,
    change: () => ({ removesAccess: false }),
    precheck: () => (needsStepUp(deps, actor) ? refuse("REAUTH_REQUIRED") : null),
  };
  return runAdminAct(deps, actor, meta, act, async ({ tx, target, deny, succeeded }) => {
    if (actor.type === "user" && actor.user.id === target.id) {
      return deny(
        refuse("SELF_ACTION_FORBIDDEN", "Change your own password on your account page (POST /api/account/password)."),
      );
    }
    if (target.purgeAfter !== null) return deny(refuse("DELETION_PENDING"));
    if (target.status !== "active") return deny(refuse("USER_DISABLED"));
    const issuer = issuerOf(actor);
    if (issuer === null) throw new Error("an anonymous actor reached an administrative act");
    const now = deps.clock.now();
    const issued = newRecoveryLink(deps.random, target.id, issuer, now);
    const voided = await tx.replaceRecoveryLink(issued.record);
    await succeeded(now, { details: { linkId: issued.record.id, expiresAt: issued.record.expiresAt, voided } });
    return { ok: true, link: issued.link, userId: target.id, expiresAt: issued.record.expiresAt };
  });
}
