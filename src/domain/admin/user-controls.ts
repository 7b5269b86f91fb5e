import type { Actor, RequestMeta } from "../actor.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { type Role, roles } from "../users/role.ts";
import type { UserRecord } from "../users/user.ts";
import { type AdminAction, checkGrantedRole, checkTarget, permits, type TargetChange } from "./authz.ts";
import { getUser } from "./user-admin.ts";

/**
 * @module
 * What a viewer may do to one user, asked of the very rules the use cases apply (authz.ts `permits` and
 * `checkTarget`), so a page offers exactly the controls that would not answer 403 or 409. Advisory only:
 * every act still runs its use case, which decides again inside its transaction.
 */
/** A control: null when the viewer may use it, the refusal it would meet, or "n/a" for the user as they are. */
export type Control = Refusal | null | "n/a";

export interface UserControls {
  /** Roles the viewer may set, the current one first; empty means no role control. */
  readonly roles: readonly Role[];
  readonly disable: Control;
  /** "n/a" for an active account, and for one pending deletion (restore applies instead). */
  readonly enable: Control;
  readonly endSessions: Control;
  readonly delete: Control;
  readonly restore: Control;
}

/** Why the act would be refused by its permission or target rules; null when it may go ahead. */
export function refusalFor(
  actor: Actor,
  action: AdminAction,
  target: UserRecord,
  activeSuperusers: number,
  change: TargetChange,
): Refusal | null {
  if (!permits(actor, action)) return refuse("FORBIDDEN");
  return checkTarget(actor, action, { target, activeSuperusers }, change);
}

export function userControls(actor: Actor, target: UserRecord, activeSuperusers: number): UserControls {
  const rule = (action: AdminAction, change: TargetChange) =>
    refusalFor(actor, action, target, activeSuperusers, change);
  const granted = roles.filter(
    (role) => role !== target.role && rule("users.update", { removesAccess: false, newRole: role }) === null,
  );
  const pending = target.purgeAfter !== null;
  return {
    roles: granted.length === 0 ? [] : [target.role, ...granted],
    disable: target.status === "active" ? rule("users.update", { removesAccess: true }) : "n/a",
    enable: target.status === "disabled" && !pending ? rule("users.update", { removesAccess: false }) : "n/a",
    endSessions: rule("users.sessions.revoke", { removesAccess: false }),
    delete: rule("users.delete", { removesAccess: true }),
    restore: pending ? rule("users.restore", { removesAccess: false }) : "n/a",
  };
}

/** The roles a viewer may give a new account (createUserAsAdmin's rule). */
export function grantableRoles(actor: Actor): Role[] {
  return roles.filter((role) => permits(actor, "users.create") && checkGrantedRole(actor, role) === null);
}

/** A user as their admin page shows them: the record, the last sign-in, and the controls this viewer has. */
export async function getUserWithControls(
  deps: Deps,
  actor: Actor,
  targetId: string,
  meta: RequestMeta,
): Promise<Ok<{ user: UserRecord; lastLoginAt: number | null; controls: UserControls }> | Refusal> {
  const found = await getUser(deps, actor, targetId, meta);
  if (!found.ok) return found;
  const activeSuperusers = await deps.store.countActiveSuperusers();
  const lastLoginAt = await deps.store.getLastLogin(found.user.id);
  return { ok: true, user: found.user, lastLoginAt, controls: userControls(actor, found.user, activeSuperusers) };
}
