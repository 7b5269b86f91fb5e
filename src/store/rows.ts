import type { AuditActorType, AuditDetails, AuditEntry, AuditOutcome } from "../domain/audit.ts";
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

/** The session check's single join: session columns then user columns, prefixed to keep them apart. */
export const sessionAndUserSql = `SELECT s.id, s.user_id, s.secret_hash, s.created_at, s.last_seen_at,
  s.authenticated_at, s.expires_at, s.ip, s.user_agent,
  u.email AS u_email, u.name AS u_name, u.role AS u_role, u.status AS u_status,
  u.password_hash AS u_password_hash, u.created_at AS u_created_at, u.updated_at AS u_updated_at,
  u.purge_after AS u_purge_after
  FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`;

export interface SessionAndUserRow extends SessionRow {
  u_email: string;
  u_name: string;
  u_role: string;
  u_status: string;
  u_password_hash: string;
  u_created_at: number;
  u_updated_at: number;
  u_purge_after: number | null;
}

export function toUserFromJoin(row: SessionAndUserRow): UserRecord {
  return {
    id: row.user_id,
    email: row.u_email,
    name: row.u_name,
    role: row.u_role as Role,
    status: row.u_status as UserStatus,
    passwordHash: row.u_password_hash,
    createdAt: row.u_created_at,
    updatedAt: row.u_updated_at,
    purgeAfter: row.u_purge_after,
  };
}

export const auditColumns =
  "seq, at, actor_type, actor_id, action, target_id, outcome, reason, request_id, ip, details, prev_hash, hash";

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
}

export function toAuditEntry(row: AuditRow): AuditEntry {
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
  };
}
