import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { buildApp } from "../../src/app.ts";
import { noRequest } from "../../src/domain/actor.ts";
import type { AuditEntry, AuditQuery } from "../../src/domain/audit/audit-chain.ts";
import { verifyAuditLog } from "../../src/domain/audit/audit-log.ts";
import { deleteUser } from "../../src/domain/deletion/delete-user.ts";
import type { Deps } from "../../src/domain/deps.ts";
import type { EventRecord } from "../../src/domain/events/user-event.ts";
import type {
  EventPosition,
  ProvisionedUser,
  SessionAndUser,
  Store,
  StoreTx,
  UserConditionQuery,
  UserListQuery,
  UserPage,
  UserPageQuery,
} from "../../src/domain/ports.ts";
import type { RecoveryLinkRecord } from "../../src/domain/recovery/recovery-link.ts";
import type { SessionRecord } from "../../src/domain/sessions/session-record.ts";
import type { ApiTokenRecord } from "../../src/domain/tokens/api-token.ts";
import type { TokenAuthenticated } from "../../src/domain/tokens/token-check.ts";
import type { PendingSignupRecord } from "../../src/domain/users/pending-signup.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { createSignedInUser, createUser, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditOf } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { HttpClient } from "../support/http-client.ts";

/**
 * ASVS 2.3.3 and CS-AZ "exit safely": a fault in the middle of a deletion rolls the whole of it back.
 * The one test double in these suites: the real store, with one transaction verb made to fail.
 */
type Sabotaged = "deleteUserSessions" | "eraseUser" | "scheduleErasure" | "appendAudit" | "insertEvents";

class InjectedFault extends Error {
  override readonly name = "InjectedFault";
}

/** The real store; inside transactions, `verb` throws after doing its real work, when `when` says so. */
class SabotagedStore implements Store {
  readonly #real: Store;
  readonly #verb: Sabotaged;
  readonly #when: (args: readonly unknown[]) => boolean;

  constructor(real: Store, verb: Sabotaged, when: (args: readonly unknown[]) => boolean = () => true) {
    this.#real = real;
    this.#verb = verb;
    this.#when = when;
  }

  get engine() {
    return this.#real.engine;
  }

  get webhooks() {
    return this.#real.webhooks;
  }

  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const verb = this.#verb;
    const when = this.#when;
    return this.#real.transaction((tx) =>
      fn(
        new Proxy(tx, {
          get(target, property, receiver) {
            if (property !== verb) return Reflect.get(target, property, receiver);
            return async (...args: unknown[]) => {
              // Do the real work first: the fault strikes after the statement ran, inside the transaction.
              const result: unknown = await Reflect.apply(target[verb], target, args);
              if (when(args)) throw new InjectedFault(`injected failure in ${verb}`);
              return result;
            };
          },
        }),
      ),
    );
  }

  touchSession(id: string, now: number): Promise<void> {
    return this.#real.touchSession(id, now);
  }
  listEvents(after: EventPosition, limit: number): Promise<EventRecord[]> {
    return this.#real.listEvents(after, limit);
  }
  getEventsPrunedThrough(): Promise<EventPosition> {
    return this.#real.getEventsPrunedThrough();
  }
  pruneEvents(before: number, limit: number): Promise<number> {
    return this.#real.pruneEvents(before, limit);
  }

  readSharedSettings(): Promise<Record<string, string>> {
    return this.#real.readSharedSettings();
  }

  initSharedSettings(values: Readonly<Record<string, string>>, at: number): Promise<void> {
    return this.#real.initSharedSettings(values, at);
  }
  touchApiToken(id: string, now: number): Promise<void> {
    return this.#real.touchApiToken(id, now);
  }
  getApiTokenAndUser(tokenId: string): Promise<TokenAuthenticated | null> {
    return this.#real.getApiTokenAndUser(tokenId);
  }
  listUserApiTokens(userId: string): Promise<ApiTokenRecord[]> {
    return this.#real.listUserApiTokens(userId);
  }
  getPendingSignup(id: string): Promise<PendingSignupRecord | null> {
    return this.#real.getPendingSignup(id);
  }

  deleteExpiredPendingSignups(now: number, limit: number): Promise<number> {
    return this.#real.deleteExpiredPendingSignups(now, limit);
  }

  getRecoveryLink(id: string): Promise<RecoveryLinkRecord | null> {
    return this.#real.getRecoveryLink(id);
  }
  pageUsers(query: UserPageQuery): Promise<UserPage | null> {
    return this.#real.pageUsers(query);
  }
  getLastLogin(userId: string): Promise<number | null> {
    return this.#real.getLastLogin(userId);
  }
  findUsers(query: UserConditionQuery): Promise<{ total: number; users: ProvisionedUser[] }> {
    return this.#real.findUsers(query);
  }
  getProvisionedUser(id: string): Promise<ProvisionedUser | null> {
    return this.#real.getProvisionedUser(id);
  }
  getUserByExternalId(externalId: string): Promise<UserRecord | null> {
    return this.#real.getUserByExternalId(externalId);
  }

  getUserEmails(ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
    return this.#real.getUserEmails(ids);
  }
  deleteIdleSessions(idleSince: number, limit: number): Promise<number> {
    return this.#real.deleteIdleSessions(idleSince, limit);
  }
  scrubAfterErase(): Promise<void> {
    return this.#real.scrubAfterErase();
  }
  close(): Promise<void> {
    return this.#real.close();
  }
  getUserById(id: string): Promise<UserRecord | null> {
    return this.#real.getUserById(id);
  }
  getUserByEmail(normalizedEmail: string): Promise<UserRecord | null> {
    return this.#real.getUserByEmail(normalizedEmail);
  }
  getSessionAndUser(sessionId: string): Promise<SessionAndUser | null> {
    return this.#real.getSessionAndUser(sessionId);
  }
  getPasswordHash(userId: string): Promise<string | null> {
    return this.#real.getPasswordHash(userId);
  }
  listUserSessions(userId: string): Promise<SessionRecord[]> {
    return this.#real.listUserSessions(userId);
  }
  ping(): Promise<void> {
    return this.#real.ping();
  }
  countUsers(): Promise<number> {
    return this.#real.countUsers();
  }
  countActiveSuperusers(): Promise<number> {
    return this.#real.countActiveSuperusers();
  }
  listUsers(query: UserListQuery): Promise<UserRecord[]> {
    return this.#real.listUsers(query);
  }
  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.#real.listAudit(query);
  }
  readAuditChain(): AsyncIterable<AuditEntry> {
    return this.#real.readAuditChain();
  }
  getAuditHead(): Promise<{ seq: number; hash: string }> {
    return this.#real.getAuditHead();
  }
}

