import {
  type AuditDetails,
  type AuditInput,
  type AuditRecord,
  type AuditSealer,
  sealAuditNote,
  sealedAuditFields,
} from "../domain/audit/audit-chain.ts";
import { freeTextSearchKey } from "../domain/users/email.ts";

/**
 * @module
 * What appendAudit writes, and the record it seals: the seal is computed over exactly what the database
 * returns. Every string is made well-formed first (a lone UTF-16 surrogate or a NUL becomes U+FFFD): SQLite
 * would store a lone surrogate as the bytes ED A0 BD and PostgreSQL as U+FFFD (and refuse NUL outright), so
 * an entry sealed over the raw text would never match its row. This holds for every writer, the CLI
 * included, whatever the edge let through. Details are sealed as parsed back from the JSON that is stored,
 * so a value JSON cannot carry (undefined, NaN, -0) cannot make the two differ either.
 */
export interface StoredAudit {
  readonly record: AuditRecord;
  readonly detailsJson: string;
  /** The note is stored apart (audit_notes), with the form erasure matches e-mail addresses against. */
  readonly note: { readonly text: string; readonly searchText: string } | null;
}

export function storedAudit(input: AuditInput, seal: AuditSealer): StoredAudit {
  const details: Record<string, AuditDetails[string]> = {};
  for (const [key, value] of Object.entries(input.details)) {
    details[wellFormed(key)] = typeof value === "string" ? wellFormed(value) : value;
  }
  const detailsJson = JSON.stringify(details);
  const text = input.note === undefined || input.note === null ? null : wellFormed(input.note);
  const record: AuditRecord = {
    ...wellFormedMembers(input),
    details: JSON.parse(detailsJson) as AuditDetails,
    ...(text === null ? {} : { noteMac: sealAuditNote(seal, text) }),
  };
  // The search key percent-decodes the note ("%00" becomes a NUL), so it is made well-formed again itself.
  const note = text === null ? null : { text, searchText: wellFormed(freeTextSearchKey(text)) };
  return { record, detailsJson, note };
}

/** Text both engines store and return unchanged: no lone surrogate, no NUL. */
export function wellFormed(text: string): string {
  if (text.isWellFormed() && !text.includes("\u0000")) return text;
  return text.toWellFormed().replaceAll("\u0000", "\ufffd");
}

/** Every sealed member but details, each string made well-formed; numbers and nulls stay as they are. */
function wellFormedMembers(input: AuditInput): Omit<AuditRecord, "details" | "noteMac"> {
  const members = sealedAuditFields
    .filter((field) => field !== "details")
    .map((field) => {
      const value = input[field];
      return [field, typeof value === "string" ? wellFormed(value) : value];
    });
  // Every member: sealedAuditFields names them all (domain/audit/audit-chain.ts fails to compile otherwise). The enum
  // members (actorType, outcome) are ASCII words, which wellFormed returns unchanged.
  return Object.fromEntries(members) as Omit<AuditRecord, "details" | "noteMac">;
}
