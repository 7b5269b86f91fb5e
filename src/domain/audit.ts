import { createHmac } from "node:crypto";

/**
 * The audit log is append-only and hash-chained: each entry carries the previous entry's hash, and its own
 * hash is an HMAC (under the server secret) over the previous hash and its canonical body. Editing,
 * inserting or removing any entry, or cutting off the tail (the head row records the last seq and hash),
 * breaks verification; without the secret a chain cannot be recomputed to hide the edit.
 * Entries hold ids, never e-mail addresses, names, tokens or passwords.
 */
export type AuditActorType = "user" | "anonymous" | "cli" | "system";
export type AuditOutcome = "success" | "denied" | "failure";
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

export interface AuditInput {
  readonly at: number;
  readonly actorType: AuditActorType;
  readonly actorId: string | null;
  readonly action: string;
  readonly targetId: string | null;
  readonly outcome: AuditOutcome;
  readonly reason: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
  readonly details: AuditDetails;
}

export interface AuditEntry extends AuditInput {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditQuery {
  readonly actorId?: string;
  readonly targetId?: string;
  readonly action?: string;
  readonly outcome?: AuditOutcome;
  /** Entries with seq below this (newest first paging). */
  readonly before?: number;
  readonly limit: number;
}

export const genesisHash = "0".repeat(64);

export type AuditSealer = (prevHash: string, seq: number, entry: AuditInput) => string;

export function createAuditSealer(key: Buffer): AuditSealer {
  return (prevHash, seq, entry) =>
    createHmac("sha256", key).update(prevHash).update("\n").update(canonicalBody(seq, entry)).digest("hex");
}

function canonicalBody(seq: number, entry: AuditInput): string {
  const details = Object.keys(entry.details)
    .sort()
    .map((key) => [key, entry.details[key] ?? null]);
  return JSON.stringify([
    seq,
    entry.at,
    entry.actorType,
    entry.actorId,
    entry.action,
    entry.targetId,
    entry.outcome,
    entry.reason,
    entry.requestId,
    entry.ip,
    details,
  ]);
}

export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
  /**
   * HMAC over (seq, hash): without the secret nobody can move the head back to an earlier entry to hide a
   * truncated tail. Absent only for heads built by hand (tests); the store always returns it.
   */
  readonly seal?: string;
}

const headMarker: AuditInput = {
  at: 0,
  actorType: "system",
  actorId: null,
  action: "audit.head",
  targetId: null,
  outcome: "success",
  reason: null,
  requestId: null,
  ip: null,
  details: {},
};

/**
 * The head's seal reuses the entry HMAC with a fixed marker body and (prevHash = the head hash, seq = the
 * head seq): no real entry has that pair (entry n links to n-1), so a seal can never pass for an entry.
 */
export function sealAuditHead(seal: AuditSealer, seq: number, hash: string): string {
  return seal(hash, seq, headMarker);
}
