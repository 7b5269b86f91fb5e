import type { Deps } from "../deps.ts";
import { secretMatches } from "../sessions/session-token.ts";
import type { SignedInUser } from "../users/user.ts";
import { type ApiTokenRecord, isTokenExpired, parseApiToken, tokenNeedsTouch } from "./api-token.ts";

/** A request authenticated by an API token: the token and its owner, as of this request. */
export interface TokenAuthenticated {
  readonly token: ApiTokenRecord;
  readonly user: SignedInUser;
}

/**
 * The bearer check, the token's counterpart of checkSession: one point query (token and owner together),
 * a constant-time compare of the secret's hash, expiry and the owner's status. A revoked token has no row;
 * a deleted, disabled or erased owner's tokens were deleted with the act, and the status check covers the
 * instant between. Null for every failure alike: the caller must not learn which.
 */
export async function checkApiToken(deps: Deps, presented: string): Promise<TokenAuthenticated | null> {
  const parsed = parseApiToken(presented);
  if (parsed === null) return null;
  const found = await deps.store.getApiTokenAndUser(parsed.id);
  if (found === null) return null;
  const { token, user } = found;
  if (!secretMatches(parsed.secret, token.secretHash)) return null;
  const now = deps.clock.now();
  if (isTokenExpired(token, now)) return null;
  if (user.status !== "active") return null;
  if (tokenNeedsTouch(token, now)) {
    // Last use is advice for the token's owner; a lost write is never worth failing the request.
    deps.store.touchApiToken(token.id, now).catch(() => {});
  }
  return { token, user };
}
