import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { createAuditSealer } from "../../src/domain/audit/audit-chain.ts";
import { verifyAuditLog } from "../../src/domain/audit/audit-log.ts";
import { createAuditPseudonymizer } from "../../src/domain/audit/audit-pseudonym.ts";
import { DenialBudget } from "../../src/domain/audit/denial-budget.ts";
import { purgeDueUsers } from "../../src/domain/deletion/delete-user.ts";
import type { Deps } from "../../src/domain/deps.ts";
import type { Store } from "../../src/domain/ports.ts";
import { checkSession } from "../../src/domain/sessions/session-check.ts";
import { createAccount, logIn } from "../../src/domain/users/accounts.ts";
import { deriveKey } from "../../src/infra/keys.ts";
import { systemRandom } from "../../src/infra/system.ts";
import { createWebhookSender } from "../../src/infra/webhook-sender.ts";
import { migrations } from "../../src/store/migrations.ts";
import { openStore } from "../../src/store/open-store.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher, testLifetimes } from "../support/app.ts";
import { createTestDatabase, engines } from "../support/databases.ts";
import { TestClock } from "../support/test-clock.ts";
import { loadSchema4Release, rowsOf, schema4Secret, schemaOf } from "./release-database.ts";

/**
 * Issue 10.6: the migrations are written once, for both engines, and the databases already in the field
 * keep working. A database as the schema-4 release created it and filled it (test/store/fixtures/, frozen
 * from that release, never from src/) is opened by this code on each engine.
 */
const fixture = {
  superuserId: "8f4523d9-34f9-4103-b21d-3d5119ebf175",
  adminId: "b927b344-884b-4985-a388-ca009d7fc8fc",
  ada: { id: "ed1a423e-21d1-4a9e-b90c-7d24f946b8da", email: "ada@example.test" },
  /** Ada's first session, as her browser still holds it. */
  adaToken: "_aSh1NVS-SEreufFwMVzWA.xRPzXkhO2Ik6GzPauAAEzz4FFCxQHeFrhCwUgki3afA",
  leavingId: "13218ab8-c2af-434a-8da9-a3c0b4940e69",
  purgeAfter: 1796299327000,
  headSeq: 10,
  /** A minute after the release wrote its last row: every session is still within its limits. */
  now: 1795694527000 + 60_000,
};

function depsOf(store: Store, clock: TestClock): Deps {
  return {
    store,
    clock,
    random: systemRandom,
    hasher: fastHasher,
    lifetimes: testLifetimes,
    signupOpen: true,
    deletionGraceMs: 7 * 86_400_000,
    eventRetentionMs: 30 * 86_400_000,
    webhookAllowHttp: false,
    webhookSender: createWebhookSender({ timeoutMs: 1_000, allowHttp: false, allowPrivateAddresses: false }),
    auditSealer: createAuditSealer(deriveKey(schema4Secret, "audit")),
    denials: new DenialBudget(clock),
    auditPseudonym: createAuditPseudonymizer(deriveKey(schema4Secret, "audit-pseudonym")),
    mailer: null,
    publicUrl: new URL("http://127.0.0.1:3000"),
  };
}

/** Each table's rows cut to the columns the release's rows have (schema_migrations: the release's versions). */
function releasedColumnsOf(
  now: Record<string, unknown[]>,
  released: Record<string, unknown[]>,
): Record<string, unknown[]> {
  const cut: Record<string, unknown[]> = {};
  for (const [table, rows] of Object.entries(now)) {
    const releasedRows = released[table] ?? [];
    const columns = Object.keys((releasedRows[0] ?? rows[0] ?? {}) as object);
    const kept = table === "schema_migrations" ? rows.slice(0, releasedRows.length) : rows;
    cut[table] = kept.map((row) =>
      Object.fromEntries(columns.map((column) => [column, (row as Record<string, unknown>)[column]])),
    );
  }
  return cut;
}

function createByCli(deps: Deps, email: string): ReturnType<typeof createAccount> {
  return createAccount(deps, { type: "cli" }, { email, password: goodPassword, role: "user" }, noRequest, null);
}

async function verifiedEntries(deps: Deps): Promise<number> {
  const verified = await verifyAuditLog(deps, { type: "cli" }, noRequest);
  assert.ok(verified.ok && verified.verification.ok, JSON.stringify(verified));
  return verified.verification.entries;
}

