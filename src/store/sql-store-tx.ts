import type { AuditEntry, AuditInput, AuditSealer } from "../domain/audit/audit-chain.ts";
import type { EventRecord } from "../domain/events/user-event.ts";
import type { StoreTx, UserPatch } from "../domain/ports.ts";
import type { RecoveryLinkRecord } from "../domain/recovery/recovery-link.ts";
import type { SessionRecord } from "../domain/sessions/session-record.ts";
import type { ApiTokenRecord } from "../domain/tokens/api-token.ts";
import { searchKey } from "../domain/users/email.ts";
import { emailSkeleton } from "../domain/users/email-skeleton.ts";
import type { PendingSignupRecord } from "../domain/users/pending-signup.ts";
import type { UserRecord } from "../domain/users/user.ts";
import type { AttemptRecord, DeliveryRecord, FinishedAttempt } from "../domain/webhooks/webhook-delivery.ts";
import type { EndpointChanges, WebhookEndpointRecord } from "../domain/webhooks/webhook-endpoint.ts";
import { appendAudit, eraseAuditNotesMentioning } from "./audit-queries.ts";
import { insertEvents } from "./event-queries.ts";
import {
  deletePendingSignup,
  deletePendingSignupsFor,
  lockPendingSignup,
  replacePendingSignup,
} from "./pending-signup-queries.ts";
import {
  deleteRecoveryLink,
  deleteUserRecoveryLinks,
  lockRecoveryLink,
  replaceRecoveryLink,
} from "./recovery-queries.ts";
import { apiTokenColumns, sessionColumns, toUser, type UserRow, userColumns } from "./rows.ts";
import type { Dialect, SqlExecutor, SqlParam } from "./sql-engine.ts";
import { SqlStoreReads } from "./sql-store-reads.ts";
import {
  deleteWebhookEndpoint,
  finishWebhookAttempt,
  insertWebhookEndpoint,
  lockWebhookDelivery,
  lockWebhookEndpoint,
  redeliverWebhook,
  updateWebhookEndpoint,
} from "./webhook-queries.ts";

/**
 * A unit of work: the reads and every write, over one transaction's executor. Only SqlStore.transaction
 * makes one, so a write can only ever run inside a transaction, where the act and its audit row commit
 * together (the root store has no write verb, not even one its type hides).
 */
export class SqlStoreTx extends SqlStoreReads implements StoreTx {
  constructor(
    db: SqlExecutor,
    private readonly dialect: Dialect,
    private readonly seal: AuditSealer,
  ) {
    super(db);
  }

  appendAudit(entry: AuditInput): Promise<AuditEntry> {
    return appendAudit(this.db, this.dialect, this.seal, entry);
  }

  replaceRecoveryLink(link: RecoveryLinkRecord): Promise<number> {
    return replaceRecoveryLink(this.db, link);
  }

  lockRecoveryLink(id: string): Promise<RecoveryLinkRecord | null> {
    return lockRecoveryLink(this.db, this.dialect, id);
  }

  deleteRecoveryLink(id: string): Promise<boolean> {
    return deleteRecoveryLink(this.db, id);
  }

  deleteUserRecoveryLinks(userId: string): Promise<number> {
    return deleteUserRecoveryLinks(this.db, userId);
  }

  replacePendingSignup(record: PendingSignupRecord): Promise<void> {
    return replacePendingSignup(this.db, record);
  }

  lockPendingSignup(id: string): Promise<PendingSignupRecord | null> {
    return lockPendingSignup(this.db, this.dialect, id);
  }

  deletePendingSignup(id: string): Promise<boolean> {
    return deletePendingSignup(this.db, id);
  }

  insertEvents(events: readonly EventRecord[]): Promise<void> {
    return insertEvents(this.db, events);
  }

  insertWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void> {
    return insertWebhookEndpoint(this.db, endpoint);
  }

  lockWebhookEndpoint(id: string): Promise<WebhookEndpointRecord | null> {
    return lockWebhookEndpoint(this.db, this.dialect, id);
  }

  async rotateWebhookSecret(id: string, secret: string, previousSecret: string, previousUntil: number): Promise<void> {
    await this.db.run(
      "UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ? WHERE id = ?",
      [secret, previousSecret, previousUntil, id],
    );
  }

  async setSharedSetting(name: string, value: string, at: number): Promise<void> {
    await this.db.run(
      `INSERT INTO shared_settings (name, value, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [name, value, at],
    );
  }

  updateWebhookEndpoint(id: string, changes: EndpointChanges): Promise<void> {
    return updateWebhookEndpoint(this.db, id, changes);
  }

  deleteWebhookEndpoint(id: string): Promise<void> {
    return deleteWebhookEndpoint(this.db, id);
  }

  finishWebhookAttempt(deliveryId: string, attempt: AttemptRecord): Promise<FinishedAttempt | null> {
    return finishWebhookAttempt(this.db, deliveryId, attempt);
  }

  lockWebhookDelivery(endpointId: string, deliveryId: string): Promise<DeliveryRecord | null> {
    return lockWebhookDelivery(this.db, this.dialect, endpointId, deliveryId);
  }

  redeliverWebhook(deliveryId: string, now: number): Promise<void> {
    return redeliverWebhook(this.db, deliveryId, now);
  }

  async lockUser(id: string): Promise<UserRecord | null> {
    const row = await this.db.get<UserRow>(
      `SELECT ${userColumns} FROM users WHERE id = ?${this.dialect.lockRowsSuffix}`,
      [id],
    );
    return row === undefined ? null : toUser(row);
  }

  async insertUser(user: UserRecord, normalizedEmail: string, externalId: string | null = null): Promise<boolean> {
    // The skeleton is derived here, not passed in, so that no way of inserting a user can leave it out.
    // ON CONFLICT without a target covers both unique keys: a taken address and a look-alike of one fail
    // alike, atomically (PostgreSQL waits on a concurrent uncommitted insert of the same key).
    const changes = await this.db.run(
      `INSERT INTO users (id, email, email_normalized, email_skeleton, name, search_text, role, status,
        password_hash, created_at, updated_at, purge_after, external_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
        externalId,
      ],
    );
    return changes === 1;
  }

  async setUserExternalId(id: string, externalId: string | null): Promise<void> {
    await this.db.run("UPDATE users SET external_id = ? WHERE id = ?", [externalId, id]);
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

  async recordLogin(userId: string, at: number): Promise<void> {
    // Not updated_at: signing in changes nothing about the account.
    await this.db.run("UPDATE users SET last_login_at = ? WHERE id = ?", [at, userId]);
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
    // A sign-up someone began with the address meanwhile holds it (and perhaps a name) too.
    await deletePendingSignupsFor(this.db, row.email_normalized);
    return (await this.db.run("DELETE FROM users WHERE id = ?", [id])) === 1;
  }

  async lockActiveSuperusers(): Promise<number> {
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

  async insertApiToken(t: ApiTokenRecord): Promise<void> {
    await this.db.run(`INSERT INTO api_tokens (${apiTokenColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, [
      t.id,
      t.ownerId,
      t.name,
      t.scopes.join(" "),
      t.secretHash,
      t.createdAt,
      t.expiresAt,
      t.lastUsedAt,
    ]);
  }

  async deleteUserApiToken(userId: string, tokenId: string): Promise<boolean> {
    return (await this.db.run("DELETE FROM api_tokens WHERE id = ? AND owner_id = ?", [tokenId, userId])) === 1;
  }

  deleteUserApiTokens(userId: string): Promise<number> {
    return this.db.run("DELETE FROM api_tokens WHERE owner_id = ?", [userId]);
  }
}
