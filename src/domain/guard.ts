import { type AdminAction, checkTarget, permits, type TargetChange } from "./authz.ts";
import { type Actor, type AuditFacts, auditEntry, type Deps, type RequestMeta } from "./context.ts";
import type { DenialAdmission } from "./denial-budget.ts";
import { type Ok, type Refusal, rateLimitedRefusal, refuse } from "./errors.ts";
import type { StoreReads, StoreTx } from "./ports.ts";
import { isRecentlyAuthenticated } from "./session.ts";
import type { UserRecord } from "./user.ts";

/**
 * Every refusal of an administrative act is itself recorded (ASVS 16.3.2): who tried what on which id,
 * and why not. Inside a transaction the row commits with it (the refused act wrote nothing else).
 * The refusal is decided before this is called: the lookup below only chooses what the record says
 * (the id, or its pseudonym), never the answer, and every refusal makes it, whether the id exists or not.
 * Within the denial budget, that is; past it the refusal becomes RATE_LIMITED and is not written.
 */
export async function recordDenial(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: AdminAction | string,
  targetId: string | null,
  refusal: Refusal,
  tx?: StoreTx,
): Promise<Refusal> {
  const admission = deps.denials.admit(actor.type === "user" ? actor.user.id : null, meta.network ?? meta.ip);
  if (!admission.admitted) return throttledDenial(deps, actor, meta, action, admission, tx);
  const entry = auditEntry(actor, meta, deps.clock.now(), {
    action,
    outcome: "denied",
    targetId: targetId === null ? null : await auditedTargetId(deps, tx ?? deps.store, targetId),
    reason: refusal.code,
  });
  if (tx !== undefined) await tx.appendAudit(entry);
  else await deps.store.transaction((own) => own.appendAudit(entry));
  return refusal;
}

/**
 * A refusal past the denial budget (domain/denial-budget.ts): 429, and no row of its own. The first of a
 * burst writes one row saying that refusals from this account or address are being throttled, so the log
 * still shows that someone kept being refused, and from when.
 */
async function throttledDenial(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: string,
  admission: Extract<DenialAdmission, { admitted: false }>,
  tx: StoreTx | undefined,
): Promise<Refusal> {
  if (admission.newlyThrottled.length > 0) {
    const entry = auditEntry(actor, meta, deps.clock.now(), {
      action: "audit.denials_throttled",
      outcome: "denied",
      reason: "RATE_LIMITED",
      details: { throttled: admission.newlyThrottled.join(","), firstAction: action },
    });
    if (tx !== undefined) await tx.appendAudit(entry);
    else await deps.store.transaction((own) => own.appendAudit(entry));
  }
  return rateLimitedRefusal(admission.retryAfterMs);
}

/** User ids are UUIDs; anything longer, or not plain text, names nobody and is not worth a query. */
const longestUserId = 64;

/**
 * An id from a request is kept only when it names a user; anything else (an e-mail address typed into the
 * URL, a probe) becomes its keyed pseudonym, so no caller-chosen text reaches the append-only log.
 */
async function auditedTargetId(deps: Deps, reads: StoreReads, id: string): Promise<string> {
  const couldNameUser = id.length > 0 && id.length <= longestUserId && id.isWellFormed() && !id.includes("\u0000");
  if (couldNameUser && (await reads.getUserById(id)) !== null) return id;
  return deps.auditPseudonym(id);
}

/**
 * Permitted at all? Asked before any lookup, so that a 403 is the same answer whether the target exists or
 * not (authz.ts); the refusal is audited under `auditedAs` (a deletion plan under its own action).
 */
export async function refusedPermission(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: AdminAction,
  targetId: string | null,
  auditedAs: string = action,
): Promise<Refusal | null> {
  if (permits(actor, action)) return null;
  return recordDenial(deps, actor, meta, auditedAs, targetId, refuse("FORBIDDEN"));
}

/** Sensitive acts need a recent password proof in this session; the CLI operator is not a session. */
export function needsStepUp(deps: Deps, actor: Actor): boolean {
  if (actor.type !== "user") return false;
  return actor.session === null || !isRecentlyAuthenticated(actor.session, deps.clock.now(), deps.lifetimes);
}

export interface LockedParties {
  readonly ok: true;
  /** The actor as it is now, inside the transaction (its role may have changed since its session check). */
  readonly actor: Actor;
  readonly target: UserRecord | null;
  readonly activeSuperusers: number;
}

/**
 * Locks what an administrative act depends on, always in the same order so that concurrent acts cannot
 * deadlock: the active superusers (by id), then the actor and the target (by id). The actor is re-read: one
 * deleted, disabled or demoted after its session check but before this transaction cannot finish the act,
 * nor can one whose session ended meanwhile.
 * Acts without a target (creating an account) pass null and still lock and re-read their actor, so nothing
 * a demoted or deleted actor started commits after its demotion or deletion.
 */
