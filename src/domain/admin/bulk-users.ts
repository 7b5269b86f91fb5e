import type { Actor, RequestMeta } from "../actor.ts";
import { refusedPermission } from "../audit/denial-record.ts";
import { deleteUser } from "../deletion/delete-user.ts";
import { type DeletionPlan, planDeletion } from "../deletion/deletion-plan.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { isPrivileged } from "../users/role.ts";
import type { UserRecord } from "../users/user.ts";
import { needsStepUp } from "./admin-act.ts";
import type { AdminAction } from "./authz.ts";
import { revokeUserSessions, updateUserAsAdmin } from "./user-admin.ts";
import { refusalFor } from "./user-controls.ts";

/**
 * @module
 * Acts on several selected users at once: first a plan per user (what would happen, or which rule refuses
 * it), then each user through the one use case for that act (deleteUser, updateUserAsAdmin,
 * revokeUserSessions), so a batch obeys every per-user rule (rank, self, last superuser) and is audited per
 * user exactly as the single acts are. Nothing here decides a rule of its own.
 */
export const bulkActs = ["disable", "end-sessions", "delete"] as const;
export type BulkAct = (typeof bulkActs)[number];

/** A selection's bound: a page of the list. */
export const maxBulkSelection = 100;

const permissionOf: Readonly<Record<BulkAct, AdminAction>> = {
  disable: "users.update",
  "end-sessions": "users.sessions.revoke",
  delete: "users.delete",
};

export interface BulkPlanEntry {
  readonly id: string;
  /** Null: no such user (deleted since the list was shown). */
  readonly user: UserRecord | null;
  /** The rule that would refuse this user, or null when the act would go ahead. */
  readonly refusal: Refusal | null;
  /** Null when withheld (a user ranked above the viewer) or refused. */
  readonly sessions: number | null;
  readonly tokens: number | null;
  /** For a deletion: its plan (erased now or scheduled, what goes). */
  readonly deletion: DeletionPlan | null;
}

export interface BulkPlan {
  readonly act: BulkAct;
  readonly entries: readonly BulkPlanEntry[];
  /** Whether running it needs a fresh password proof first (the whole batch asks once). */
  readonly needsStepUp: boolean;
}

/** Whether any act of the batch needs a fresh password proof: deletion always, disabling an administrator. */
function batchNeedsStepUp(act: BulkAct, users: readonly (UserRecord | null)[]): boolean {
  if (act === "delete") return true;
  return act === "disable" && users.some((user) => user !== null && isPrivileged(user.role));
}

/** The plan, changing nothing. The permission at all is checked first (403 before any lookup, audited). */
export async function planBulkAct(
  deps: Deps,
  actor: Actor,
  act: BulkAct,
  ids: readonly string[],
  meta: RequestMeta,
): Promise<Ok<BulkPlan> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, permissionOf[act], null);
  if (denied !== null) return denied;
  const activeSuperusers = await deps.store.countActiveSuperusers();
  const entries: BulkPlanEntry[] = [];
  for (const id of new Set(ids)) entries.push(await planOne(deps, actor, act, id, activeSuperusers, meta));
  const users = entries.map((entry) => entry.user);
  return {
    ok: true,
    act,
    entries,
    needsStepUp: batchNeedsStepUp(act, users) && needsStepUp(deps, actor),
  };
}

