import type { Actor, RequestMeta } from "../actor.ts";
import type { AuditActorType, AuditDetails, AuditInput, AuditOutcome } from "./audit-chain.ts";

/** What an act tells the audit log about itself; the actor, request and time come from the act. */
export interface AuditFacts {
  readonly action: string;
  readonly outcome: AuditOutcome;
  readonly targetId?: string | null;
  readonly reason?: string | null;
  /** Free text from the caller: kept out of the sealed chain and erasable (AuditInput.note). */
  readonly note?: string | null;
  readonly details?: AuditDetails;
}

/**
 * Kept to assembling the record: it runs on every audited act. Making its text well-formed is the store's
 * job as it seals (store/audit-record.ts), the one place every writer, the CLI included, goes through.
 */
export function auditEntry(actor: Actor, meta: RequestMeta, at: number, facts: AuditFacts): AuditInput {
  const token = actor.type === "user" ? actor.token : undefined;
  const actorType: AuditActorType = token === undefined ? actor.type : "token";
  const details = facts.details ?? {};
  return {
    at,
    actorType,
    actorId: actor.type === "user" ? actor.user.id : null,
    action: facts.action,
    targetId: facts.targetId ?? null,
    outcome: facts.outcome,
    reason: facts.reason ?? null,
    requestId: meta.requestId,
    ip: meta.ip === "" ? null : meta.ip,
    details: token === undefined ? details : { ...details, tokenId: token.id },
    ...(facts.note === undefined || facts.note === null ? {} : { note: facts.note }),
  };
}
