import { type Actor, type Authenticated, actorOf, type RequestMeta } from "../actor.ts";
import { type AdminAct, needsStepUp, runAdminAct } from "../admin/admin-act.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { recordEvents } from "../events/record-events.ts";
import { revocationFacts } from "../events/user-event.ts";
import { mentionsEmail, normalizeEmail } from "../users/email.ts";
import type { UserRecord } from "../users/user.ts";

/**
 * @module
 * The one deletion use case. The admin API, the admin pages, self-service, the CLI and the purge job all
 * come here, and all get the same checks, transaction, audit row and receipt. In one transaction, in this
 * order: lock the superuser set and the target -> target rules (both the admin-act step, runAdminAct) ->
 * revoke every session, every API token and the recovery link -> erase (or disable and schedule the erasure) -> audit row -> commit. The target's
 * sessions are gone before the response that reports the deletion can be sent, and a login racing the
 * deletion either commits first (its session is revoked here) or waits on the row lock and finds no active
 * user.
 */
export interface DeletionReceipt {
  readonly id: string;
  readonly status: "deleted" | "scheduled";
  readonly sessionsRevoked: number;
  readonly tokensRevoked: number;
  readonly purgeAfter: string | null;
  readonly at: string;
}

export type DeletionResult = Ok<{ readonly receipt: DeletionReceipt }> | Refusal;

export async function deleteUser(
  deps: Deps,
  actor: Actor,
  targetId: string,
  options: { reason?: string },
  meta: RequestMeta,
): Promise<DeletionResult> {
  // The admin's reason is the caller's own text: a note, kept out of the sealed chain (AuditInput.note).
  return runDeletion(deps, actor, targetId, meta, {
    reason: null,
    note: options.reason ?? null,
    selfService: false,
    precheck: () => (needsStepUp(deps, actor) ? refuse("REAUTH_REQUIRED") : null),
  });
}

/** Self-deletion: the password again (or a re-authentication within the window), then the same deletion. */
export async function deleteOwnAccount(
  deps: Deps,
  auth: Authenticated,
  input: { password?: string },
  meta: RequestMeta,
): Promise<DeletionResult> {
  const actor = actorOf(auth);
  return runDeletion(deps, actor, auth.user.id, meta, {
    reason: "self-service",
    note: null,
    selfService: true,
    async precheck() {
      if (input.password === undefined) return needsStepUp(deps, actor) ? refuse("REAUTH_REQUIRED") : null;
      const matches = await deps.hasher.verify(await deps.store.getPasswordHash(auth.user.id), input.password);
      return matches ? null : refuse("WRONG_PASSWORD");
    },
  });
}

/**
 * The deletion rule, one place for the deletion and its plan: with no grace period, or for an account
 * already waiting out its grace period (a second deletion), the account is erased now; otherwise it is
 * disabled now and erased by the purge once the grace period ends.
 */
export function erasesNow(deps: Pick<Deps, "deletionGraceMs">, target: Pick<UserRecord, "purgeAfter">): boolean {
  return deps.deletionGraceMs === 0 || target.purgeAfter !== null;
}

interface DeletionOptions {
  /** The audit row's reason (the admin's own words go in `note`, out of the sealed chain). */
  readonly reason: string | null;
  readonly note: string | null;
  readonly selfService: boolean;
  /** The step-up, or for self-deletion the password again: see AdminAct.precheck. */
  readonly precheck: NonNullable<AdminAct["precheck"]>;
}

async function runDeletion(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
  options: DeletionOptions,
): Promise<DeletionResult> {
  const act: AdminAct = {
    action: "users.delete",
    targetId,
    selfService: options.selfService,
    change: () => ({ removesAccess: true }),
    precheck: options.precheck,
  };
  const result: DeletionResult = await runAdminAct(deps, actor, meta, act, async ({ tx, target, succeeded }) => {
    const now = deps.clock.now();
    const sessionsRevoked = await tx.deleteUserSessions(target.id);
    // Deleted, not left to the erasure's cascade: a scheduled deletion keeps the user row for the grace
    // period, and a restore never brings a token back.
    const tokensRevoked = await tx.deleteUserApiTokens(target.id);
    // Likewise the recovery link: a scheduled deletion keeps the row of a user no link may revive.
    await tx.deleteUserRecoveryLinks(target.id);
    const erase = erasesNow(deps, target);
    const purgeAfter = erase ? null : now + deps.deletionGraceMs;
    if (erase) await tx.eraseUser(target.id);
    else await tx.scheduleErasure(target.id, now + deps.deletionGraceMs, now);
    // eraseUser removed every note naming the target's address; this one must not bring it back. A scheduled
    // deletion keeps its note until the purge erases the account, and the note with it.
    const note =
      options.note !== null && erase && mentionsEmail(options.note, normalizeEmail(target.email)) ? null : options.note;
    await succeeded(
      now,
      {
        reason: options.reason,
        note,
        details: {
          mode: erase ? "erased" : "scheduled",
          sessionsRevoked,
          tokensRevoked,
          selfService: options.selfService,
        },
      },
      [
        ...revocationFacts(target.id, "deletion", sessionsRevoked, tokensRevoked),
        { type: erase ? "user.deleted" : "user.deletion_scheduled", userId: target.id },
      ],
    );
    return {
      ok: true,
      receipt: {
        id: target.id,
        status: erase ? "deleted" : "scheduled",
        sessionsRevoked,
        tokensRevoked,
        purgeAfter: purgeAfter === null ? null : new Date(purgeAfter).toISOString(),
        at: new Date(now).toISOString(),
      },
    };
  });
  if (result.ok && result.receipt.status === "deleted") await deps.store.scrubAfterErase();
  return result;
}

/** The purge job: erases accounts whose grace period has ended, each in its own transaction. */
export async function purgeDueUsers(deps: Deps, meta: RequestMeta, batch = 100): Promise<number> {
  const actor: Actor = { type: "system" };
  const due = await deps.store.transaction((tx) => tx.listUsersDueForPurge(deps.clock.now(), batch));
  let purged = 0;
  for (const id of due) {
    const erased = await deps.store.transaction(async (tx) => {
      const target = await tx.lockUser(id);
      const now = deps.clock.now();
      // Restored in the meantime, or already gone: nothing to do.
      if (target === null || target.purgeAfter === null || target.purgeAfter > now) return false;
      const sessionsRevoked = await tx.deleteUserSessions(id);
      const tokensRevoked = await tx.deleteUserApiTokens(id);
      await tx.deleteUserRecoveryLinks(id);
      await tx.eraseUser(id);
      const audit = await tx.appendAudit(
        auditEntry(actor, meta, now, {
          action: "users.purge",
          outcome: "success",
          targetId: id,
          details: { sessionsRevoked, tokensRevoked },
        }),
      );
      await recordEvents(tx, deps, actor, audit, [
        ...revocationFacts(id, "deletion", sessionsRevoked, tokensRevoked),
        { type: "user.deleted", userId: id },
      ]);
      return true;
    });
    if (erased) purged += 1;
  }
  if (purged > 0) await deps.store.scrubAfterErase();
  return purged;
}
