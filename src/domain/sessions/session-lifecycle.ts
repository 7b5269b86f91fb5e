import { type Authenticated, actorOf, type RequestMeta } from "../actor.ts";
import { auditEntry } from "../audit/audit-entry.ts";
import { recordDenial } from "../audit/denial-record.ts";
import { auditFailures } from "../audit/failure-record.ts";
import type { Deps } from "../deps.ts";
import { type Ok, type Refusal, refuse } from "../errors.ts";
import { recordEvents } from "../events/record-events.ts";
import { revocationFacts } from "../events/user-event.ts";
import type { StoreTx } from "../ports.ts";
import type { UserRecord } from "../users/user.ts";
import { isExpired, type SessionRecord } from "./session-record.ts";
import { issueSessionToken, parseSessionToken } from "./session-token.ts";

/**
 * @module
 * A session from its start to its end: login starts one, the owner lists and ends theirs, and the password
 * again (step-up) marks one freshly authenticated.
 */

export interface StartedSession {
  readonly session: SessionRecord;
  readonly token: string;
}

/**
 * Creates a session inside the caller's transaction, after the caller locked and re-checked the user.
 * Any session the client already held is destroyed first (no fixation: the token always changes).
 */
export async function startSession(
  tx: StoreTx,
  deps: Deps,
  user: UserRecord,
  meta: RequestMeta,
  replacedSessionId: string | null,
): Promise<StartedSession> {
  if (replacedSessionId !== null) await tx.deleteSession(replacedSessionId);
  const now = deps.clock.now();
  const issued = issueSessionToken(deps.random);
  const session: SessionRecord = {
    id: issued.sessionId,
    userId: user.id,
    secretHash: issued.secretHash,
    createdAt: now,
    lastSeenAt: now,
    authenticatedAt: now,
    expiresAt: now + deps.lifetimes.absoluteMs,
    ip: meta.ip,
    userAgent: meta.userAgent.slice(0, 512),
  };
  await tx.insertSession(session);
  return { session, token: issued.token };
}

/** The session id of whatever token the client presented, valid or not, so login can destroy it. */
export function presentedSessionId(token: string | undefined): string | null {
  return parseSessionToken(token)?.sessionId ?? null;
}

export async function logOut(deps: Deps, auth: Authenticated, meta: RequestMeta): Promise<void> {
  await auditFailures(deps, actorOf(auth), meta, "session.logout", auth.user.id, () =>
    deps.store.transaction(async (tx) => {
      await tx.deleteSession(auth.session.id);
      await tx.appendAudit(
        auditEntry(actorOf(auth), meta, deps.clock.now(), {
          action: "session.logout",
          outcome: "success",
          targetId: auth.user.id,
        }),
      );
    }),
  );
}

export interface SessionView {
  readonly id: string;
  readonly current: boolean;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly ip: string;
  readonly userAgent: string;
}

export function toSessionView(session: SessionRecord, currentId: string | null): SessionView {
  return {
    id: session.id,
    current: session.id === currentId,
    createdAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
    expiresAt: new Date(session.expiresAt).toISOString(),
    ip: session.ip,
    userAgent: session.userAgent,
  };
}

/** Live sessions only: expired rows awaiting the sweeper are not shown. */
export async function listOwnSessions(deps: Deps, auth: Authenticated): Promise<SessionView[]> {
  const now = deps.clock.now();
  const sessions = await deps.store.listUserSessions(auth.user.id);
  return sessions
    .filter((session) => !isExpired(session, now, deps.lifetimes))
    .map((session) => toSessionView(session, auth.session.id));
}

export type RevokedOwnSession = Ok<{ readonly endedCurrent: boolean }>;

/** Revoking a session id that is not the caller's answers exactly like an unknown id (404). */
export async function revokeOwnSession(
  deps: Deps,
  auth: Authenticated,
  sessionId: string,
  meta: RequestMeta,
): Promise<RevokedOwnSession | Refusal> {
  return deps.store.transaction(async (tx) => {
    const revoked = await tx.deleteUserSession(auth.user.id, sessionId);
    // Naming a session that is not the caller's is a refused attempt, whether or not it exists.
    if (!revoked) {
      return recordDenial(deps, actorOf(auth), meta, "session.revoke", auth.user.id, refuse("SESSION_NOT_FOUND"), tx);
    }
    await tx.appendAudit(
      auditEntry(actorOf(auth), meta, deps.clock.now(), {
        action: "session.revoke",
        outcome: "success",
        targetId: auth.user.id,
      }),
    );
    return { ok: true as const, endedCurrent: sessionId === auth.session.id };
  });
}

export async function revokeOtherSessions(deps: Deps, auth: Authenticated, meta: RequestMeta): Promise<number> {
  return deps.store.transaction(async (tx) => {
    const revoked = await tx.deleteUserSessions(auth.user.id, auth.session.id);
    const audit = await tx.appendAudit(
      auditEntry(actorOf(auth), meta, deps.clock.now(), {
        action: "session.revoke_others",
        outcome: "success",
        targetId: auth.user.id,
        details: { sessionsRevoked: revoked },
      }),
    );
    await recordEvents(tx, deps, actorOf(auth), audit, revocationFacts(auth.user.id, "user", revoked));
    return revoked;
  });
}

/** Step-up: the password again marks this session freshly authenticated for sensitive acts. */
export async function reauthenticate(
  deps: Deps,
  auth: Authenticated,
  password: string,
  meta: RequestMeta,
): Promise<Ok | Refusal> {
  const matches = await deps.hasher.verify(await deps.store.getPasswordHash(auth.user.id), password);
  if (!matches) {
    return recordDenial(deps, actorOf(auth), meta, "session.reauthenticate", auth.user.id, refuse("WRONG_PASSWORD"));
  }
  const now = deps.clock.now();
  await deps.store.transaction(async (tx) => {
    await tx.markReauthenticated(auth.session.id, now);
    await tx.appendAudit(
      auditEntry(actorOf(auth), meta, now, {
        action: "session.reauthenticate",
        outcome: "success",
        targetId: auth.user.id,
      }),
    );
  });
  return { ok: true };
}
