import type { AuditEntry, AuditHead, AuditQuery } from "../domain/audit/audit-chain.ts";
import type { EventRecord } from "../domain/events/user-event.ts";
import type {
  EventPosition,
  ProvisionedUser,
  SessionAndUser,
  StoreReads,
  UserConditionQuery,
  UserListQuery,
  UserPage,
  UserPageQuery,
} from "../domain/ports.ts";
import type { RecoveryLinkRecord } from "../domain/recovery/recovery-link.ts";
import type { SessionRecord } from "../domain/sessions/session-record.ts";
import type { ApiTokenRecord } from "../domain/tokens/api-token.ts";
import type { TokenAuthenticated } from "../domain/tokens/token-check.ts";
import { searchKey } from "../domain/users/email.ts";
import type { PendingSignupRecord } from "../domain/users/pending-signup.ts";
import type { UserRecord } from "../domain/users/user.ts";
import { getAuditHead, listAudit, readAuditChain } from "./audit-queries.ts";
import { getEventsPrunedThrough, listEvents } from "./event-queries.ts";
import { getPendingSignup } from "./pending-signup-queries.ts";
import { getRecoveryLink } from "./recovery-queries.ts";
import {
  type ApiTokenRow,
  apiTokenColumns,
  type SessionRow,
  sessionCheckSql,
  sessionColumns,
  toApiToken,
  tokenCheckSql,
  toSession,
  toSessionAndUser,
  toTokenAndUser,
  toUser,
  type UserRow,
  userColumns,
} from "./rows.ts";
import type { SqlExecutor, SqlParam } from "./sql-engine.ts";
import { userConditionSql } from "./user-condition-sql.ts";
import { pageUsers } from "./user-page-sql.ts";

/** Ids per getUserEmails query: a page of the audit log names at most two per entry, far fewer. */
const maxEmailLookup = 500;

/**
 * The store's reads over any SqlExecutor: the engine's for the root store, a transaction's inside one. The
 * SQL is shared by SQLite and PostgreSQL. Nothing here writes or takes a lock.
 */
export class SqlStoreReads implements StoreReads {
  // Not #private: a test double wraps a transaction in a Proxy, and #private fields refuse a Proxy as `this`.
  constructor(protected readonly db: SqlExecutor) {}

  async getUserById(id: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>(`SELECT ${userColumns} FROM users WHERE id = ?`, [id]);
    return row === undefined ? null : toUser(row);
  }

  async getUserEmails(ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
    const unique = [...new Set(ids)];
    const emails = new Map<string, string>();
    // One query for a page of the audit log; a longer list in chunks, within every engine's parameter limit.
    for (let start = 0; start < unique.length; start += maxEmailLookup) {
      const chunk = unique.slice(start, start + maxEmailLookup);
      const rows = await this.db.all<{ id: string; email: string }>(
        `SELECT id, email FROM users WHERE id IN (${chunk.map(() => "?").join(", ")})`,
        chunk,
      );
      for (const row of rows) emails.set(row.id, row.email);
    }
    return emails;
  }

  async getUserByEmail(normalizedEmail: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>(`SELECT ${userColumns} FROM users WHERE email_normalized = ?`, [
      normalizedEmail,
    ]);
    return row === undefined ? null : toUser(row);
  }

  async getSessionAndUser(sessionId: string): Promise<SessionAndUser | null> {
    const values = await this.db.getValues(sessionCheckSql, [sessionId]);
    return values === undefined ? null : toSessionAndUser(values);
  }

  async getPasswordHash(userId: string): Promise<string | null> {
    const row = await this.db.get<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", [userId]);
    return row?.password_hash ?? null;
  }

  async listUserSessions(userId: string): Promise<SessionRecord[]> {
    const rows = await this.db.all<SessionRow>(
      `SELECT ${sessionColumns} FROM sessions WHERE user_id = ? ORDER BY created_at DESC, id`,
      [userId],
    );
    return rows.map(toSession);
  }

