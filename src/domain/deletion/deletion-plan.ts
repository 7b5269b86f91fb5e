import type { Actor, RequestMeta } from "../actor.ts";
import { needsStepUp } from "../admin/admin-act.ts";
import { checkTarget } from "../admin/authz.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import { type ErrorCode, errorCodes, type Ok, type Refusal, refuse } from "../errors.ts";
import { erasesNow } from "./delete-user.ts";

/**
 * @module
 * What deleting a user would do, or what stops it, without changing anything: the same permission and
 * target rules as the deletion itself, evaluated on a read. Used by the confirmation page and by clients
 * that want to show the consequences first.
 */
export interface DeletionPlan {
  readonly id: string;
  readonly allowed: boolean;
  readonly blockers: readonly { code: ErrorCode; title: string; detail: string | null }[];
  readonly mode: "erase" | "schedule";
  readonly purgeAfter: string | null;
  /** Null when the caller may not see the target's sessions (it ranks too high for this caller). */
  readonly sessionsToRevoke: number | null;
  /** The API tokens that die with the deletion; null when the sessions' count is withheld too. */
  readonly tokensToRevoke: number | null;
  /** What goes, in order: codes that each edge words (http/removal-text.ts), never prose to match on. */
  readonly removes: readonly Removal[];
}

/** Something a deletion takes away, and when: with the deletion ("now") or at the purge (at purgeAfter). */
export interface Removal {
  readonly what: "sessions" | "api-tokens" | "sign-in" | "personal-data";
  readonly when: "now" | "purge";
}

/**
 * An erasure takes everything now (sign-in goes with the account). A scheduled deletion ends the sessions
 * and sign-in now, and the account and its personal data at the purge.
 */
const erased: readonly Removal[] = [
  { what: "sessions", when: "now" },
  { what: "api-tokens", when: "now" },
  { what: "personal-data", when: "now" },
];
const scheduled: readonly Removal[] = [
  { what: "sessions", when: "now" },
  { what: "api-tokens", when: "now" },
  { what: "sign-in", when: "now" },
  { what: "personal-data", when: "purge" },
];

export async function planDeletion(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<Ok<DeletionPlan> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "users.delete", targetId, "users.deletion_plan");
  if (denied !== null) return denied;
  const target = await deps.store.getUserById(targetId);
  if (target === null) {
    return recordDenial(deps, actor, meta, "users.deletion_plan", targetId, refuse("USER_NOT_FOUND"));
  }
  const activeSuperusers = await deps.store.countActiveSuperusers();
  const blockers: Refusal[] = [];
  const rule = checkTarget(actor, "users.delete", { target, activeSuperusers }, { removesAccess: true });
  if (rule !== null) blockers.push(rule);
  if (needsStepUp(deps, actor)) blockers.push(refuse("REAUTH_REQUIRED", "Confirm your password before deleting."));
  const sessions = await deps.store.listUserSessions(target.id);
  const tokens = await deps.store.listUserApiTokens(target.id);
  const withheld = blockers.some((b) => b.code === "FORBIDDEN");
  const erase = erasesNow(deps, target);
  const now = deps.clock.now();
  return {
    ok: true,
    id: target.id,
    allowed: blockers.length === 0,
    blockers: blockers.map((b) => ({ code: b.code, title: errorCodes[b.code].title, detail: b.detail ?? null })),
    mode: erase ? "erase" : "schedule",
    purgeAfter: erase ? null : new Date(now + deps.deletionGraceMs).toISOString(),
    sessionsToRevoke: withheld ? null : sessions.length,
    tokensToRevoke: withheld ? null : tokens.length,
    removes: erase ? erased : scheduled,
  };
}
