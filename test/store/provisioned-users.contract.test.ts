import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import type { Store, UserCondition } from "../../src/domain/ports.ts";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { engines } from "../support/databases.ts";
import { newUser, t0, useFreshStore } from "./store-fixtures.ts";

/** The SCIM verbs: external ids (unique) and users found by a condition, paged in (created_at, id) order. */

async function insert(store: Store, user: UserRecord, externalId: string | null = null): Promise<boolean> {
  return store.transaction((tx) => tx.insertUser(user, normalizeEmail(user.email), externalId));
}

/** Within `scope` (the suite's store is shared by its tests). */
async function found(store: Store, where: UserCondition, offset = 0, limit = 100, scope?: UserCondition) {
  const { total, users } = await store.findUsers({
    where: scope === undefined ? where : { kind: "and", conditions: [scope, where] },
    offset,
    limit,
  });
  return { total, ids: users.map((row) => row.user.id) };
}

for (const engine of engines) {
  describe(`store contract: provisioned users (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("an external id is stored with the user, read back, unique, and can be changed or cleared", async () => {
      const { store } = fixture();
      const ada = newUser({ email: "ada@example.test" });
      assert.equal(await insert(store, ada, "ext-1"), true);
      assert.deepEqual(await store.getProvisionedUser(ada.id), { user: ada, externalId: "ext-1" });
      assert.deepEqual(await store.getUserByExternalId("ext-1"), ada);
      assert.equal(await store.getUserByExternalId("EXT-1"), null, "case-exact");
      const other = newUser({ email: "other@example.test" });
      assert.equal(await insert(store, other, "ext-1"), false, "a taken external id refuses the insert");
      assert.equal(await store.getUserById(other.id), null);
      await store.transaction((tx) => tx.setUserExternalId(ada.id, "ext-2"));
      assert.equal((await store.getProvisionedUser(ada.id))?.externalId, "ext-2");
      await store.transaction((tx) => tx.setUserExternalId(ada.id, null));
      assert.equal((await store.getProvisionedUser(ada.id))?.externalId, null);
      assert.equal(await store.getProvisionedUser(randomUUID()), null);
      // Many users without one: NULL is not a value the unique index compares.
      assert.equal(await insert(store, newUser({ email: "b@example.test" })), true);
      assert.equal(await insert(store, newUser({ email: "c@example.test" })), true);
    });

    test("findUsers: every condition, and/or, the total beside the page, in (created_at, id) order", async () => {
      const { store } = fixture();
      const a = newUser({ email: "a2@example.test", createdAt: t0 + 2 });
      const b = newUser({ email: "b2@example.test", createdAt: t0 + 1, status: "disabled" });
      const c = newUser({ email: "c2@example.test", createdAt: t0 + 1, purgeAfter: t0 + 99, status: "disabled" });
      await insert(store, a, "ext-a");
      await insert(store, b);
      await insert(store, c, "ext-c");
      const byCreation = [b, c].map((user) => user.id).sort();
      byCreation.push(a.id);
      const scope: UserCondition = {
        kind: "or",
        conditions: [a, b, c].map((user) => ({ kind: "eq", field: "id", value: user.id }) as const),
      };
      const within = (where: UserCondition, offset = 0, limit = 100) => found(store, where, offset, limit, scope);
      assert.deepEqual(await within({ kind: "always" }), { total: 3, ids: byCreation });
      assert.deepEqual(await within({ kind: "never" }), { total: 0, ids: [] });
      assert.deepEqual((await within({ kind: "eq", field: "email", value: "b2@example.test" })).ids, [b.id]);
      assert.deepEqual((await within({ kind: "eq", field: "id", value: a.id })).ids, [a.id]);
      assert.deepEqual((await within({ kind: "eq", field: "externalId", value: "ext-c" })).ids, [c.id]);
      assert.deepEqual((await within({ kind: "hasExternalId" })).total, 2);
      assert.deepEqual((await within({ kind: "status", value: "active" })).ids, [a.id]);
      assert.deepEqual((await within({ kind: "deletionPending", value: true })).ids, [c.id]);
      assert.deepEqual(
        (
          await within({
            kind: "and",
            conditions: [
              { kind: "deletionPending", value: false },
              {
                kind: "or",
                conditions: [
                  { kind: "eq", field: "externalId", value: "ext-c" },
                  { kind: "status", value: "disabled" },
                ],
              },
            ],
          })
        ).ids,
        [b.id],
      );
      assert.deepEqual(await within({ kind: "and", conditions: [] }), { total: 3, ids: byCreation });
      assert.deepEqual(await within({ kind: "or", conditions: [] }), { total: 0, ids: [] });
      assert.deepEqual(await within({ kind: "always" }, 1, 1), { total: 3, ids: byCreation.slice(1, 2) });
      assert.deepEqual(await within({ kind: "always" }, 5, 10), { total: 3, ids: [] });
      assert.deepEqual(await within({ kind: "always" }, 0, 0), { total: 3, ids: [] });
    });

    test("a condition's values are parameters: quotes and wildcards match only themselves", async () => {
      const { store } = fixture();
      const a = newUser({ email: "quote@example.test" });
      assert.equal(await insert(store, a, "x' OR '1'='1"), true);
      assert.deepEqual((await found(store, { kind: "eq", field: "externalId", value: "x' OR '1'='1" })).ids, [a.id]);
      assert.deepEqual((await found(store, { kind: "eq", field: "externalId", value: "%" })).ids, []);
      assert.deepEqual((await found(store, { kind: "eq", field: "email", value: "' OR 1=1 --" })).ids, []);
    });
  });
}
