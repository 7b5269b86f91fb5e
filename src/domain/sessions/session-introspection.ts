import type { Actor, RequestMeta } from "../actor.ts";
import { refusedPermission } from "../audit/denial-record.ts";
import type { Deps } from "../deps.ts";
import type { Ok, Refusal } from "../errors.ts";
import type { Role } from "../users/role.ts";
import { checkSession } from "./session-check.ts";

/**
 * @module
 * Session introspection for back ends (RFC 7662's answer shape): a service that received a session token
 * from a browser asks whether it is live. The answer runs the very session check every request runs, so it
 * is exactly as fresh: a deleted, disabled or signed-out user's token is inactive at once. Anything but a
 * live session of an active user is `{active: false}`, never saying why.
 */
export type Introspection =
  | { readonly active: false }
  | {
      readonly active: true;
      /** The user's id. */
      readonly sub: string;
      readonly email: string;
      readonly role: Role;
      /** The session's id (a handle for it, not a credential). */
      readonly sid: string;
      /** When the session ends at the latest, in seconds since the epoch: its absolute or idle expiry. */
      readonly exp: number;
      /** When it began, in seconds since the epoch. */
      readonly iat: number;
    };

export async function introspectSession(
  deps: Deps,
  actor: Actor,
  token: string,
  meta: RequestMeta,
): Promise<Ok<{ introspection: Introspection }> | Refusal> {
  const denied = await refusedPermission(deps, actor, meta, "sessions.introspect", null);
  if (denied !== null) return denied;
  const auth = await checkSession(deps, token);
  if (auth === null) return { ok: true, introspection: { active: false } };
  const { session, user } = auth;
  const idleEnd = session.lastSeenAt + deps.lifetimes.idleMs;
  return {
    ok: true,
    introspection: {
      active: true,
      sub: user.id,
      email: user.email,
      role: user.role,
      sid: session.id,
      exp: Math.floor(Math.min(session.expiresAt, idleEnd) / 1000),
      iat: Math.floor(session.createdAt / 1000),
    },
  };
}
