import type { Actor } from "../actor.ts";
import type { AuditEntry } from "../audit/audit-chain.ts";
import type { Random } from "../ports.ts";

/**
 * @module
 * The events a downstream system is told about: written by the use cases themselves, in the transaction of
 * the act they report, right after its audit row (docs/events.md). An act that rolls back leaves none; an
 * act that commits always leaves its events, whatever happens to the process next. Payloads identify, they
 * do not copy: ids, the actor, counts, the names of the fields that changed, and the act's audit sequence
 * number and hash (so a receiver holds an outside copy of the audit chain's head) — never an e-mail address
 * or a name, so an erasure leaves nothing of the person here.
 */
export const eventTypes = [
  "user.created",
  "user.updated",
  "user.disabled",
  "user.enabled",
  "user.deletion_scheduled",
  "user.restored",
  "user.deleted",
  "sessions.revoked",
] as const;
export type EventType = (typeof eventTypes)[number];

/** Why a user's sessions ended, in a `sessions.revoked` event. */
export type RevocationReason = "deletion" | "disabled" | "role_change" | "admin" | "password_change" | "user";

/** The fields of a user a `user.updated` event may name as changed. */
export type ChangedField = "name" | "role" | "status";

/** What an act says about one event; the act's actor, audit row and time complete it (userEvents). */
export interface EventFacts {
  readonly type: EventType;
  readonly userId: string;
  readonly reason?: RevocationReason;
  readonly sessionsRevoked?: number;
  readonly tokensRevoked?: number;
  readonly changed?: readonly ChangedField[];
}

/** `{type, id}` of whoever acted; a token's owner with the token's id beside it. */
export interface EventActor {
  readonly type: "user" | "token" | "cli" | "system" | "anonymous";
  readonly id: string | null;
  readonly token_id?: string;
}

/** The payload every receiver gets, exactly as stored (docs/events.md). */
export interface EventPayload {
  readonly type: EventType;
  readonly id: string;
  readonly timestamp: string;
  readonly data: {
    readonly user_id: string;
    readonly actor: EventActor;
    readonly reason?: RevocationReason;
    readonly sessions_revoked?: number;
    readonly tokens_revoked?: number;
    readonly changed?: readonly ChangedField[];
    readonly audit_seq: number;
    readonly audit_hash: string;
  };
}

/**
 * An event as stored. Its place in the feed is (auditSeq, ordinal): the act's audit sequence number and the
 * event's rank within the act. Every act locks the audit chain's head until it commits, so audit sequence
 * numbers are handed out in commit order, and so are events: a consumer reading after its last cursor never
 * misses one that commits later with a smaller number.
 */
export interface EventRecord {
  readonly id: string;
  readonly type: EventType;
  readonly userId: string;
  readonly auditSeq: number;
  readonly ordinal: number;
  readonly occurredAt: number;
  readonly payload: EventPayload;
}

export function eventActor(actor: Actor): EventActor {
  if (actor.type !== "user") return { type: actor.type, id: null };
  if (actor.token !== undefined) return { type: "token", id: actor.user.id, token_id: actor.token.id };
  return { type: "user", id: actor.user.id };
}

/** `evt_` and 128 random bits: the event's id, which a webhook sends as `webhook-id` (stable across retries). */
export function newEventId(random: Random): string {
  return `evt_${random.bytes(16).toString("base64url")}`;
}

/** The act's events, in the order given, each tied to the act's audit row. */
export function userEvents(
  random: Random,
  actor: Actor,
  audit: Pick<AuditEntry, "seq" | "hash" | "at">,
  facts: readonly EventFacts[],
): EventRecord[] {
  const who = eventActor(actor);
  return facts.map((fact, ordinal) => {
    const id = newEventId(random);
    const payload: EventPayload = {
      type: fact.type,
      id,
      timestamp: new Date(audit.at).toISOString(),
      data: {
        user_id: fact.userId,
        actor: who,
        ...(fact.reason === undefined ? {} : { reason: fact.reason }),
        ...(fact.sessionsRevoked === undefined ? {} : { sessions_revoked: fact.sessionsRevoked }),
        ...(fact.tokensRevoked === undefined ? {} : { tokens_revoked: fact.tokensRevoked }),
        ...(fact.changed === undefined ? {} : { changed: fact.changed }),
        audit_seq: audit.seq,
        audit_hash: audit.hash,
      },
    };
    return { id, type: fact.type, userId: fact.userId, auditSeq: audit.seq, ordinal, occurredAt: audit.at, payload };
  });
}

/**
 * A `sessions.revoked` event when the act ended any session or token of the user; none when it ended nothing
 * (there is nothing for a downstream cache to drop).
 */
export function revocationFacts(
  userId: string,
  reason: RevocationReason,
  sessionsRevoked: number,
  tokensRevoked = 0,
): EventFacts[] {
  if (sessionsRevoked === 0 && tokensRevoked === 0) return [];
  return [{ type: "sessions.revoked", userId, reason, sessionsRevoked, tokensRevoked }];
}
