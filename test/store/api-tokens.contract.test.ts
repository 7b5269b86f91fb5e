import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import type { ApiTokenRecord } from "../../src/domain/tokens/api-token.ts";
import { engines } from "../support/databases.ts";
import { addUser, t0, useFreshStore } from "./store-fixtures.ts";

const minute = 60_000;

function newToken(ownerId: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    id: randomBytes(16).toString("base64url"),
    ownerId,
    name: "contract service",
    scopes: ["users:read", "audit:read"],
    secretHash: randomBytes(32).toString("base64url"),
    createdAt: t0,
    expiresAt: t0 + 90 * 24 * 60 * minute,
    lastUsedAt: null,
    ...overrides,
  };
}

for (const engine of engines) {
  describe(`store contract: API tokens (${engine})`, () => {
    const fixture = useFreshStore(engine);

    async function addToken(ownerId: string, overrides: Partial<ApiTokenRecord> = {}): Promise<ApiTokenRecord> {
      const token = newToken(ownerId, overrides);
      await fixture().store.transaction((tx) => tx.insertApiToken(token));
      return token;
    }

    test("an inserted token reads back with its owner (all but the password hash) through getApiTokenAndUser", async () => {
      const { store } = fixture();
      const { passwordHash: _, ...owner } = await addUser(store, { role: "admin" });
      const token = await addToken(owner.id);
      assert.deepEqual(await store.getApiTokenAndUser(token.id), { token, user: owner });
      assert.equal(await store.getApiTokenAndUser("no-such-token"), null);
    });

    test("getApiTokenAndUser joins the owner as it is now: a demotion or disable shows at the next read", async () => {
      const { store } = fixture();
      const owner = await addUser(store, { role: "admin" });
      const token = await addToken(owner.id);
      await store.transaction((tx) => tx.updateUser(owner.id, { role: "user", status: "disabled" }, t0 + 5));
      const found = await store.getApiTokenAndUser(token.id);
      assert.equal(found?.user.role, "user");
      assert.equal(found?.user.status, "disabled");
    });

    test("listUserApiTokens lists only that owner's tokens, newest first, ties by id", async () => {
      const { store } = fixture();
      const owner = await addUser(store, { role: "admin" });
      const other = await addUser(store, { role: "admin" });
      const older = await addToken(owner.id, { createdAt: t0 });
      const newer = await addToken(owner.id, { createdAt: t0 + minute });
      const tiedA = await addToken(owner.id, { createdAt: t0 - minute, id: `a${randomBytes(8).toString("hex")}` });
      const tiedB = await addToken(owner.id, { createdAt: t0 - minute, id: `b${randomBytes(8).toString("hex")}` });
      await addToken(other.id);
      assert.deepEqual(await store.listUserApiTokens(owner.id), [newer, older, tiedA, tiedB]);
      assert.deepEqual(await store.listUserApiTokens("nobody"), []);
    });

    test("deleteUserApiToken deletes only a token of the named owner", async () => {
      const { store } = fixture();
      const owner = await addUser(store, { role: "admin" });
      const other = await addUser(store, { role: "admin" });
      const token = await addToken(owner.id);
      assert.equal(await store.transaction((tx) => tx.deleteUserApiToken(other.id, token.id)), false);
      assert.notEqual(await store.getApiTokenAndUser(token.id), null, "another owner's id deletes nothing");
      assert.equal(await store.transaction((tx) => tx.deleteUserApiToken(owner.id, token.id)), true);
      assert.equal(await store.getApiTokenAndUser(token.id), null);
      assert.equal(await store.transaction((tx) => tx.deleteUserApiToken(owner.id, token.id)), false);
    });

    test("deleteUserApiTokens deletes every token of the owner and counts them, no one else's", async () => {
      const { store } = fixture();
      const owner = await addUser(store, { role: "admin" });
      const other = await addUser(store, { role: "admin" });
      await addToken(owner.id);
      await addToken(owner.id);
      const kept = await addToken(other.id);
      assert.equal(await store.transaction((tx) => tx.deleteUserApiTokens(owner.id)), 2);
      assert.deepEqual(await store.listUserApiTokens(owner.id), []);
      assert.deepEqual(await store.listUserApiTokens(other.id), [kept]);
      assert.equal(await store.transaction((tx) => tx.deleteUserApiTokens(owner.id)), 0);
    });

    test("a token rolled back with its transaction was never there", async () => {
      const { store } = fixture();
      const owner = await addUser(store, { role: "admin" });
      const token = newToken(owner.id);
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.insertApiToken(token);
          throw new Error("rolled back");
        }),
        /rolled back/,
      );
      assert.equal(await store.getApiTokenAndUser(token.id), null);
    });

    test("erasing the owner removes its tokens with it", async () => {
      const { store } = fixture();
      const owner = await addUser(store, { role: "admin" });
      const token = await addToken(owner.id);
      assert.equal(await store.transaction((tx) => tx.eraseUser(owner.id)), true);
      assert.equal(await store.getApiTokenAndUser(token.id), null);
      assert.deepEqual(await store.listUserApiTokens(owner.id), []);
    });

    test("a token cannot name an owner who does not exist", async () => {
      const { store } = fixture();
      await assert.rejects(store.transaction((tx) => tx.insertApiToken(newToken("no-such-user"))));
    });

    test("touchApiToken moves last_used_at and nothing else", async () => {
      const { store } = fixture();
      const owner = await addUser(store, { role: "admin" });
      const token = await addToken(owner.id);
      await store.touchApiToken(token.id, t0 + 7 * minute);
      assert.deepEqual((await store.getApiTokenAndUser(token.id))?.token, { ...token, lastUsedAt: t0 + 7 * minute });
      await store.touchApiToken("no-such-token", t0);
    });
  });
}
