import type { Actor, RequestMeta } from "../actor.ts";
import { recordDenial, refusedPermission } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { type ChangedField, type EventFacts, revocationFacts } from "../events/user-event.ts";
import type { UserListQuery, UserPatch } from "../ports.ts";
import { hasUnreadableCharacters } from "../readable-text.ts";
import { type SessionView, toSessionView } from "../sessions/session-lifecycle.ts";
import { isExpired } from "../sessions/session-record.ts";
import { createAccount, type NewAccount } from "../users/accounts.ts";
import { isPrivileged, type Role } from "../users/role.ts";
import type { UserRecord, UserStatus } from "../users/user.ts";
import { type AdminAct, needsStepUp, runAdminAct } from "./admin-act.ts";
import { checkGrantedRole, checkTarget } from "./authz.ts";

/**
 * @module
 * Administrative use cases on other users' accounts. Each one checks, in order: the permission at all
 * (403 before any lookup), the target's existence (404), then the target rules (403/409); every refusal
 * is audited. The acts that change a user run as one step, runAdminAct (admin-act.ts), which locks, checks and
 * audits the same way for all of them. Changes to role or status revoke the target's sessions in the same
 * transaction, so a demoted admin's very next request already runs with the new role, and a disabled
 * user's has no session at all.
 */
export async function listUsers(
  deps: Deps,
  actor: Actor,
  query: UserListQuery,
  meta: RequestMeta,
): Promise<Ok<{ users: UserRecord[]; nextCursor: string | null }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "users.list", null);
  if (denied !== null) return denied;
  // One extra row tells whether another page exists.
  const rows = await deps.store.listUsers({ ...query, limit: query.limit + 1 });
  const users = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? (users.at(-1)?.id ?? null) : null;
  return { ok: true, users, nextCursor };
}

export async function getUser(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<Ok<{ user: UserRecord }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "users.read", targetId);
  if (denied !== null) return denied;
  const user = await deps.store.getUserById(targetId);
  if (user === null) return recordDenial(deps, actor, meta, "users.read", targetId, refuse("USER_NOT_FOUND"));
  return { ok: true, user };
}

export async function createUserAsAdmin(
  deps: Deps,
  actor: Actor,
  input: NewAccount,
  meta: RequestMeta,
): Promise<Ok<{ user: UserRecord }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "users.create", null);
  if (denied !== null) return denied;
  const rank = checkGrantedRole(actor, input.role);
  if (rank !== null) return recordDenial(deps, actor, meta, "users.create", null, rank);
  // Granting a role above `user` is a change of who may do what: it needs the same fresh password proof as
  // a role change, or a stolen stale session could mint a backdoor administrator of the thief's choosing.
  if (isPrivileged(input.role) && actsThroughToken(actor)) {
    return recordDenial(deps, actor, meta, "users.create", null, tokenCannotGrant);
  }
  if (isPrivileged(input.role) && needsStepUp(deps, actor)) {
    return recordDenial(deps, actor, meta, "users.create", null, refuse("REAUTH_REQUIRED"));
  }
  const result = await auditFailures(deps, actor, meta, "users.create", null, () =>
    createAccount(deps, actor, input, meta, null),
  );
  return result.ok ? { ok: true, user: result.user } : result;
}

/**
 * A person's fresh password proof guards every grant of a role above `user` (a role change, a privileged
 * account's creation). An API token has no password to prove and is exempt from the step-up, so it may not
 * grant one at all: a stolen token, even a superuser's, cannot mint an administrator. It may still demote,
 * disable and delete (taking rights away), and SCIM never sets a role.
 */
const tokenCannotGrant = refuse(
  "FORBIDDEN",
  "An API token cannot grant a role above user: a person signed in with a fresh password must.",
);

function actsThroughToken(actor: Actor): boolean {
  return actor.type === "user" && actor.token !== undefined;
}

export interface AdminUserPatch {
  readonly name?: string;
  readonly role?: Role;
  readonly status?: UserStatus;
  /** What an identity provider calls the user (SCIM), set or (null) cleared; unique. */
  readonly externalId?: string | null;
  /** The admin's own words for the change (a disable's why): an audit note, out of the sealed chain. */
  readonly reason?: string;
}

/** A reason's bound, in UTF-16 units as the edges count it. */
export const updateReasonMaxLength = 500;

