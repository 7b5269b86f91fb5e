import {
  type AuditEntry,
  type AuditHead,
  type AuditQuery,
  type AuditSealer,
  genesisHash,
  sealAuditHead,
} from "../domain/audit/audit-chain.ts";
import type { EventRecord } from "../domain/events/user-event.ts";
import type {
  EventPosition,
  ProvisionedUser,
  SessionAndUser,
  Store,
  StoreTx,
  TransactionOptions,
  UserConditionQuery,
  UserListQuery,
  UserPage,
  UserPageQuery,
} from "../domain/ports.ts";
import type { RecoveryLinkRecord } from "../domain/recovery/recovery-link.ts";
import type { SessionRecord } from "../domain/sessions/session-record.ts";
import type { ApiTokenRecord } from "../domain/tokens/api-token.ts";
import type { TokenAuthenticated } from "../domain/tokens/token-check.ts";
import type { PendingSignupRecord } from "../domain/users/pending-signup.ts";
import type { UserRecord } from "../domain/users/user.ts";
import { pruneEvents } from "./event-queries.ts";
import { deleteExpiredPendingSignups } from "./pending-signup-queries.ts";
import type { SqlEngine } from "./sql-engine.ts";
import { SqlStoreReads } from "./sql-store-reads.ts";
import { SqlStoreTx } from "./sql-store-tx.ts";
import { TouchBatcher, touchFlushDelayMs } from "./touch-batcher.ts";
import { SqlWebhookStore } from "./webhook-store.ts";

/**
 * The root store: reads over the engine (on SQLite, its read connection), transaction(), and the few writes
 * that are each their own short transaction. It holds its reads rather than being them, and is never a
 * SqlStoreTx: a write verb exists only on the SqlStoreTx that transaction() makes for its function, so
 * outside a transaction none is reachable, at run time as in the types (`"insertUser" in store` is false).
 */
export class SqlStore implements Store {
  readonly engine: "sqlite" | "postgres";
  readonly #engine: SqlEngine;
  readonly #reads: SqlStoreReads;
  readonly #seal: AuditSealer;
  readonly #touches: TouchBatcher;
  readonly webhooks: SqlWebhookStore;

  constructor(engine: SqlEngine, seal: AuditSealer, touchDelayMs = touchFlushDelayMs) {
    this.#engine = engine;
    this.#reads = new SqlStoreReads(engine);
    this.#seal = seal;
    this.engine = engine.dialect.name;
    this.#touches = new TouchBatcher(engine, touchDelayMs);
    this.webhooks = new SqlWebhookStore(engine);
  }

  getUserById(id: string): Promise<UserRecord | null> {
    return this.#reads.getUserById(id);
  }

  getUserByEmail(normalizedEmail: string): Promise<UserRecord | null> {
    return this.#reads.getUserByEmail(normalizedEmail);
  }

  getSessionAndUser(sessionId: string): Promise<SessionAndUser | null> {
    return this.#reads.getSessionAndUser(sessionId);
  }

  getPasswordHash(userId: string): Promise<string | null> {
    return this.#reads.getPasswordHash(userId);
  }

  listUserSessions(userId: string): Promise<SessionRecord[]> {
    return this.#reads.listUserSessions(userId);
  }

  getApiTokenAndUser(tokenId: string): Promise<TokenAuthenticated | null> {
    return this.#reads.getApiTokenAndUser(tokenId);
  }

  listUserApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return this.#reads.listUserApiTokens(userId);
  }

  getPendingSignup(id: string): Promise<PendingSignupRecord | null> {
    return this.#reads.getPendingSignup(id);
  }

  getRecoveryLink(id: string): Promise<RecoveryLinkRecord | null> {
    return this.#reads.getRecoveryLink(id);
  }

  countUsers(): Promise<number> {
    return this.#reads.countUsers();
  }

  countActiveSuperusers(): Promise<number> {
    return this.#reads.countActiveSuperusers();
  }

  ping(): Promise<void> {
    return this.#reads.ping();
  }

  listUsers(query: UserListQuery): Promise<UserRecord[]> {
    return this.#reads.listUsers(query);
  }

  pageUsers(query: UserPageQuery): Promise<UserPage | null> {
    return this.#reads.pageUsers(query);
  }

  getLastLogin(userId: string): Promise<number | null> {
    return this.#reads.getLastLogin(userId);
  }

  findUsers(query: UserConditionQuery): Promise<{ total: number; users: ProvisionedUser[] }> {
    return this.#reads.findUsers(query);
  }

  getProvisionedUser(id: string): Promise<ProvisionedUser | null> {
    return this.#reads.getProvisionedUser(id);
  }

  getUserByExternalId(externalId: string): Promise<UserRecord | null> {
    return this.#reads.getUserByExternalId(externalId);
  }

  getUserEmails(ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.#reads.getUserEmails(ids);
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.#reads.listAudit(query);
  }

  readAuditChain(afterSeq?: number): AsyncIterable<AuditEntry> {
    return this.#reads.readAuditChain(afterSeq);
  }

  getAuditHead(): Promise<AuditHead> {
    return this.#reads.getAuditHead();
  }

  listEvents(after: EventPosition, limit: number): Promise<EventRecord[]> {
    return this.#reads.listEvents(after, limit);
  }

  getEventsPrunedThrough(): Promise<EventPosition> {
    return this.#reads.getEventsPrunedThrough();
  }

  pruneEvents(before: number, limit: number): Promise<number> {
    return this.#engine.transaction((db) => pruneEvents(db, before, limit));
  }

  async readSharedSettings(): Promise<Record<string, string>> {
    const rows = await this.#engine.all<{ name: string; value: string }>("SELECT name, value FROM shared_settings");
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  }

  async initSharedSettings(values: Readonly<Record<string, string>>, at: number): Promise<void> {
    await this.#engine.transaction(async (db) => {
      for (const [name, value] of Object.entries(values)) {
        await db.run(
          "INSERT INTO shared_settings (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
          [name, value, at],
        );
      }
    });
  }

  /** A new database's empty log gets its sealed head once the secret is known (at open, after migrating). */
  async sealEmptyAuditHead(): Promise<void> {
    await this.#engine.run("UPDATE audit_head SET seal = ? WHERE id = 1 AND seq = 0 AND seal = ''", [
      sealAuditHead(this.#seal, 0, genesisHash),
    ]);
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#engine.transaction((db) => fn(new SqlStoreTx(db, this.#engine.dialect, this.#seal)), options);
  }

  /** See TouchBatcher: gathered for a second, written without fsync; the session check does not wait. */
  touchSession(id: string, now: number): Promise<void> {
    return this.#touches.touch(id, now);
  }

  /**
   * One short statement of its own, at most once a minute per token (token-check.ts): not batched like the
   * session touches, since a service calls with few tokens, and not worth fsync either.
   */
  async touchApiToken(id: string, now: number): Promise<void> {
    await this.#engine.transaction((db) => db.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now, id]), {
      durable: false,
    });
  }

  deleteExpiredPendingSignups(now: number, limit: number): Promise<number> {
    return this.#engine.transaction((db) => deleteExpiredPendingSignups(db, now, limit));
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
