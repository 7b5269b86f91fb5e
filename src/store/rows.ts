import type { AuditActorType, AuditDetails, AuditEntry, AuditOutcome } from "../domain/audit.ts";
import type { SessionAndUser } from "../domain/ports.ts";
import type { Role } from "../domain/role.ts";
import type { SessionRecord } from "../domain/session.ts";
import type { UserRecord, UserStatus } from "../domain/user.ts";

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

export const auditColumns =
  "seq, at, actor_type, actor_id, action, target_id, outcome, reason, request_id, ip, details, prev_hash, hash, note_mac";

/** An entry with its note while it exists; `a` is audit_log and `n` audit_notes in every audit read. */
export const auditSelect = `SELECT a.seq, a.at, a.actor_type, a.actor_id, a.action, a.target_id, a.outcome, a.reason,
  a.request_id, a.ip, a.details, a.prev_hash, a.hash, a.note_mac, n.note
  FROM audit_log a LEFT JOIN audit_notes n ON n.seq = a.seq`;

export interface AuditRow {
  seq: number;
  at: number;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_id: string | null;
  outcome: string;
  reason: string | null;
  request_id: string | null;
  ip: string | null;
  details: string;
  prev_hash: string;
  hash: string;
  note_mac: string | null;
  note: string | null;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  // noteMac and note appear only on entries that have them: an entry without a note reads back (and is
  // sealed) exactly as entries did before notes existed.
  const note = row.note_mac === null && row.note === null ? {} : { note: row.note };
  return {
    seq: row.seq,
    at: row.at,
    actorType: row.actor_type as AuditActorType,
    actorId: row.actor_id,
    action: row.action,
    targetId: row.target_id,
    outcome: row.outcome as AuditOutcome,
    reason: row.reason,
    requestId: row.request_id,
    ip: row.ip,
    details: JSON.parse(row.details) as AuditDetails,
    prevHash: row.prev_hash,
    hash: row.hash,
    ...(row.note_mac === null ? {} : { noteMac: row.note_mac }),
    ...note,
  };
}