function checkReason(reason: string | undefined): Refusal | null {
  if (reason === undefined) return null;
  if (reason.trim().length > updateReasonMaxLength) {
    return refuse("VALIDATION_FAILED", `The reason is longer than ${updateReasonMaxLength} characters.`);
  }
  return hasUnreadableCharacters(reason)
    ? refuse("VALIDATION_FAILED", "The reason may not contain control or invisible formatting characters.")
    : null;
}

export async function updateUserAsAdmin(
  deps: Deps,
  actor: Actor,
  targetId: string,
  patch: AdminUserPatch,
  meta: RequestMeta,
): Promise<Ok<{ user: UserRecord; sessionsRevoked: number; tokensRevoked: number }> | Refusal> {
  // Bad input changes nothing and is no attempt on anyone: refused before the act, like a schema's 400.
  const badReason = checkReason(patch.reason);
  if (badReason !== null) return badReason;
  const reason = patch.reason?.trim() ?? "";
  const act: AdminAct = {
    action: "users.update",
    targetId,
    change: (user) => ({
      removesAccess: patch.status === "disabled" && user.status === "active",
      ...(patch.role !== undefined && patch.role !== user.role ? { newRole: patch.role } : {}),
    }),
    // Changing who may do what is a sensitive act: it needs a fresh password proof, like deletion.
    precheck: () => {
      if (patch.role !== undefined && isPrivileged(patch.role) && actsThroughToken(actor)) return tokenCannotGrant;
      return patch.role !== undefined && needsStepUp(deps, actor) ? refuse("REAUTH_REQUIRED") : null;
    },
  };
  return runAdminAct(deps, actor, meta, act, async ({ tx, target, deny, succeeded }) => {
    if (changesAdministration(target, patch.status) && needsStepUp(deps, actor)) return deny(refuse("REAUTH_REQUIRED"));
    if (patch.status === "active" && target.purgeAfter !== null) return deny(refuse("DELETION_PENDING"));
    // Before any write: a refusal commits only its audit row.
    if (typeof patch.externalId === "string") {
      const holder = await tx.getUserByExternalId(patch.externalId);
      if (holder !== null && holder.id !== target.id) return deny(refuse("EXTERNAL_ID_TAKEN"));
    }
    const now = deps.clock.now();
    const changes: UserPatch = {
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.role !== undefined && patch.role !== target.role ? { role: patch.role } : {}),
      ...(patch.status !== undefined && patch.status !== target.status ? { status: patch.status } : {}),
    };
    const privilegeChanged = changes.role !== undefined || changes.status !== undefined;
    const sessionsRevoked = privilegeChanged ? await tx.deleteUserSessions(target.id) : 0;
    // Disabling ends every credential, tokens too; a role change keeps the owner's tokens, which act with
    // the new role from the next request (authz.ts `permits`).
    const tokensRevoked = changes.status === "disabled" ? await tx.deleteUserApiTokens(target.id) : 0;
    // A disabled account cannot be recovered: its recovery link dies with its access, in this transaction.
    if (changes.status === "disabled") await tx.deleteUserRecoveryLinks(target.id);
    await tx.updateUser(target.id, changes, now);
    if (patch.externalId !== undefined) await tx.setUserExternalId(target.id, patch.externalId);
    await succeeded(
      now,
      {
        details: {
          role: changes.role ?? null,
          fromRole: changes.role === undefined ? null : target.role,
          status: changes.status ?? null,
          nameChanged: changes.name !== undefined,
          ...(patch.externalId !== undefined ? { externalIdSet: patch.externalId !== null } : {}),
          sessionsRevoked,
          tokensRevoked,
        },
        ...(reason === "" ? {} : { note: reason }),
      },
      updateEvents(target.id, changes, sessionsRevoked, tokensRevoked),
    );
    return { ok: true, user: { ...target, ...changes, updatedAt: now }, sessionsRevoked, tokensRevoked };
  });
}

