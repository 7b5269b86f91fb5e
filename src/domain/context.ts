import type { AuditActorType, AuditDetails, AuditInput, AuditOutcome, AuditSealer } from "./audit.ts";
import type { AuditPseudonymizer } from "./audit-pseudonym.ts";
import type { DenialBudget } from "./denial-budget.ts";
import type { Clock, PasswordHasher, Random, Store } from "./ports.ts";
import type { SessionLifetimes, SessionRecord } from "./session.ts";
import type { SignedInUser } from "./user.ts";

/** What every use case gets from the composition root. */
export interface Deps {
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly hasher: PasswordHasher;
  readonly lifetimes: SessionLifetimes;
  readonly signupOpen: boolean;
  /** 0: deletion erases at once. Otherwise the account is disabled at once and erased after this long. */
  readonly deletionGraceMs: number;
  /** The audit chain's keyed hash, for verification (the store seals with the same one). */
  readonly auditSealer: AuditSealer;
  /** How many refusals are audited one by one, per account and address (recordDenial). */
  readonly denials: DenialBudget;
  /** Stands in for an id from a request that names no user: probes correlate, their text is not kept. */
  readonly auditPseudonym: AuditPseudonymizer;
}

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
  const actorType: AuditActorType = actor.type;
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
    details: facts.details ?? {},
    ...(facts.note === undefined || facts.note === null ? {} : { note: facts.note }),
  };
}

/** The CLI and background jobs have no request; their acts are still attributed and audited. */
export const noRequest: RequestMeta = { ip: "", userAgent: "", requestId: null };
