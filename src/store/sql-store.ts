import {
  type AuditEntry,
  type AuditHead,
  type AuditInput,
  type AuditQuery,
  type AuditSealer,
  genesisHash,
  sealAuditHead,
} from "../domain/audit.ts";
import { searchKey } from "../domain/email.ts";
import { emailSkeleton } from "../domain/email-skeleton.ts";
import type { SessionAndUser, Store, StoreTx, UserListQuery, UserPatch } from "../domain/ports.ts";
import type { SessionRecord } from "../domain/session.ts";
import type { UserRecord } from "../domain/user.ts";
import { appendAudit, eraseAuditNotesMentioning, getAuditHead, listAudit, readAuditChain } from "./audit-queries.ts";
import {
  type SessionRow,
  sessionCheckSql,
  sessionColumns,
  toSession,
  toSessionAndUser,
  toUser,
  type UserRow,
  userColumns,
} from "./rows.ts";
import type { Dialect, SqlEngine, SqlExecutor, SqlParam } from "./sql-engine.ts";
import { TouchBatcher, touchFlushDelayMs } from "./touch-batcher.ts";

/**
 * The store's verbs over any SqlExecutor: the engine itself for reads, or a transaction's executor for
 * a unit of work. The SQL is shared by SQLite and PostgreSQL.
 */
class SqlStoreTx implements StoreTx {
  constructor(
    protected readonly db: SqlExecutor,
    protected readonly dialect: Dialect,
    protected readonly seal: AuditSealer,
  ) {}