for (const engine of engines) {
  describe(`a database created by the schema-4 release (${engine})`, () => {
    test("opens with its rows unchanged, its chain verifying, its users signed in, and takes new writes", async () => {
      const database = await createTestDatabase(engine);
      try {
        await loadSchema4Release(database, true);
        const released = await rowsOf(database);
        const clock = new TestClock(fixture.now);
        const opened = await openStore(database.location, createAuditSealer(deriveKey(schema4Secret, "audit")), {
          touchFlushDelayMs: 0,
        });
        try {
          // What came after the release is applied; the release's own rows are left exactly as they were (a
          // later migration's new columns are added, never a value of an existing column changed).
          const later = migrations.filter((migration) => migration.version > 4).map((migration) => migration.version);
          assert.deepEqual(opened.migrations, { applied: later, current: Math.max(4, ...later) });
          assert.deepEqual(opened.emailBackfill, { filled: 0, rewritten: 0, lookAlikes: [] });
          assert.deepEqual(releasedColumnsOf(await rowsOf(database), released), released, "opening rewrote no row");

          const deps = depsOf(opened.store, clock);
          const ada = await opened.store.getUserById(fixture.ada.id);
          assert.deepEqual(ada && { email: ada.email, name: ada.name, role: ada.role, status: ada.status }, {
            email: fixture.ada.email,
            name: "Ada Lovelace",
            role: "user",
            status: "active",
          });
          assert.equal((await opened.store.listUserSessions(fixture.ada.id)).length, 2);
          const leaving = await opened.store.getUserById(fixture.leavingId);
          assert.deepEqual(leaving && [leaving.status, leaving.purgeAfter], ["disabled", fixture.purgeAfter]);
          const [deletion] = await opened.store.listAudit({
            targetId: fixture.leavingId,
            action: "users.delete",
            limit: 1,
          });
          assert.equal(deletion?.note, "Ticket 42: leaving@example.test asked us to close the account");
          assert.equal(await verifiedEntries(deps), fixture.headSeq);

          // Ada's browser is still signed in, and she can sign in again with the password she chose then.
          assert.equal((await checkSession(deps, fixture.adaToken))?.user.id, fixture.ada.id);
          const login = await logIn(deps, { email: fixture.ada.email, password: goodPassword }, noRequest, null);
          assert.ok(login.ok && login.user.id === fixture.ada.id);
          const created = await createByCli(deps, "newcomer@example.test");
          assert.ok(created.ok);
          // A look-alike of an account from the release is refused: its skeleton came with the rows.
          assert.deepEqual(await createByCli(deps, "\u0430da@example.test"), { ok: false, code: "EMAIL_TAKEN" });

          // The scheduled deletion comes due: the account and the note that names it go, the chain stays whole.
          clock.advance(fixture.purgeAfter - clock.now());
          assert.equal(await purgeDueUsers(deps, noRequest), 1);
          assert.equal(await opened.store.getUserById(fixture.leavingId), null);
          const [erased] = await opened.store.listAudit({
            targetId: fixture.leavingId,
            action: "users.delete",
            limit: 1,
          });
          assert.equal(erased?.note, null);
          assert.equal(await verifiedEntries(deps), (await opened.store.getAuditHead()).seq);
          assert.ok((await opened.store.getAuditHead()).seq > fixture.headSeq);
        } finally {
          await opened.store.close();
        }
      } finally {
        await database.drop();
      }
    });

    test("a new database gets exactly the schema the release's database has", async () => {
      const released = await createTestDatabase(engine);
      const fresh = await createTestDatabase(engine);
      try {
        await loadSchema4Release(released, false);
        const seal = createAuditSealer(deriveKey(schema4Secret, "audit"));
        for (const database of [released, fresh]) await (await openStore(database.location, seal)).store.close();
        assert.deepEqual(await schemaOf(fresh), await schemaOf(released));
        const versions = async (database: typeof fresh) =>
          ((await rowsOf(database)).schema_migrations ?? []).map((row) => {
            const { version, name } = row as { version: number; name: string };
            return { version, name };
          });
        assert.deepEqual(await versions(fresh), await versions(released));
      } finally {
        await released.drop();
        await fresh.drop();
      }
    });
  });
}