export async function lockParties(
  tx: StoreTx,
  actor: Actor,
  action: AdminAction,
  targetId: string | null,
  selfService = false,
): Promise<LockedParties | Refusal> {
  const activeSuperusers = await tx.lockActiveSuperusers();
  const actorId = actor.type === "user" ? actor.user.id : null;
  const ids = [...new Set([actorId, targetId].filter((id): id is string => id !== null))].sort();
  const locked = new Map<string, UserRecord | null>();
  for (const id of ids) locked.set(id, await tx.lockUser(id));
  let current: Actor = actor;
  if (actor.type === "user") {
    const user = locked.get(actor.user.id) ?? null;
    if (user === null || user.status !== "active") return refuse("UNAUTHENTICATED");
    // The session the act came from must still exist too: an act in flight (a creation hashing its
    // password) from a session its owner ended meanwhile, by a password change or an admin's revocation,
    // must not commit after the owner was told every other session is gone. Both of those lock this row
    // first, so either they committed and the session is gone here, or they wait for this act.
    if (actor.session !== null && (await tx.getSessionAndUser(actor.session.id)) === null) {
      return refuse("UNAUTHENTICATED");
    }
    current = { ...actor, user };
    // The account owner acting on their own account needs no administrative permission.
    const ownAccount = selfService && user.id === targetId;
    if (!ownAccount && !permits(current, action)) return refuse("FORBIDDEN");
  }
  const target = targetId === null ? null : (locked.get(targetId) ?? null);
  return { ok: true, actor: current, target, activeSuperusers };
}

/**
 * An administrative act that fails (a fault, not a refusal: the database gone, a deadlock that outlived its
 * retries) is still recorded, as a failure, in a transaction of its own, since the act's own rolled back.
 * The fault is then rethrown for the edge to answer 500. If even the record cannot be written (the database
 * is unreachable), the original fault is what the caller sees.
 */
export async function auditFailures<T>(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  action: string,
  targetId: string | null,
  act: () => Promise<T>,
): Promise<T> {
  try {
    return await act();
  } catch (fault) {
    await deps.store
      .transaction(async (tx) => {
        const entry = auditEntry(actor, meta, deps.clock.now(), {
          action,
          outcome: "failure",
          targetId: targetId === null ? null : await auditedTargetId(deps, tx, targetId),
          reason: "INTERNAL",
        });
        await tx.appendAudit(entry);
      })
      .catch(() => {});
    throw fault;
  }
}

/** An administrative act on one user, as runAdminAct needs to know it. */
export interface AdminAct {
  readonly action: AdminAction;
  readonly targetId: string;
  /** What the act would do to the target as it is now (locked), for the target rules (authz.ts). */
  readonly change: (target: UserRecord) => Omit<TargetChange, "selfService">;
  /** The account owner on their own account (self-deletion, re-authenticated): no admin permission needed. */
  readonly selfService?: boolean;
  /**
   * What refuses the act before any lookup, once the permission is known to be held: the step-up (a fresh
   * password proof), which does not depend on the target. Null lets the act go on.
   */
  readonly precheck?: () => Refusal | null | Promise<Refusal | null>;
}

/** What an act's body gets: its transaction, its target locked and checked, and its audit rows. */
export interface LockedTarget {
  readonly tx: StoreTx;
  readonly target: UserRecord;
  /** Refuses the act on a rule only its body knows; audited in the act's transaction like every refusal. */
  deny(refusal: Refusal): Promise<Refusal>;
  /** The act's success row, under the act's action and target. */
  succeeded(at: number, facts: Omit<AuditFacts, "action" | "outcome" | "targetId">): Promise<void>;
}

/**
 * The one step of every administrative act on a user, deletion included, in the order authz.ts states: the
 * permission at all (403 before any lookup; the owner's own account in self-service needs none), the
 * act's precheck (step-up), then one transaction that locks the parties (lockParties: superusers, actor,
 * target, in that order), finds the target (404), applies the target rules (rank, self, last superuser:
 * authz.ts checkTarget) and only then runs the act's body. Every refusal on the way is audited, inside the
 * transaction once there is one; a fault is audited as a failure by auditFailures and rethrown. A new act on
 * a user (token revocation, deactivation) is an AdminAct and a body passed to this, nothing more.
 */
export async function runAdminAct<T extends object>(
  deps: Deps,
  actor: Actor,
  meta: RequestMeta,
  act: AdminAct,
  body: (locked: LockedTarget) => Promise<Ok<T> | Refusal>,
): Promise<Ok<T> | Refusal> {
  const { action, targetId } = act;
  const selfService = act.selfService === true && actor.type === "user" && actor.user.id === targetId;
  const denied = selfService ? null : await refusedPermission(deps, actor, meta, action, targetId);
  if (denied !== null) return denied;
  const early = (await act.precheck?.()) ?? null;
  if (early !== null) return recordDenial(deps, actor, meta, action, targetId, early);
  return auditFailures(deps, actor, meta, action, targetId, () =>
    deps.store.transaction(async (tx) => {
      // The record names the caller as its request established it; the rules judge the actor as locked.
      const deny = (id: string, refusal: Refusal) => recordDenial(deps, actor, meta, action, id, refusal, tx);
      const parties = await lockParties(tx, actor, action, targetId, selfService);
      if (!parties.ok) return deny(targetId, parties);
      const { target, activeSuperusers } = parties;
      if (target === null) return deny(targetId, refuse("USER_NOT_FOUND"));
      const change: TargetChange = { ...act.change(target), ...(selfService ? { selfService } : {}) };
      const refusal = checkTarget(parties.actor, action, { target, activeSuperusers }, change);
      if (refusal !== null) return deny(target.id, refusal);
      return body({
        tx,
        target,
        deny: (refused) => deny(target.id, refused),
        async succeeded(at, facts) {
          await tx.appendAudit(
            auditEntry(actor, meta, at, { ...facts, action, outcome: "success", targetId: target.id }),
          );
        },
      });
    }),
  );
}
