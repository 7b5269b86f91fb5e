import {
  type AuditDetails,
  type AuditEntry,
  type AuditRecord,
  sealedAuditFields,
} from "../domain/audit/audit-chain.ts";
import type { SessionAndUser } from "../domain/ports.ts";
import type { SessionRecord } from "../domain/sessions/session-record.ts";
import { type ApiTokenRecord, isTokenScope, type TokenScope } from "../domain/tokens/api-token.ts";
import type { TokenAuthenticated } from "../domain/tokens/token-check.ts";
import type { Role } from "../domain/users/role.ts";
import type { UserRecord, UserStatus } from "../domain/users/user.ts";
import type { SqlParam } from "./sql-engine.ts";

/** Column lists and row-to-record mapping shared by both engines. */
export const userColumns = "id, email, name, role, status, password_hash, created_at, updated_at, purge_after";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  password_hash: string;
  created_at: number;
  updated_at: number;
  purge_after: number | null;
}

export function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    // The CHECK constraints on users.role and users.status (migrations.ts) keep these casts true.
    role: row.role as Role,
    status: row.status as UserStatus,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    purgeAfter: row.purge_after,
  };
}

export const sessionColumns =
  "id, user_id, secret_hash, created_at, last_seen_at, authenticated_at, expires_at, ip, user_agent";

export interface SessionRow {
  id: string;
  user_id: string;
  secret_hash: string;
  created_at: number;
  last_seen_at: number;
  authenticated_at: number;
  expires_at: number;
  ip: string;
  user_agent: string;
}

export function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    userId: row.user_id,
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    authenticatedAt: row.authenticated_at,
    expiresAt: row.expires_at,
    ip: row.ip,
    userAgent: row.user_agent,
  };
}

/**
 * The session check's single join, read as an array of values: the session's columns, then the user's,
 * without the password hash (the check never needs it; the few acts that do read it apart).
 */
export const sessionCheckSql = `SELECT s.id, s.user_id, s.secret_hash, s.created_at, s.last_seen_at,
  s.authenticated_at, s.expires_at, s.ip, s.user_agent,
  u.email, u.name, u.role, u.status, u.created_at, u.updated_at, u.purge_after
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;

export function toSessionAndUser(values: readonly unknown[]): SessionAndUser {
  const [id, userId, secretHash, createdAt, lastSeenAt, authenticatedAt, expiresAt, ip, userAgent] = values;
  const [email, name, role, status, userCreatedAt, updatedAt, purgeAfter] = values.slice(9);
  return {
    session: {
      id: id as string,
      userId: userId as string,
      secretHash: secretHash as string,
      createdAt: createdAt as number,
      lastSeenAt: lastSeenAt as number,
      authenticatedAt: authenticatedAt as number,
      expiresAt: expiresAt as number,
      ip: ip as string,
      userAgent: userAgent as string,
    },
    user: {
      id: userId as string,
      email: email as string,
      name: name as string,
      role: role as Role,
      status: status as UserStatus,
      createdAt: userCreatedAt as number,
      updatedAt: updatedAt as number,
      purgeAfter: purgeAfter as number | null,
    },
  };
}

export const apiTokenColumns = "id, owner_id, name, scopes, secret_hash, created_at, expires_at, last_used_at";

export interface ApiTokenRow {
  id: string;
  owner_id: string;
  name: string;
  scopes: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
}

/** Scopes are stored space-separated; a word that is no longer a scope grants nothing. */
function toScopes(text: string): TokenScope[] {
  return text.split(" ").filter(isTokenScope);
}

export function toApiToken(row: ApiTokenRow): ApiTokenRecord {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    scopes: toScopes(row.scopes),
    secretHash: row.secret_hash,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

/** The bearer check's single join: the token's columns, then its owner's, without the password hash. */
export const tokenCheckSql = `SELECT t.id, t.owner_id, t.name, t.scopes, t.secret_hash, t.created_at, t.expires_at,
  t.last_used_at, u.email, u.name, u.role, u.status, u.created_at, u.updated_at, u.purge_after
  FROM api_tokens t JOIN users u ON u.id = t.owner_id WHERE t.id = ?`;

export function toTokenAndUser(values: readonly unknown[]): TokenAuthenticated {
  const [id, ownerId, name, scopes, secretHash, createdAt, expiresAt, lastUsedAt] = values;
  const [email, userName, role, status, userCreatedAt, updatedAt, purgeAfter] = values.slice(8);
  return {
    token: toApiToken({
      id: id as string,
      owner_id: ownerId as string,
      name: name as string,
      scopes: scopes as string,
      secret_hash: secretHash as string,
      created_at: createdAt as number,
      expires_at: expiresAt as number,
      last_used_at: lastUsedAt as number | null,
    }),
    user: {
      id: ownerId as string,
      email: email as string,
      name: userName as string,
      role: role as Role,
      status: status as UserStatus,
      createdAt: Number(userCreatedAt),
      updatedAt: Number(updatedAt),
      purgeAfter: purgeAfter === null ? null : Number(purgeAfter),
    },
  };
}

/**
 * An audit entry's members in audit_log's column order: the seq, the sealed members in the seal's order
 * (domain/audit/audit-chain.ts), the links, the note's MAC. Each column is its member's name in snake case.
 */
const auditMembers = ["seq", ...sealedAuditFields, "prevHash", "hash", "noteMac"] as const;

function auditColumn(member: (typeof auditMembers)[number]): string {
  return member.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export const auditInsertSql = `INSERT INTO audit_log (${auditMembers.map(auditColumn).join(", ")})
  VALUES (${auditMembers.map(() => "?").join(", ")})`;

/** What auditInsertSql binds, in its columns' order: details as the JSON text that is stored. */
export function auditRowValues(entry: Omit<AuditEntry, "note">, detailsJson: string): SqlParam[] {
  return auditMembers.map((member) =>
    member === "details" ? detailsJson : member === "noteMac" ? (entry.noteMac ?? null) : entry[member],
  );
}

/**
 * An entry with its note while it exists; `a` is audit_log and `n` audit_notes in every audit read. Each
 * column comes back under its member's name: a row is the entry but for details and the note.
 */
export const auditSelect = `SELECT ${auditMembers.map((member) => `a.${auditColumn(member)} AS "${member}"`).join(", ")},
  n.note FROM audit_log a LEFT JOIN audit_notes n ON n.seq = a.seq`;

/**
 * A row of auditSelect. audit_log has no CHECK on actor_type or outcome: what keeps their types true is the
 * seal, which verification recomputes over exactly these values.
 */
export type AuditRow = Omit<AuditRecord, "details" | "noteMac"> & {
  readonly seq: number;
  readonly details: string;
  readonly prevHash: string;
  readonly hash: string;
  readonly noteMac: string | null;
  readonly note: string | null;
};

/**
 * The stored details, or, when someone made them unreadable behind the server's back (not JSON, or not an
 * object), the raw text under one key: the entry then no longer matches its seal and verification reports
 * it as altered and walks on, instead of failing on it and hiding every later edit.
 */
function readDetails(text: string): AuditDetails {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed as AuditDetails;
  } catch {
    // Fall through: unreadable.
  }
  return { unreadable: text };
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  const { details, noteMac, note, ...sealed } = row;
  // noteMac and note appear only on entries that have them: an entry without a note reads back (and is
  // sealed) exactly as entries did before notes existed.
  return {
    ...sealed,
    details: readDetails(details),
    ...(noteMac === null ? {} : { noteMac }),
    ...(noteMac === null && note === null ? {} : { note }),
  };
}
