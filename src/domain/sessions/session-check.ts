import type { Authenticated } from "../actor.ts";
import type { Deps } from "../deps.ts";
import { isExpired, isRecentlyAuthenticated, needsTouch } from "./session-record.ts";
import { parseSessionToken, secretMatches } from "./session-token.ts";

/**
 * The session check, run on every request: one point query, a constant-time hash compare, expiry and
 * user-status checks. It never throws for a bad token and never writes except a throttled last-seen
 * update, sent without waiting for it. The user is re-read with the session every time, so a disabled,
 * deleted or demoted user's change applies to the very next request.
 */
export async function checkSession(deps: Deps, token: string | undefined): Promise<Authenticated | null> {
  const parsed = parseSessionToken(token);
  if (parsed === null) return null;
  const found = await deps.store.getSessionAndUser(parsed.sessionId);
  if (found === null) return null;
  const { session, user } = found;
  if (!secretMatches(parsed.secret, session.secretHash)) return null;
  const now = deps.clock.now();
  if (isExpired(session, now, deps.lifetimes)) return null;
  if (user.status !== "active") return null;
  if (needsTouch(session, now, deps.lifetimes)) {
    // Losing a touch only makes the idle timeout end a little earlier: never worth failing a request.
    deps.store.touchSession(session.id, now).catch(() => {});
  }
  return { session, user };
}

export function hasRecentAuthentication(deps: Deps, auth: Authenticated): boolean {
  return isRecentlyAuthenticated(auth.session, deps.clock.now(), deps.lifetimes);
}