async function planOne(
  deps: Deps,
  actor: Actor,
  act: BulkAct,
  id: string,
  activeSuperusers: number,
  meta: RequestMeta,
): Promise<BulkPlanEntry> {
  const user = await deps.store.getUserById(id);
  if (user === null) {
    return { id, user, refusal: refuse("USER_NOT_FOUND"), sessions: null, tokens: null, deletion: null };
  }
  if (act === "delete") {
    const plan = await planDeletion(deps, actor, id, meta);
    if (!plan.ok) return { id, user, refusal: plan, sessions: null, tokens: null, deletion: null };
    // The step-up is asked once for the batch, not held against each user.
    const blocker = plan.blockers.find((b) => b.code !== "REAUTH_REQUIRED");
    const refusal = blocker === undefined ? null : refuse(blocker.code, blocker.detail ?? undefined);
    return { id, user, refusal, sessions: plan.sessionsToRevoke, tokens: plan.tokensToRevoke, deletion: plan };
  }
  const refusal =
    act === "disable"
      ? user.status === "active"
        ? refusalFor(actor, "users.update", user, activeSuperusers, { removesAccess: true })
        : refuse("VALIDATION_FAILED", "Already disabled.")
      : refusalFor(actor, "users.sessions.revoke", user, activeSuperusers, { removesAccess: false });
  if (refusal !== null) return { id, user, refusal, sessions: null, tokens: null, deletion: null };
  const sessions = (await deps.store.listUserSessions(id)).length;
  const tokens = act === "disable" ? (await deps.store.listUserApiTokens(id)).length : 0;
  return { id, user, refusal: null, sessions, tokens, deletion: null };
}

export interface BulkResult {
  readonly id: string;
  /** The address as it was before the act (an erased account's is shown only in this answer). */
  readonly email: string | null;
  readonly outcome: BulkOutcome | Refusal;
}

export interface BulkOutcome {
  readonly ok: true;
  readonly status: "deleted" | "scheduled" | "disabled" | "sessions-ended";
  readonly sessionsRevoked: number;
  readonly tokensRevoked: number;
  /** A scheduled deletion's erasure time. */
  readonly purgeAfter: string | null;
}

/**
 * Runs the act on each selected user, one use case call per user, in the order given. A stale session is
 * refused once for the whole batch before any user is touched (each use case would refuse it anyway).
 */
export async function runBulkAct(
  deps: Deps,
  actor: Actor,
  act: BulkAct,
  ids: readonly string[],
  options: { reason?: string },
  meta: RequestMeta,
): Promise<Ok<{ results: BulkResult[] }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, permissionOf[act], null);
  if (denied !== null) return denied;
  const unique = [...new Set(ids)];
  const before = await Promise.all(unique.map((id) => deps.store.getUserById(id)));
  if (batchNeedsStepUp(act, before) && needsStepUp(deps, actor)) return refuse("REAUTH_REQUIRED");
  const results: BulkResult[] = [];
  for (const [index, id] of unique.entries()) {
    const email = before[index]?.email ?? null;
    // Disabling a disabled account would change nothing: reported as the plan showed it, not run.
    const outcome =
      act === "disable" && before[index]?.status === "disabled"
        ? refuse("VALIDATION_FAILED", "Already disabled.")
        : await runOne(deps, actor, act, id, options, meta);
    results.push({ id, email, outcome });
  }
  return { ok: true, results };
}

async function runOne(
  deps: Deps,
  actor: Actor,
  act: BulkAct,
  id: string,
  options: { reason?: string },
  meta: RequestMeta,
): Promise<BulkOutcome | Refusal> {
  if (act === "delete") {
    const deleted = await deleteUser(deps, actor, id, options, meta);
    if (!deleted.ok) return deleted;
    const { status, sessionsRevoked, tokensRevoked, purgeAfter } = deleted.receipt;
    return { ok: true, status, sessionsRevoked, tokensRevoked, purgeAfter };
  }
  if (act === "disable") {
    const updated = await updateUserAsAdmin(deps, actor, id, { status: "disabled", ...options }, meta);
    if (!updated.ok) return updated;
    const { sessionsRevoked, tokensRevoked } = updated;
    return { ok: true, status: "disabled", sessionsRevoked, tokensRevoked, purgeAfter: null };
  }
  const ended = await revokeUserSessions(deps, actor, id, meta);
  if (!ended.ok) return ended;
  return {
    ok: true,
    status: "sessions-ended",
    sessionsRevoked: ended.sessionsRevoked,
    tokensRevoked: 0,
    purgeAfter: null,
  };
}
