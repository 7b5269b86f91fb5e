import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before } from "node:test";
import { type AuditInput, type AuditSealer, createAuditSealer } from "../../src/domain/audit/audit-chain.ts";
import type { Store } from "../../src/domain/ports.ts";
import type { SessionRecord } from "../../src/domain/sessions/session-record.ts";
import { legacyEmailKey, normalizeEmail, searchKey } from "../../src/domain/users/email.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { deriveKey } from "../../src/infra/keys.ts";
import type { MigrationResult } from "../../src/store/migrator.ts";
import { openStore } from "../../src/store/open-store.ts";
import type { SqlExecutor } from "../../src/store/sql-engine.ts";
import { createTestDatabase, type EngineName, type TestDatabase } from "../support/databases.ts";

/** Shared set-up of the store contract suite: a fresh database per suite, records, and raw SQL access. */

/** The suites' "now": all timestamps are fixed numbers, never the wall clock. */
export const t0 = Date.UTC(2026, 10, 26, 12, 0, 0);

export interface StoreFixture {
  readonly store: Store;
  readonly database: TestDatabase;
  readonly seal: AuditSealer;
  readonly migrations: MigrationResult;
}

export function openSealer(secret: Buffer): AuditSealer {
  return createAuditSealer(deriveKey(secret, "audit"));
}

/** Opens a store on a fresh database before the enclosing suite and drops it after. */
export function useFreshStore(engine: EngineName): () => StoreFixture {
  let fixture: StoreFixture | undefined;
  before(async () => {
    const database = await createTestDatabase(engine);
    const seal = openSealer(randomBytes(32));
    const { store, migrations } = await openStore(database.location, seal);
    fixture = { store, database, seal, migrations };
  });
  after(async () => {
    await fixture?.store.close();
    await fixture?.database.drop();
  });
  return () => {
    if (fixture === undefined) throw new Error("the store was not opened");
    return fixture;
  };
}

export function newUser(overrides: Partial<UserRecord> = {}): UserRecord {
  const id = randomUUID();
  return {
    id,
    email: `user-${id}@example.test`,
    name: "Test User",
    role: "user",
    status: "active",
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$not-a-real-hash",
    createdAt: t0,
    updatedAt: t0,
    purgeAfter: null,
    ...overrides,
  };
}

export async function addUser(store: Store, overrides: Partial<UserRecord> = {}): Promise<UserRecord> {
  const user = newUser(overrides);
  const inserted = await store.transaction((tx) => tx.insertUser(user, normalizeEmail(user.email)));
  assert.equal(inserted, true, "fixture user was inserted");
  return user;
}

/**
 * Inserts a user the way releases before schema version 4 did: no skeleton column, and the key of that
 * time (trimmed, NFC, lower case) unless another is given. For upgrade tests, on an engine migrated to 2.
 */
export async function insertUserBeforeSchema4(
  db: SqlExecutor,
  user: UserRecord,
  key: string = legacyEmailKey(user.email),
): Promise<void> {
  await db.run(
    `INSERT INTO users (id, email, email_normalized, name, search_text, role, status, password_hash, created_at,
      updated_at, purge_after) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      user.id,
      user.email,
      key,
      user.name,
      `${key} ${searchKey(user.name)}`,
      user.role,
      user.status,
      user.passwordHash,
      user.createdAt,
      user.updatedAt,
      user.purgeAfter,
    ],
  );
}

export function newSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: randomBytes(16).toString("base64url"),
    userId,
    secretHash: randomBytes(32).toString("hex"),
    createdAt: t0,
    lastSeenAt: t0,
    authenticatedAt: t0,
    expiresAt: t0 + 12 * 3_600_000,
    ip: "192.0.2.1",
    userAgent: "contract-test",
    ...overrides,
  };
}

export async function addSession(
  store: Store,
  userId: string,
  overrides: Partial<SessionRecord> = {},
): Promise<SessionRecord> {
  const session = newSession(userId, overrides);
  await store.transaction((tx) => tx.insertSession(session));
  return session;
}

export function auditInput(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    at: t0,
    actorType: "user",
    actorId: randomUUID(),
    action: "user.delete",
    targetId: randomUUID(),
    outcome: "success",
    reason: null,
    requestId: "req-1",
    ip: "192.0.2.1",
    details: { sessionsRevoked: 2, erased: true },
    ...overrides,
  };
}

export async function appendAudits(store: Store, inputs: readonly AuditInput[]): Promise<void> {
  await store.transaction(async (tx) => {
    for (const input of inputs) await tx.appendAudit(input);
  });
}

/** Collects an async iterable (readAuditChain) into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** A user as getSessionAndUser returns it: the password hash is not read on the session check. */
export function withoutHash(user: UserRecord): Omit<UserRecord, "passwordHash"> {
  const { passwordHash: _, ...rest } = user;
  return rest;
}
