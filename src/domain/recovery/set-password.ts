import type { Actor, RequestMeta } from "../actor.ts";
import { type AdminAct, needsStepUp, runAdminAct } from "../admin/admin-act.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { revocationFacts } from "../events/user-event.ts";
import { checkPassword } from "../users/password-policy.ts";
import { resetPassword } from "./password-reset.ts";

/**
 * @module
 * Setting another account's password directly (`gatehouse users set-password`): an administrative act with
 * its own permission, `users.password.set`, which no token scope grants; the same password policy as
 * sign-up; every session of the user ended and any recovery link consumed, in the act's transaction
 * (password-reset.ts). A person acting on their own account changes it on the account page instead.
 */
export async function setPasswordAsAdmin(
  deps: Deps,
  actor: Actor,
  targetId: string,
  password: string,
  meta: RequestMeta,
): Promise<Ok<{ userId: string; sessionsRevoked: number }> | Refusal> {
  const weak = checkPassword(password);
  if (weak !== null) return weak;
  const passwordHash = await deps.hasher.hash(password);
  const act: AdminAct = {
    action: "users.password.set",
    targetId,
    change: () => ({ removesAccess: false }),
    precheck: () => (needsStepUp(deps, actor) ? refuse("REAUTH_REQUIRED") : null),
  };
  return runAdminAct(deps, actor, meta, act, async ({ tx, target, deny, succeeded }) => {
    if (actor.type === "user" && actor.user.id === target.id) {
      return deny(refuse("SELF_ACTION_FORBIDDEN", "Change your own password on your account page."));
    }
    const now = deps.clock.now();
    const sessionsRevoked = await resetPassword(tx, target.id, passwordHash, now);
    await succeeded(
      now,
      { details: { sessionsRevoked } },
      revocationFacts(target.id, "password_change", sessionsRevoked),
    );
    return { ok: true, userId: target.id, sessionsRevoked };
  });
}