  async getApiTokenAndUser(tokenId: string): Promise<TokenAuthenticated | null> {
    const values = await this.db.getValues(tokenCheckSql, [tokenId]);
    return values === undefined ? null : toTokenAndUser(values);
  }

  getPendingSignup(id: string): Promise<PendingSignupRecord | null> {
    return getPendingSignup(this.db, id);
  }

  getRecoveryLink(id: string): Promise<RecoveryLinkRecord | null> {
    return getRecoveryLink(this.db, id);
  }

  async listUserApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    const rows = await this.db.all<ApiTokenRow>(
      `SELECT ${apiTokenColumns} FROM api_tokens WHERE owner_id = ? ORDER BY created_at DESC, id`,
      [userId],
    );
    return rows.map(toApiToken);
  }

  async countUsers(): Promise<number> {
    const row = await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users");
    return Number(row?.n ?? 0);
  }

  async countActiveSuperusers(): Promise<number> {
    // Through the partial index users_active_superusers, like the locking count (SqlStoreTx).
    const row = await this.db.get<{ n: number }>(
      "SELECT COUNT(*) AS n FROM users WHERE role = 'superuser' AND status = 'active'",
    );
    return Number(row?.n ?? 0);
  }

  async ping(): Promise<void> {
    await this.db.get("SELECT 1 AS alive");
  }

  async listUsers(query: UserListQuery): Promise<UserRecord[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (query.search !== undefined && query.search !== "") {
      const pattern = `%${searchKey(query.search).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push("search_text LIKE ? ESCAPE '\\'");
      params.push(pattern);
    }
    if (query.role !== undefined) {
      where.push("role = ?");
      params.push(query.role);
    }
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    if (query.after !== undefined) {
      where.push("id > ?");
      params.push(query.after);
    }
    const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    params.push(query.limit);
    const rows = await this.db.all<UserRow>(`SELECT ${userColumns} FROM users ${clause} ORDER BY id LIMIT ?`, params);
    return rows.map(toUser);
  }

  pageUsers(query: UserPageQuery): Promise<UserPage | null> {
    return pageUsers(this.db, query);
  }

  async getLastLogin(userId: string): Promise<number | null> {
    const row = await this.db.get<{ at: number | string | null }>(
      "SELECT last_login_at AS at FROM users WHERE id = ?",
      [userId],
    );
    return row === undefined || row.at === null ? null : Number(row.at);
  }

  async findUsers(query: UserConditionQuery): Promise<{ total: number; users: ProvisionedUser[] }> {
    const where = userConditionSql(query.where);
    const count = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM users WHERE ${where.sql}`, where.params);
    const rows = await this.db.all<UserRow & { external_id: string | null }>(
      `SELECT ${userColumns}, external_id FROM users WHERE ${where.sql} ORDER BY created_at, id LIMIT ? OFFSET ?`,
      [...where.params, query.limit, query.offset],
    );
    return {
      total: Number(count?.n ?? 0),
      users: rows.map((row) => ({ user: toUser(row), externalId: row.external_id })),
    };
  }

  async getProvisionedUser(id: string): Promise<ProvisionedUser | null> {
    const row = await this.db.get<UserRow & { external_id: string | null }>(
      `SELECT ${userColumns}, external_id FROM users WHERE id = ?`,
      [id],
    );
    return row === undefined ? null : { user: toUser(row), externalId: row.external_id };
  }

  async getUserByExternalId(externalId: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>(`SELECT ${userColumns} FROM users WHERE external_id = ?`, [externalId]);
    return row === undefined ? null : toUser(row);
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return listAudit(this.db, query);
  }

  readAuditChain(afterSeq?: number): AsyncIterable<AuditEntry> {
    return readAuditChain(this.db, afterSeq);
  }

  getAuditHead(): Promise<AuditHead> {
    return getAuditHead(this.db);
  }

  listEvents(after: EventPosition, limit: number): Promise<EventRecord[]> {
    return listEvents(this.db, after, limit);
  }

  getEventsPrunedThrough(): Promise<EventPosition> {
    return getEventsPrunedThrough(this.db);
  }
}
