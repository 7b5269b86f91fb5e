import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { createAccount, logIn } from "../../src/domain/users/accounts.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { openDeps } from "../../src/server.ts";
import { migrations } from "../../src/store/migrations.ts";
import { migrate } from "../../src/store/migrator.ts";
import { openPostgresEngine } from "../../src/store/postgres/postgres-engine.ts";
import { openSqliteEngine } from "../../src/store/sqlite/sqlite-engine.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher, testConfig } from "../support/app.ts";
import { createTestDatabase, engines, type TestDatabase } from "../support/databases.ts";
import { rawQuery } from "../support/raw-database.ts";
import { insertUserBeforeSchema4, newUser, t0 } from "./store-fixtures.ts";

/**
 * Issue 9, item 9, on a database that already has accounts: schema version 2 with users registered under
 * the old normalization (trimmed, NFC, lower case), including pairs that look alike, is opened by this
 * release. Every account must still sign in with the address it registered, the skeletons must be filled
 * (but for the later of each look-alike pair), and no new look-alike may be created afterwards.
 */
interface Legacy {
  readonly label: string;
  /** As the user typed it at sign-up, which the old release stored for display. */
  readonly typed: string;
  /** The key the upgrade leaves (the old one when the new one is another account's). */
  readonly key: string;
  readonly lookAlike: boolean;
}

const legacyAccounts: readonly Legacy[] = [
  { label: "mixed case", typed: "Ada.Lovelace@Example.test", key: "ada.lovelace@example.test", lookAlike: false },
  { label: "paypal", typed: "paypal@example.test", key: "paypal@example.test", lookAlike: false },
  // U+0430 CYRILLIC SMALL LETTER A: registered after paypal, so it is the look-alike that keeps no skeleton.
  { label: "cyrillic", typed: "p\u0430ypal@example.test", key: "p\u0430ypal@example.test", lookAlike: true },
  { label: "punycode", typed: "kunde@xn--bcher-kva.example", key: "kunde@b\u00fccher.example", lookAlike: false },
  // Fullwidth and its plain twin: the older keeps its old key (the new one is the twin's) and the skeleton.
  {
    label: "fullwidth",
    typed: "\uff46\uff55\uff4c\uff4c@example.test",
    key: "\uff46\uff55\uff4c\uff4c@example.test",
    lookAlike: false,
  },
  { label: "fullwidth's twin", typed: "full@example.test", key: "full@example.test", lookAlike: true },
  { label: "trailing dot", typed: "dot@example.test.", key: "dot@example.test", lookAlike: false },
  { label: "zero-width space", typed: "z\u200bero@example.test", key: "zero@example.test", lookAlike: false },
];

/** A database migrated to version 2 only, holding the legacy accounts as the old release wrote them. */
async function schema2Database(database: TestDatabase): Promise<UserRecord[]> {
  const location = database.location;
  const engine = location.kind === "sqlite" ? openSqliteEngine(location.path) : openPostgresEngine(location.url, 2);
  try {
    await migrate(
      engine,
      migrations.filter((m) => m.version <= 2),
    );
    const passwordHash = await fastHasher.hash(goodPassword);
    const users: UserRecord[] = [];
    for (const [i, account] of legacyAccounts.entries()) {
      const user = newUser({ email: account.typed, passwordHash, createdAt: t0 + i, updatedAt: t0 + i });
      await insertUserBeforeSchema4(engine, user);
      users.push(user);
    }
    return users;
  } finally {
    await engine.close();
  }
}

async function skeletons(database: TestDatabase): Promise<Map<string, string | null>> {
  const { rows } = await rawQuery<{ id: string; email_skeleton: string | null }>(
    database,
    "SELECT id, email_skeleton FROM users",
  );
  return new Map(rows.map((row) => [row.id, row.email_skeleton]));
}