/** user.updated naming the fields that changed, user.disabled or user.enabled, and the revocation. */
function updateEvents(
  userId: string,
  changes: UserPatch,
  sessionsRevoked: number,
  tokensRevoked: number,
): EventFacts[] {
  const changed: ChangedField[] = [];
  if (changes.name !== undefined) changed.push("name");
  if (changes.role !== undefined) changed.push("role");
  if (changes.status !== undefined) changed.push("status");
  if (changed.length === 0) return [];
  const facts: EventFacts[] = [{ type: "user.updated", userId, changed }];
  if (changes.status === "disabled") facts.push({ type: "user.disabled", userId });
  if (changes.status === "active") facts.push({ type: "user.enabled", userId });
  const reason = changes.status === "disabled" ? "disabled" : "role_change";
  return [...facts, ...revocationFacts(userId, reason, sessionsRevoked, tokensRevoked)];
}

/**
 * Disabling an administrator locks them out of administering, and enabling one lets them administer again:
 * either way a stale session must not be able to do it (a thief disabling every other admin, or reviving a
 * backdoor admin the others had disabled). Known only once the target is read, so refused inside the act,
 * still audited.
 */
function changesAdministration(target: UserRecord, status: UserStatus | undefined): boolean {
  return status !== undefined && status !== target.status && isPrivileged(target.role);
}

/** Restoring an account and ending its sessions take no one's access away: only rank and self apply. */
const keepsAccess = () => ({ removesAccess: false });
const restoring = { action: "users.restore", change: keepsAccess } as const;
const revokingSessions = { action: "users.sessions.revoke", change: keepsAccess } as const;

export async function restoreUser(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<Ok<{ user: UserRecord }> | Refusal> {
  return runAdminAct(deps, actor, meta, { ...restoring, targetId }, async ({ tx, target, deny, succeeded }) => {
    if (target.purgeAfter === null) return deny(refuse("USER_NOT_RESTORABLE"));
    // A restore gives the account back its previous status: an administrator's comes back able to administer.
    if (isPrivileged(target.role) && needsStepUp(deps, actor)) return deny(refuse("REAUTH_REQUIRED"));
    const now = deps.clock.now();
    await tx.cancelErasure(target.id, now);
    const restored = await tx.lockUser(target.id);
    if (restored === null) throw new Error("a restored user vanished inside its transaction");
    await succeeded(now, { details: { status: restored.status } }, [{ type: "user.restored", userId: target.id }]);
    return { ok: true, user: restored };
  });
}

export async function listUserSessions(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<Ok<{ sessions: SessionView[] }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "users.sessions.read", targetId);
  if (denied !== null) return denied;
  const target = await deps.store.getUserById(targetId);
  if (target === null) {
    return recordDenial(deps, actor, meta, "users.sessions.read", targetId, refuse("USER_NOT_FOUND"));
  }
  const refusal = checkTarget(actor, "users.sessions.read", { target, activeSuperusers: 0 }, { removesAccess: false });
  if (refusal !== null) return recordDenial(deps, actor, meta, "users.sessions.read", target.id, refusal);
  const now = deps.clock.now();
  const current = actor.type === "user" ? (actor.session?.id ?? null) : null;
  const sessions = (await deps.store.listUserSessions(target.id))
    .filter((session) => !isExpired(session, now, deps.lifetimes))
    .map((session) => toSessionView(session, current));
  return { ok: true, sessions };
}

export async function revokeUserSessions(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<Ok<{ sessionsRevoked: number }> | Refusal> {
  return runAdminAct(deps, actor, meta, { ...revokingSessions, targetId }, async ({ tx, target, succeeded }) => {
    const sessionsRevoked = await tx.deleteUserSessions(target.id);
    await succeeded(
      deps.clock.now(),
      { details: { sessionsRevoked } },
      revocationFacts(target.id, "admin", sessionsRevoked),
    );
    return { ok: true, sessionsRevoked };
  });
}

/** Ends one session of the user (the admin's "end this session"); another user's session id is not found. */
export async function revokeUserSession(
  deps: Deps,
  actor: Actor,
  targetId: string,
  sessionId: string,
  meta: RequestMeta,
): Promise<Ok<{ sessionsRevoked: number }> | Refusal> {
  return runAdminAct(deps, actor, meta, { ...revokingSessions, targetId }, async ({ tx, target, deny, succeeded }) => {
    if (!(await tx.deleteUserSession(target.id, sessionId))) return deny(refuse("SESSION_NOT_FOUND"));
    await succeeded(deps.clock.now(), { details: { sessionsRevoked: 1 } }, revocationFacts(target.id, "admin", 1));
    return { ok: true, sessionsRevoked: 1 };
  });
}
