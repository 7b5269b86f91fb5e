import type { SessionRecord } from "./sessions/session-record.ts";
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

/** Who performs an act: a signed-in user, the operator at the CLI, the server itself, or nobody yet. */
export type Actor =
  | { readonly type: "user"; readonly user: SignedInUser; readonly session: SessionRecord | null }
  | { readonly type: "cli" }
  | { readonly type: "system" }
  | { readonly type: "anonymous" };

export function actorOf(auth: Authenticated): Actor {
  return { type: "user", user: auth.user, session: auth.session };
}

/** The CLI and background jobs have no request; their acts are still attributed and audited. */
export const noRequest: RequestMeta = { ip: "", userAgent: "", requestId: null };
