import type { SessionRecord } from "./sessions/session-record.ts";
import { type TokenChannel, type TokenGrant, tokenGrant } from "./tokens/api-token.ts";
import type { TokenAuthenticated } from "./tokens/token-check.ts";
import type { SignedInUser } from "./users/user.ts";

/** Where a request came from, for sessions and the audit trail. */
export interface RequestMeta {
  readonly ip: string;
  /** The key per-address limits count the client under (its IPv4 address, or its IPv6 /64); absent: ip. */
  readonly network?: string;
  readonly userAgent: string;
  readonly requestId: string | null;
}

/** A signed-in user, as established by the session check of this very request. */
export interface Authenticated {
  /** As of this request; the password hash is not read on every request (store.getPasswordHash). */
  readonly user: SignedInUser;
  readonly session: SessionRecord;
}

/**
 * Who performs an act: a signed-in user, the operator at the CLI, the server itself, or nobody yet. A user
 * acting through an API token has no session and carries the token's grant: every permission check
 * intersects it with the user's role (authz.ts `permits`), and the audit row names the token.
 */
export type Actor =
  | {
      readonly type: "user";
      readonly user: SignedInUser;
      readonly session: SessionRecord | null;
      readonly token?: TokenGrant;
    }
  | { readonly type: "cli" }
  | { readonly type: "system" }
  | { readonly type: "anonymous" };

export function actorOf(auth: Authenticated): Actor {
  return { type: "user", user: auth.user, session: auth.session };
}

/** The owner of an API token as the actor of this request, with what the token grants on its channel. */
export function tokenActor(auth: TokenAuthenticated, channel: TokenChannel): Actor {
  return { type: "user", user: auth.user, session: null, token: tokenGrant(auth.token, channel) };
}

/** The CLI and background jobs have no request; their acts are still attributed and audited. */
export const noRequest: RequestMeta = { ip: "", userAgent: "", requestId: null };