for (const engine of engines) {
  describe(`upgrading a database with accounts to e-mail skeletons (${engine})`, () => {
    test("issue 9.9: after the upgrade every account signs in as it registered, and no new look-alike is created", async () => {
      const database = await createTestDatabase(engine);
      const config = testConfig(database.location);
      try {
        const users = await schema2Database(database);
        const idOf = (label: string) => users[legacyAccounts.findIndex((a) => a.label === label)]?.id;
        const expectedLookAlikes = legacyAccounts.flatMap((a, i) => (a.lookAlike ? [users[i]?.id] : []));

        const opened = await openDeps(config, { hasher: fastHasher });
        try {
          assert.ok(opened.migrations.applied.includes(4));
          assert.deepEqual(opened.emailBackfill, { filled: 6, rewritten: 3, lookAlikes: expectedLookAlikes });
          const { deps } = opened;

          const filled = await skeletons(database);
          for (const [i, account] of legacyAccounts.entries()) {
            const user = users[i];
            assert.ok(user !== undefined);
            assert.equal(filled.get(user.id) === null, account.lookAlike, `${account.label}: skeleton`);
            // The shown address becomes the key, like every new account's.
            assert.equal((await opened.store.getUserById(user.id))?.email, account.key, account.label);
            const login = await logIn(deps, { email: account.typed, password: goodPassword }, noRequest, null);
            assert.ok(login.ok, `${account.label} signs in with ${JSON.stringify(account.typed)}`);
            assert.equal(login.user.id, user.id, `${account.label}: the right account`);
          }
          // Rewritten keys answer to the new forms too.
          for (const [typed, label] of [
            ["kunde@b\u00fccher.example", "punycode"],
            ["KUNDE@xn--bcher-kva.example.", "punycode"],
            ["dot@example.test", "trailing dot"],
            ["zero@example.test", "zero-width space"],
          ] as const) {
            const login = await logIn(deps, { email: typed, password: goodPassword }, noRequest, null);
            assert.ok(login.ok && login.user.id === idOf(label), typed);
          }

          for (const lookAlike of [
            "\u0440aypal@example.test",
            "p\u0430yp\u0430l@example.test",
            "paypal@example.test.",
            "kunde@b\u00fccher.example",
            "\uff26\uff35\uff2c\uff2c@example.test",
            "fu1l@example.test",
            "ada.lovelace@example.test",
          ]) {
            const created = await createAccount(
              deps,
              { type: "cli" },
              { email: lookAlike, password: goodPassword, role: "user" },
              noRequest,
              null,
            );
            assert.deepEqual(created, { ok: false, code: "EMAIL_TAKEN" }, JSON.stringify(lookAlike));
          }
          assert.equal(await opened.store.countUsers(), legacyAccounts.length);
        } finally {
          await opened.store.close();
        }

        // Opening again changes nothing and reports the same look-alikes.
        const before = await skeletons(database);
        const again = await openDeps(config, { hasher: fastHasher });
        try {
          assert.deepEqual(again.migrations.applied, []);
          assert.deepEqual(again.emailBackfill, { filled: 0, rewritten: 0, lookAlikes: expectedLookAlikes });
          assert.deepEqual(await skeletons(database), before);
        } finally {
          await again.store.close();
        }
      } finally {
        await database.drop();
      }
    });

    test("an account whose look-alike twin is erased gets its skeleton at the next open", async () => {
      const database = await createTestDatabase(engine);
      const config = testConfig(database.location);
      try {
        const users = await schema2Database(database);
        const paypal = users[legacyAccounts.findIndex((a) => a.label === "paypal")];
        const cyrillic = users[legacyAccounts.findIndex((a) => a.label === "cyrillic")];
        assert.ok(paypal !== undefined && cyrillic !== undefined);
        const first = await openDeps(config, { hasher: fastHasher });
        try {
          assert.equal(await first.store.transaction((tx) => tx.eraseUser(paypal.id)), true);
        } finally {
          await first.store.close();
        }
        const second = await openDeps(config, { hasher: fastHasher });
        try {
          assert.ok(!second.emailBackfill.lookAlikes.includes(cyrillic.id));
          assert.notEqual((await skeletons(database)).get(cyrillic.id), null);
          const created = await createAccount(
            second.deps,
            { type: "cli" },
            { email: "paypal@example.test", password: goodPassword, role: "user" },
            noRequest,
            null,
          );
          assert.deepEqual(created, { ok: false, code: "EMAIL_TAKEN" });
        } finally {
          await second.store.close();
        }
      } finally {
        await database.drop();
      }
    });
  });
}
