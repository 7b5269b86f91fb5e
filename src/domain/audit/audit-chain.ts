import { createHmac } from "node:crypto";

/**
 * @module
 * The audit log is append-only and hash-chained: each entry carries the previous entry's hash, and its own
 * hash is an HMAC (under the server secret) over the previous hash and its canonical body. Editing,
 * inserting or removing any entry, or cutting off the tail (the head row records the last seq and hash),
 * breaks verification; without the secret a chain cannot be recomputed to hide the edit.
 * Entries hold ids, never e-mail addresses, names, tokens or passwords. The one place for text a caller
 * chose is an entry's note, which the chain seals only by its keyed MAC (see AuditInput.note).
 */
/** `token`: a user acting through an API token (actorId the owner, details.tokenId the token). */
export type AuditActorType = "user" | "token" | "anonymous" | "cli" | "system";
/** Every outcome an entry records; the audit API and page filter by these. */
export const auditOutcomes = ["success", "denied", "failure"] as const;
export type AuditOutcome = (typeof auditOutcomes)[number];
export type AuditDetails = Readonly<Record<string, string | number | boolean | null>>;

/** What the chain seals of an entry: every column of its row, exactly as the database returns it. */
export interface AuditRecord {
  readonly at: number;
  readonly actorType: AuditActorType;
  readonly actorId: string | null;
  readonly action: string;
  /** A user id, or a keyed pseudonym (`unknown:...`) for an id from a request that names no user. */
  readonly targetId: string | null;
  readonly outcome: AuditOutcome;
  /** Chosen by the server: a problem code or a fixed phrase, never text from a request. */
  readonly reason: string | null;
  readonly requestId: string | null;
  readonly ip: string | null;
  readonly details: AuditDetails;
  /** The note's MAC (sealAuditNote); absent when the entry was written without a note. */
  readonly noteMac?: string;
}

/**
 * The members every entry's canonical body seals, in its order after the seq. The store's audit_log columns
 * are these names in snake case, written and read through this list (store/rows.ts). Never reorder, rename
 * or extend it: every seal ever made depends on it. A new sealed member is appended only to the bodies of
 * entries that have it, as noteMac is (canonicalBody), so that older entries keep the body they were
 * sealed with.
 */
export const sealedAuditFields = [
  "at",
  "actorType",
  "actorId",
  "action",
  "targetId",
  "outcome",
  "reason",
  "requestId",
  "ip",
  "details",
] as const satisfies readonly (keyof AuditRecord)[];

type SealedAuditField = (typeof sealedAuditFields)[number];

/** Fails to compile when AuditRecord gains a member that canonicalBody would not seal. */
type _EveryMemberSealed = NoneLeft<Exclude<keyof AuditRecord, SealedAuditField | "noteMac">>;
type NoneLeft<Unlisted extends never> = Unlisted;

export interface AuditInput extends Omit<AuditRecord, "noteMac"> {
  /**
   * Free text a caller chose (an admin's deletion reason). It never enters the chain: the entry seals its
   * keyed MAC and the text is stored apart, so that erasing the person it names leaves the chain intact.
   */
  readonly note?: string | null;
}

export interface AuditEntry extends AuditRecord {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  /** The note's text while it exists (null once erased); present on entries that have a noteMac. */
  readonly note?: string | null;
}

export interface AuditQuery {
  readonly actorId?: string;
  /** One id, or any of several (an id and its pseudonym). */
  readonly targetId?: string | readonly string[];
  readonly action?: string;
  readonly outcome?: AuditOutcome;
  /** Entries with seq below this (newest first paging). */
  readonly before?: number;
  /** Entries with seq above this, oldest first (the export's paging); not with `before`. */
  readonly after?: number;
  /** Entries at or after this instant (epoch ms). */
  readonly since?: number;
  /** Entries before this instant (epoch ms): a date range's end is the start of the day after it. */
  readonly until?: number;
  readonly limit: number;
}

export const genesisHash = "0".repeat(64);

/** The note's text is never sealed, only its MAC: pass the record, never the input. */
export type AuditSealer = (prevHash: string, seq: number, record: AuditRecord) => string;

export function createAuditSealer(key: Buffer): AuditSealer {
  return (prevHash, seq, record) =>
    createHmac("sha256", key).update(prevHash).update("\n").update(canonicalBody(seq, record)).digest("hex");
}

function canonicalBody(seq: number, record: AuditRecord): string {
  // Details are sealed as [key, value] pairs in key order: the order a JSON object happens to have is not.
  const body: unknown[] = [
    seq,
    ...sealedAuditFields.map((field) =>
      field === "details"
        ? Object.keys(record.details)
            .sort()
            .map((key) => [key, record.details[key] ?? null])
        : record[field],
    ),
  ];
  // Only entries with a note have the twelfth member: every entry written before notes existed keeps the
  // body it was sealed with, and the two shapes cannot be confused (different lengths).
  if (record.noteMac !== undefined) body.push(record.noteMac);
  return JSON.stringify(body);
}

export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
  /**
   * HMAC over (seq, hash): without the secret nobody can move the head back to an earlier entry to hide a
   * truncated tail. Absent only for heads built by hand (tests); the store always returns it.
   */
  readonly seal?: string;
  /** Set when the head row itself is gone (someone deleted it): verification reports it as a break. */
  readonly missing?: boolean;
}

const marker: AuditRecord = {
  at: 0,
  actorType: "system",
  actorId: null,
  action: "",
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
  return seal(hash, seq, { ...marker, action: "audit.head" });
}

/**
 * A note's MAC is the entry HMAC over a fixed marker body carrying the note, with prevHash "note" (never 64
 * hex digits, which every entry and head seal has): a note MAC can pass for nothing else. Keyed, so that once
 * the note is erased its MAC left in the chain cannot be checked against guesses without the secret.
 */
export function sealAuditNote(seal: AuditSealer, note: string): string {
  return seal("note", 0, { ...marker, action: "audit.note", reason: note });
}
