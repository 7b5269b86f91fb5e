import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import type { PendingSignupRecord } from "../../src/domain/users/pending-signup.ts";
import { engines } from "../support/databases.ts";
import { addUser, t0, useFreshStore } from "./store-fixtures.ts";

/** The pending_signups verbs (migration 10): one row per address key, consumed once, swept when expired. */
function pending(emailKey: string, overrides: Partial<PendingSignupRecord> = {}): PendingSignupRecord {
  return {
    id: randomBytes(16).toString("base64url"),
    emailKey,
    email: emailKey,
    name: "Pending Person",
    passwordHash: "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA",
    secretHash: randomBytes(32).toString("base64url"),
    createdAt: t0,
    expiresAt: t0 + 3_600_000,
    ...overrides,
  };
}

for (const engine of engines) {
  describe(`store contract: pending sign-ups (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("replace keeps one row per address key; lock, delete once; expired rows swept, live ones kept", async () => {
      const { store } = fixture();
      const first = pending("one@example.test");
      const second = pending("one@example.test", { name: "Newer" });
      const other = pending("two@example.test", { expiresAt: t0 + 10 });
      await store.transaction(async (tx) => {
        await tx.replacePendingSignup(first);
        await tx.replacePendingSignup(second);
        await tx.replacePendingSignup(other);
      });
      assert.equal(await store.getPendingSignup(first.id), null, "replaced");
      assert.deepEqual(await store.getPendingSignup(second.id), second);
      const consumed = await store.transaction(async (tx) => {
        const locked = await tx.lockPendingSignup(second.id);
        assert.deepEqual(locked, second);
        return [await tx.deletePendingSignup(second.id), await tx.deletePendingSignup(second.id)];
      });
      assert.deepEqual(consumed, [true, false]);
      assert.equal(await store.transaction((tx) => tx.lockPendingSignup(second.id)), null);
      assert.equal(await store.deleteExpiredPendingSignups(t0 + 9, 10), 0);
      assert.equal(await store.deleteExpiredPendingSignups(t0 + 10, 10), 1);
      assert.equal(await store.getPendingSignup(other.id), null);
    });

    test("erasing a user deletes the pending sign-ups for their address key, and only those", async () => {
      const { store } = fixture();
      const user = await addUser(store, {});
      const theirs = pending(normalizeEmail(user.email));
      const someoneElse = pending("three@example.test");
      await store.transaction(async (tx) => {
        await tx.replacePendingSignup(theirs);
        await tx.replacePendingSignup(someoneElse);
      });
      assert.equal(await store.transaction((tx) => tx.eraseUser(user.id)), true);
      assert.equal(await store.getPendingSignup(theirs.id), null);
      assert.deepEqual(await store.getPendingSignup(someoneElse.id), someoneElse);
    });
  });
}
