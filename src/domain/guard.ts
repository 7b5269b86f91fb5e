import { type AdminAction, permits } from "./authz.ts";
import { type Actor, auditEntry, type Deps, type RequestMeta } from "./context.ts";
import { type Refusal, refuse } from "./errors.ts";
import type { StoreReads, StoreTx } from "./ports.ts";
import { isRecentlyAuthenticated } from "./session.ts";
import type { UserRecord } from "./user.ts";

/**
 * Every refusal of an administrative act is itself recorded (ASVS 16.3.2): who tried what on which id,
 * and why not. Inside a transaction the row commits with it (the refused act wrote nothing else).
 * The refusal is decided before this is called: the lookup below only chooses what the record says
 * (the id, or its pseudonym), never the answer, and every refusal makes it, whether the id exists or not.
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
 * deleted, disabled or demoted after its session check but before this transaction cannot finish the act.
 */
export async function lockParties(
  tx: StoreTx,
  actor: Actor,
  action: AdminAction,
  targetId: string,
  selfService = false,
): Promise<LockedParties | Refusal> {
  const activeSuperusers = await tx.countActiveSuperusers();
  const actorId = actor.type === "user" ? actor.user.id : null;
  const ids = actorId === null || actorId === targetId ? [targetId] : [actorId, targetId].sort();
  const locked = new Map<string, UserRecord | null>();
  for (const id of ids) locked.set(id, await tx.lockUser(id));
  let current: Actor = actor;
  if (actor.type === "user") {
    const user = locked.get(actor.user.id) ?? null;
    if (user === null || user.status !== "active") return refuse("UNAUTHENTICATED");
    current = { ...actor, user };
    // The account owner acting on their own account needs no administrative permission.
    const ownAccount = selfService && user.id === targetId;
    if (!ownAccount && !permits(current, action)) return refuse("FORBIDDEN");
  }
  return { ok: true, actor: current, target: locked.get(targetId) ?? null, activeSuperusers };
}
