import type { Actor } from "../actor.ts";
import { type Refusal, refuse } from "../errors.ts";
import { type Role, roleRank } from "../users/role.ts";
import type { UserRecord } from "../users/user.ts";

/**
 * @module
 * Authorization as data: which role may attempt which action at all (the permission table), plus the
 * target rules every action on another user obeys. Checks always run in this order, by every edge:
 *   authenticated? (401, at the route group) -> permitted at all? (403, `permits`, before any lookup, so
 *   the answer is the same whether the target exists or not) -> target exists? (404) -> target rules
 *   (`checkTarget`: rank 403, self 409, last superuser 409).
 */
export const adminActions = [
  "users.list",
  "users.read",
  "users.create",
  "users.update",
  "users.delete",
  "users.restore",
  "users.sessions.read",
  "users.sessions.revoke",
  "users.recovery_link",
  "users.password.set",
  "audit.read",
  "events.read",
  "sessions.introspect",
  "tokens.create",
  "tokens.read",
  "tokens.revoke",
  "webhooks.manage",
] as const;
export type AdminAction = (typeof adminActions)[number];

const everything: ReadonlySet<AdminAction> = new Set(adminActions);

export const permissionTable: Readonly<Record<Role, ReadonlySet<AdminAction>>> = {
  user: new Set(),
  admin: everything,
  superuser: everything,
};

/**
 * The operator at the CLI has shell access to the database anyway: it holds every permission. A user acting
 * through an API token holds only what both the token and the user's role grant (the role as read by this
 * request, so a demoted owner's token loses what the owner lost at once). No scope grants the token acts:
 * a token can never mint, list or revoke tokens.
 */
export function permits(actor: Actor, action: AdminAction): boolean {
  if (actor.type === "cli" || actor.type === "system") return true;
  if (actor.type === "anonymous") return false;
  if (actor.token !== undefined && !actor.token.permissions.has(action)) return false;
  return permissionTable[actor.user.role].has(action);
}

/** Why a permitted-at-all check failed: the token's scopes, or the role (the refusal's code says which). */
export function lacksScope(actor: Actor, action: AdminAction): boolean {
  return actor.type === "user" && actor.token !== undefined && !actor.token.permissions.has(action);
}

/** Ranks an actor by: the CLI and the server's own jobs outrank every role. */
function actorRank(actor: Actor): number {
  return actor.type === "user" ? roleRank(actor.user.role) : Number.POSITIVE_INFINITY;
}

function isSuperuser(actor: Actor): boolean {
  return actor.type !== "user" || actor.user.role === "superuser";
}

/** What an update or deletion would do to the target, for the rules that depend on it. */
export interface TargetChange {
  readonly removesAccess: boolean;
  readonly newRole?: Role;
  /** The account owner acting on their own account through the self-service flow (re-authenticated). */
  readonly selfService?: boolean;
}

export interface TargetFacts {
  readonly target: UserRecord;
  /** Active superusers right now, counted inside the transaction (rows locked where the engine can). */
  readonly activeSuperusers: number;
}

/**
 * Target rules for an actor who holds the permission. An actor acts only on users ranked below it
 * (a superuser on anyone); the admin path never acts destructively on the caller itself (self-deletion has
 * its own flow with re-authentication); no act may leave the system without an active superuser.
 */
export function checkTarget(
  actor: Actor,
  action: AdminAction,
  facts: TargetFacts,
  change: TargetChange,
): Refusal | null {
  const { target } = facts;
  const self = actor.type === "user" && actor.user.id === target.id;
  const reading = action === "users.read";
  if (
    self &&
    change.selfService !== true &&
    (change.removesAccess || change.newRole !== undefined || action === "users.delete")
  ) {
    return refuse("SELF_ACTION_FORBIDDEN", "Use your own account page (DELETE /api/account) to act on yourself.");
  }
  if (!self && !reading && !isSuperuser(actor) && roleRank(target.role) >= actorRank(actor)) {
    return refuse("FORBIDDEN", "You can only act on users ranked below you.");
  }
  if (change.newRole !== undefined && !isSuperuser(actor) && roleRank(change.newRole) >= actorRank(actor)) {
    return refuse("FORBIDDEN", "You can only grant roles ranked below your own.");
  }
  const losesSuperuser =
    target.role === "superuser" &&
    target.status === "active" &&
    (change.removesAccess || (change.newRole !== undefined && change.newRole !== "superuser"));
  if (losesSuperuser && facts.activeSuperusers <= 1) return refuse("LAST_SUPERUSER");
  return null;
}

/** Creating an account with a role: only roles ranked below the actor's (a superuser may create any). */
export function checkGrantedRole(actor: Actor, role: Role): Refusal | null {
  if (isSuperuser(actor) || roleRank(role) < actorRank(actor)) return null;
  return refuse("FORBIDDEN", "You can only grant roles ranked below your own.");
}