const isDeletionEntry = (args: readonly unknown[]) => (args[0] as { action?: unknown }).action === "users.delete";

const faults: readonly { verb: Sabotaged; when?: (args: readonly unknown[]) => boolean; grace: number }[] = [
  { verb: "deleteUserSessions", grace: 0 },
  { verb: "eraseUser", grace: 0 },
  { verb: "appendAudit", when: isDeletionEntry, grace: 0 },
  { verb: "scheduleErasure", grace: 7 * 86_400_000 },
  { verb: "appendAudit", when: isDeletionEntry, grace: 7 * 86_400_000 },
  // The act's events are part of the act (issue 14.1): their write failing undoes the deletion too.
  { verb: "insertEvents", grace: 0 },
  { verb: "insertEvents", grace: 7 * 86_400_000 },
];

for (const engine of engines) {
  describe(`a deletion that fails half-way leaves nothing half-deleted (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    for (const { verb, when, grace } of faults) {
      const mode = grace === 0 ? "an erasure" : "a scheduled deletion";
      test(`when ${verb} fails during ${mode}, the user and every session survive and the chain is intact`, async () => {
        const bob = await createUser(t);
        const devices = await signInMany(t, bob, 3);
        const sessionsBefore = await t.store.listUserSessions(bob.id);
        const headBefore = await t.store.getAuditHead();
        const deps: Deps = { ...t.deps, deletionGraceMs: grace, store: new SabotagedStore(t.store, verb, when) };

        await assert.rejects(deleteUser(deps, { type: "cli" }, bob.id, { reason: "doomed" }, noRequest), InjectedFault);

        assert.deepEqual(await t.store.getUserById(bob.id), bob);
        assert.deepEqual(await t.store.listUserSessions(bob.id), sessionsBefore);
        assert.deepEqual(await Promise.all(devices.map(statusOf)), [200, 200, 200]);
        // Issue 9.8: the act's own rows rolled back; the failure itself is recorded, and only that (unless
        // writing to the audit log is what fails: then nothing can be, and nothing is).
        const recorded = await auditOf(t, { targetId: bob.id, action: "users.delete" });
        const expected = verb === "appendAudit" ? [] : [["failure", "INTERNAL"]];
        assert.deepEqual(
          recorded.map((entry) => [entry.outcome, entry.reason]),
          expected,
        );
        assert.equal((await t.store.getAuditHead()).seq, headBefore.seq + expected.length);
        const verified = await verifyAuditLog(t.deps, { type: "cli" }, noRequest);
        assert.ok(verified.ok && verified.verification.ok);

        // The same deletion with a healthy store then goes through completely.
        const retried = await deleteUser(t.deps, { type: "cli" }, bob.id, { reason: "retry" }, noRequest);
        assert.ok(retried.ok);
        assert.equal(retried.receipt.sessionsRevoked, 3);
        assert.deepEqual(await Promise.all(devices.map(statusOf)), [401, 401, 401]);
      });
    }

    test("over HTTP a failing deletion answers a bare 500, and the user and sessions are still there", async () => {
      const deps: Deps = { ...t.deps, store: new SabotagedStore(t.store, "eraseUser") };
      const { app } = await buildApp({
        deps,
        publicUrl: new URL("http://127.0.0.1:3000"),
        secret: t.secret,
        limits: { passwordAttemptsPerIpPerMinute: 10_000 },
      });
      await app.ready();
      try {
        const admin = await createSignedInUser(t, "admin");
        const bob = await createUser(t);
        const [bobDevice] = await signInMany(t, bob, 1);
        assert.ok(bobDevice !== undefined);
        const sabotagedAdmin = new HttpClient(app);
        for (const [name, value] of admin.device.cookies) sabotagedAdmin.cookies.set(name, value);
        sabotagedAdmin.csrfToken = admin.device.csrfToken;

        const response = await sabotagedAdmin.delete(`/api/users/${bob.id}`, { reason: "doomed" });
        assertProblem(response, 500, "INTERNAL");
        assert.doesNotMatch(response.body, /injected|eraseUser/);
        assert.deepEqual(await t.store.getUserById(bob.id), bob);
        assert.equal((await t.store.listUserSessions(bob.id)).length, 1);
        assert.equal(await statusOf(bobDevice), 200);
      } finally {
        await app.close();
      }
    });
  });
}
