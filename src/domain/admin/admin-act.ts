import type { Actor, RequestMeta } from "../actor.ts";
import type { AuditEntry } from "../audit/audit-chain.ts";
import { type AuditFacts, auditEntry } from "../audit/audit-entry.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { recordEvents } from "../events/record-events.ts";
import type { EventFacts } from "../events/user-event.ts";
import type { StoreTx } from "../ports.ts";
import { isRecentlyAuthenticated } from "../sessions/session-record.ts";
import type { UserRecord } from "../users/user.ts";
import { type AdminAction, checkTarget, lacksScope, permits, type TargetChange } from "./authz.ts";

/**
 * @module
 * The one step every administrative act on a user takes (runAdminAct), and the lock order it takes it in
 * (lockParties): lock, re-read the actor, check permission and target rules, run the act, audit it.
 */

/**
 * Sensitive acts need a recent password proof in this session; the CLI operator is not a session. An API
 * token is exempt: it has no password to prove, and it was created with one (tokens.create always needs a
 * fresh step-up), for the scopes and lifetime its creator chose.
 */
export function needsStepUp(deps: Deps, actor: Actor): boolean {
  if (actor.type !== "user") return false;
  if (actor.token !== undefined) return false;
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
    if (user === null || user.status !== "active")
      return refuse(actor.token === undefined ? "UNAUTHENTICATED" : "INVALID_TOKEN");
    // The session the act came from must still exist too: an act in flight (a creation hashing its
    // password) from a session its owner ended meanwhile, by a password change or an admin's revocation,
    // must not commit after the owner was told every other session is gone. Both of those lock this row
    // first, so either they committed and the session is gone here, or they wait for this act.
    if (actor.session !== null && (await tx.getSessionAndUser(actor.session.id)) === null) {
      return refuse("UNAUTHENTICATED");
    }
    // Likewise the token an act came through: revoked, or its owner deleted, while the act was in flight.
    if (actor.token !== undefined && (await tx.getApiTokenAndUser(actor.token.id)) === null) {
      return refuse("INVALID_TOKEN");
    }
    current = { ...actor, user };
    // The account owner acting on their own account needs no administrative permission.
    const ownAccount = selfService && user.id === targetId;
    if (!ownAccount && !permits(current, action)) {
      return refuse(lacksScope(current, action) ? "INSUFFICIENT_SCOPE" : "FORBIDDEN");
    }
  }
  const target = targetId === null ? null : (locked.get(targetId) ?? null);
  return { ok: true, actor: current, target, activeSuperusers };
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
  /**
   * The act's success row, under the act's action and target, and the events it tells downstream systems
   * (domain/events/user-event.ts), in the same transaction.
   */
  succeeded(
    at: number,
    facts: Omit<AuditFacts, "action" | "outcome" | "targetId">,
    events?: readonly EventFacts[],
  ): Promise<AuditEntry>;
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
        async succeeded(at, facts, events = []) {
          const audit = await tx.appendAudit(
            auditEntry(actor, meta, at, { ...facts, action, outcome: "success", targetId: target.id }),
          );
          await recordEvents(tx, deps, actor, audit, events);
          return audit;
        },
      });
    }),
  );
}