  async getUserById(id: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>(`SELECT ${userColumns} FROM users WHERE id = ?`, [id]);
    return row === undefined ? null : toUser(row);
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

  async countUsers(): Promise<number> {
    const row = await this.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM users");
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

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return listAudit(this.db, query);
  }

  readAuditChain(afterSeq?: number): AsyncIterable<AuditEntry> {
    return readAuditChain(this.db, afterSeq);
  }

  getAuditHead(): Promise<AuditHead> {
    return getAuditHead(this.db);
  }

  appendAudit(entry: AuditInput): Promise<AuditEntry> {
    return appendAudit(this.db, this.dialect, this.seal, entry);
  }

  async lockUser(id: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>(
      `SELECT ${userColumns} FROM users WHERE id = ?${this.dialect.lockRowsSuffix}`,
      [id],
    );
    return row === undefined ? null : toUser(row);
  }

  async insertUser(user: UserRecord, normalizedEmail: string): Promise<boolean> {
    // The skeleton is derived here, not passed in, so that no way of inserting a user can leave it out.
    // ON CONFLICT without a target covers both unique keys: a taken address and a look-alike of one fail
    // alike, atomically (PostgreSQL waits on a concurrent uncommitted insert of the same key).
    const changes = await this.db.run(
      `INSERT INTO users (id, email, email_normalized, email_skeleton, name, search_text, role, status,
        password_hash, created_at, updated_at, purge_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING`,
      [
        user.id,
        user.email,
        normalizedEmail,
        emailSkeleton(normalizedEmail),
        user.name,
        `${normalizedEmail} ${searchKey(user.name)}`,
        user.role,
        user.status,
        user.passwordHash,
        user.createdAt,
        user.updatedAt,
        user.purgeAfter,
      ],
    );
    return changes === 1;
  }

  async updateUser(id: string, patch: UserPatch, now: number): Promise<void> {
    const assignments: [string, SqlParam][] = [];
    if (patch.name !== undefined) {
      assignments.push(["name = ?", patch.name], ["search_text = email_normalized || ' ' || ?", searchKey(patch.name)]);
    }
    if (patch.role !== undefined) assignments.push(["role = ?", patch.role]);
    if (patch.status !== undefined) assignments.push(["status = ?", patch.status]);
    if (patch.passwordHash !== undefined) assignments.push(["password_hash = ?", patch.passwordHash]);
    if (patch.purgeAfter !== undefined) assignments.push(["purge_after = ?", patch.purgeAfter]);
    assignments.push(["updated_at = ?", now]);
    await this.db.run(`UPDATE users SET ${assignments.map(([sql]) => sql).join(", ")} WHERE id = ?`, [
      ...assignments.map(([, value]) => value),
      id,
    ]);
  }

  async scheduleErasure(id: string, purgeAfter: number, now: number): Promise<void> {
    await this.db.run(
      `UPDATE users SET status_before_deletion = COALESCE(status_before_deletion, status), status = 'disabled',
        purge_after = ?, updated_at = ? WHERE id = ?`,
      [purgeAfter, now, id],
    );
  }

  async cancelErasure(id: string, now: number): Promise<void> {
    await this.db.run(
      `UPDATE users SET status = COALESCE(status_before_deletion, 'active'), status_before_deletion = NULL,
        purge_after = NULL, updated_at = ? WHERE id = ?`,
      [now, id],
    );
  }

  async eraseUser(id: string): Promise<boolean> {
    const row = await this.db.get<{ email_normalized: string }>("SELECT email_normalized FROM users WHERE id = ?", [
      id,
    ]);
    if (row === undefined) return false;
    // In the same transaction: notes that name the person go with them (an admin's reason for another
    // deletion may give their address).
    await eraseAuditNotesMentioning(this.db, row.email_normalized);
    return (await this.db.run("DELETE FROM users WHERE id = ?", [id])) === 1;
  }

  async countActiveSuperusers(): Promise<number> {
    // Rows are locked in id order (PostgreSQL), so two transactions that each remove a superuser cannot
    // both see the other still active; SQLite's single writer gives the same guarantee.
    const rows = await this.db.all<{ id: string }>(
      `SELECT id FROM users WHERE role = 'superuser' AND status = 'active' ORDER BY id${this.dialect.lockRowsSuffix}`,
    );
    return rows.length;
  }

  async listUsersDueForPurge(now: number, limit: number): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      "SELECT id FROM users WHERE purge_after IS NOT NULL AND purge_after <= ? ORDER BY purge_after LIMIT ?",
      [now, limit],
    );
    return rows.map((row) => row.id);
  }

  async insertSession(s: SessionRecord): Promise<void> {
    await this.db.run(`INSERT INTO sessions (${sessionColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      s.id,
      s.userId,
      s.secretHash,
      s.createdAt,
      s.lastSeenAt,
      s.authenticatedAt,
      s.expiresAt,
      s.ip,
      s.userAgent,
    ]);
  }

  async deleteSession(id: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM sessions WHERE id = ?", [id])) === 1;
  }

  async deleteUserSession(userId: string, sessionId: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM sessions WHERE id = ? AND user_id = ?", [sessionId, userId])) === 1;
  }

  async deleteUserSessions(userId: string, exceptSessionId?: string): Promise<number> {
    return exceptSessionId === undefined
      ? this.db.run("DELETE FROM sessions WHERE user_id = ?", [userId])
      : this.db.run("DELETE FROM sessions WHERE user_id = ? AND id <> ?", [userId, exceptSessionId]);
  }

  async markReauthenticated(sessionId: string, now: number): Promise<void> {
    await this.db.run("UPDATE sessions SET authenticated_at = ?, last_seen_at = ? WHERE id = ?", [now, now, sessionId]);
  }
}

export class SqlStore extends SqlStoreTx implements Store {
  readonly engine: "sqlite" | "postgres";
  readonly #engine: SqlEngine;
  readonly #touches: TouchBatcher;

  constructor(engine: SqlEngine, seal: AuditSealer, touchDelayMs = touchFlushDelayMs) {
    super(engine, engine.dialect, seal);
    this.#engine = engine;
    this.engine = engine.dialect.name;
    this.#touches = new TouchBatcher(engine, touchDelayMs);
  }

  /** A new database's empty log gets its sealed head once the secret is known (at open, after migrating). */
  async sealEmptyAuditHead(): Promise<void> {
    await this.#engine.run("UPDATE audit_head SET seal = ? WHERE id = 1 AND seq = 0 AND seal = ''", [
      sealAuditHead(this.seal, 0, genesisHash),
    ]);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.#engine.transaction((db) => fn(new SqlStoreTx(db, this.dialect, this.seal)));
  }

  /** See TouchBatcher: gathered for a second, written without fsync; the session check does not wait. */
  touchSession(id: string, now: number): Promise<void> {
    return this.#touches.touch(id, now);
  }

  deleteIdleSessions(idleSince: number, limit: number): Promise<number> {
    // The subquery walks the sessions_last_seen_at index from its oldest end: a batch reads only the rows
    // it deletes, however large the table. Not fsync'd: a sweep lost in a power cut deletes rows that are
    // refused anyway, and the next sweep deletes them again.
    return this.#engine.transaction(
      (db) =>
        db.run(
          "DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE last_seen_at <= ? ORDER BY last_seen_at LIMIT ?)",
          [idleSince, limit],
        ),
      { durable: false },
    );
  }

  /** See SqlEngine.scrubAfterErase: called by the erasure use case after its transaction commits. */
  scrubAfterErase(): Promise<void> {
    return this.#engine.scrubAfterErase();
  }

  async close(): Promise<void> {
    await this.#touches.close();
    await this.#engine.close();
  }
}
