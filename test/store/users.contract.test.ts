import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import type { Store, UserListQuery } from "../../src/domain/ports.ts";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { engines } from "../support/databases.ts";
import { addSession, addUser, newUser, t0, useFreshStore } from "./store-fixtures.ts";

/** Follows the id cursor until a page comes back short; returns every page. */
async function allPages(store: Store, query: Omit<UserListQuery, "after">): Promise<UserRecord[][]> {
  const pages: UserRecord[][] = [];
  let after: string | undefined;
  for (;;) {
    const page = await store.listUsers(after === undefined ? query : { ...query, after });
    pages.push(page);
    const last = page.at(-1);
    if (page.length < query.limit || last === undefined) return pages;
    after = last.id;
  }
}

const ids = (users: readonly UserRecord[]) => users.map((user) => user.id).sort();

for (const engine of engines) {
  describe(`store contract: users (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("an inserted user reads back identically by id and by normalized e-mail", async () => {
      const { store } = fixture();
      const user = await addUser(store, { email: "Ada.Lovelace@Example.TEST", name: "Ada" });
      assert.deepEqual(await store.getUserById(user.id), user);
      assert.deepEqual(await store.getUserByEmail("ada.lovelace@example.test"), user);
    });

    test("an unknown id or e-mail reads as null", async () => {
      const { store } = fixture();
      assert.equal(await store.getUserById(randomUUID()), null);
      assert.equal(await store.getUserByEmail("nobody@example.test"), null);
    });

    test("inserting a second user with the same normalized e-mail returns false and keeps the first", async () => {
      const { store } = fixture();
      const first = await addUser(store, { email: "Grace@Example.test" });
      const second = newUser({ email: "  GRACE@example.TEST " });
      const inserted = await store.transaction((tx) => tx.insertUser(second, normalizeEmail(second.email)));
      assert.equal(inserted, false);
      assert.equal(await store.getUserById(second.id), null);
      assert.deepEqual(await store.getUserByEmail("grace@example.test"), first);
    });

    test("issue 9.9: a second user whose address only looks like the first's is refused, and the first kept", async () => {
      const { store } = fixture();
      const local = randomUUID();
      const first = await addUser(store, { email: `paypal-${local}@example.test` });
      // U+0430 CYRILLIC SMALL LETTER A: another key, the same confusable skeleton.
      const second = newUser({ email: `p\u0430ypal-${local}@example.test` });
      const inserted = await store.transaction((tx) => tx.insertUser(second, normalizeEmail(second.email)));
      assert.equal(inserted, false);
      assert.equal(await store.getUserById(second.id), null);
      assert.deepEqual(await store.getUserByEmail(`paypal-${local}@example.test`), first);
    });

    test("issue 9.9: two transactions inserting look-alike addresses at once: exactly one inserts", async () => {
      const { store } = fixture();
      const local = randomUUID();
      const latin = newUser({ email: `a-${local}@example.test` });
      const cyrillic = newUser({ email: `\u0430-${local}@example.test` });
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let firstInserted = () => {};
      const insertedFirst = new Promise<void>((resolve) => {
        firstInserted = resolve;
      });
      // The first transaction inserts and stays open; the second inserts while it is still uncommitted
      // (PostgreSQL: it waits on the unique index), then the first commits.
      const first = store.transaction(async (tx) => {
        const ok = await tx.insertUser(latin, normalizeEmail(latin.email));
        firstInserted();
        await gate;
        return ok;
      });
      await insertedFirst;
      const second = store.transaction((tx) => tx.insertUser(cyrillic, normalizeEmail(cyrillic.email)));
      await delay(50);
      release();
      const results = await Promise.all([first, second]);
      assert.deepEqual(results, [true, false]);
      assert.equal(await store.getUserById(cyrillic.id), null);
    });

    test("updateUser changes only the fields in the patch and bumps updated_at", async () => {
      const { store } = fixture();
      const user = await addUser(store, { name: "Before" });
      await store.transaction((tx) => tx.updateUser(user.id, { name: "After" }, t0 + 1_000));
      assert.deepEqual(await store.getUserById(user.id), { ...user, name: "After", updatedAt: t0 + 1_000 });

      await store.transaction((tx) => tx.updateUser(user.id, { role: "admin", status: "disabled" }, t0 + 2_000));
      const expected = { ...user, name: "After", role: "admin", status: "disabled", updatedAt: t0 + 2_000 } as const;
      assert.deepEqual(await store.getUserById(user.id), expected);

      await store.transaction((tx) => tx.updateUser(user.id, { passwordHash: "new-hash", purgeAfter: t0 }, t0 + 3_000));
      const withPurge = { ...expected, passwordHash: "new-hash", purgeAfter: t0, updatedAt: t0 + 3_000 };
      assert.deepEqual(await store.getUserById(user.id), withPurge);

      await store.transaction((tx) => tx.updateUser(user.id, { purgeAfter: null }, t0 + 4_000));
      assert.deepEqual(await store.getUserById(user.id), { ...withPurge, purgeAfter: null, updatedAt: t0 + 4_000 });

      await store.transaction((tx) => tx.updateUser(user.id, {}, t0 + 5_000));
      assert.deepEqual(await store.getUserById(user.id), { ...withPurge, purgeAfter: null, updatedAt: t0 + 5_000 });
    });

    test("updateUser leaves every other user untouched", async () => {
      const { store } = fixture();
      const target = await addUser(store);
      const bystander = await addUser(store);
      await store.transaction((tx) => tx.updateUser(target.id, { name: "Changed", role: "admin" }, t0 + 1));
      assert.deepEqual(await store.getUserById(bystander.id), bystander);
    });

    test("lockUser inside a transaction returns the current row, or null for an unknown id", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const [locked, missing] = await store.transaction(async (tx) => [
        await tx.lockUser(user.id),
        await tx.lockUser(randomUUID()),
      ]);
      assert.deepEqual(locked, user);
      assert.equal(missing, null);
    });

    test("eraseUser removes the user and, by cascade, all of its sessions but no one else's", async () => {
      const { store } = fixture();
      const user = await addUser(store);
      const other = await addUser(store);
      const sessions = [await addSession(store, user.id), await addSession(store, user.id)];
      const kept = await addSession(store, other.id);

      assert.equal(await store.transaction((tx) => tx.eraseUser(user.id)), true);
      assert.equal(await store.getUserById(user.id), null);
      assert.deepEqual(await store.listUserSessions(user.id), []);
      for (const session of sessions) assert.equal(await store.getSessionAndUser(session.id), null);
      assert.deepEqual((await store.getSessionAndUser(kept.id))?.session, kept);
      assert.equal(await store.transaction((tx) => tx.eraseUser(user.id)), false);
    });

    test("countUsers counts every user row", async () => {
      const { store } = fixture();
      const before = await store.countUsers();
      await addUser(store);
      await addUser(store, { status: "disabled" });
      assert.equal(await store.countUsers(), before + 2);
    });

    test("lockActiveSuperusers counts active superusers only", async () => {
      const { store } = fixture();
      const before = await store.transaction((tx) => tx.lockActiveSuperusers());
      await addUser(store, { role: "superuser" });
      const demoted = await addUser(store, { role: "superuser" });
      await addUser(store, { role: "superuser", status: "disabled" });
      await addUser(store, { role: "admin" });
      assert.equal(await store.transaction((tx) => tx.lockActiveSuperusers()), before + 2);
      await store.transaction((tx) => tx.updateUser(demoted.id, { role: "admin" }, t0));
      assert.equal(await store.transaction((tx) => tx.lockActiveSuperusers()), before + 1);
    });

    test("countActiveSuperusers, a plain read, counts what lockActiveSuperusers locks", async () => {
      const { store } = fixture();
      const before = await store.countActiveSuperusers();
      const demoted = await addUser(store, { role: "superuser" });
      await addUser(store, { role: "superuser", status: "disabled" });
      assert.equal(await store.countActiveSuperusers(), before + 1);
      assert.equal(await store.transaction((tx) => tx.lockActiveSuperusers()), before + 1);
      await store.transaction((tx) => tx.updateUser(demoted.id, { role: "admin" }, t0));
      assert.equal(await store.countActiveSuperusers(), before);
    });
  });

  describe(`store contract: listing users (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("search is case-insensitive and matches the e-mail or the name", async () => {
      const { store } = fixture();
      const byEmail = await addUser(store, { email: "Quokka.Keeper@Example.test", name: "Someone" });
      const byName = await addUser(store, { email: "zoo@example.test", name: "The QUOKKA Fan" });
      await addUser(store, { email: "wombat@example.test", name: "Wombat" });
      for (const search of ["quokka", "QUOKKA", "qUoKkA"]) {
        assert.deepEqual(ids(await store.listUsers({ search, limit: 10 })), ids([byEmail, byName]), search);
      }
      assert.deepEqual(ids(await store.listUsers({ search: "keeper@example", limit: 10 })), [byEmail.id]);
      assert.deepEqual(await store.listUsers({ search: "no such text", limit: 10 }), []);
    });

    test("search is case-insensitive beyond ASCII", async () => {
      const { store } = fixture();
      const emile = await addUser(store, { name: "Émile Zola" });
      for (const search of ["émile", "ÉMILE", "Émile"]) {
        assert.deepEqual(ids(await store.listUsers({ search, limit: 10 })), [emile.id], search);
      }
    });

    test("% and _ and \\ in the search are matched literally, not as wildcards", async () => {
      const { store } = fixture();
      const percent = await addUser(store, { name: "Deal 40% off" });
      await addUser(store, { name: "Deal 40x off" });
      await addUser(store, { name: "Deal 40 off" });
      const underscore = await addUser(store, { name: "snake_case" });
      await addUser(store, { name: "snakeXcase" });
      const backslash = await addUser(store, { name: "back\\slash" });
      await addUser(store, { name: "backslash" });
      assert.deepEqual(ids(await store.listUsers({ search: "40%", limit: 10 })), [percent.id]);
      assert.deepEqual(ids(await store.listUsers({ search: "%", limit: 10 })), [percent.id]);
      assert.deepEqual(ids(await store.listUsers({ search: "e_c", limit: 10 })), [underscore.id]);
      assert.deepEqual(ids(await store.listUsers({ search: "k\\s", limit: 10 })), [backslash.id]);
    });

    test("role and status filters narrow the list, alone and together", async () => {
      const { store } = fixture();
      const name = "Filter Group";
      const activeAdmin = await addUser(store, { name, role: "admin" });
      const disabledAdmin = await addUser(store, { name, role: "admin", status: "disabled" });
      const disabledUser = await addUser(store, { name, status: "disabled" });
      const activeUser = await addUser(store, { name });
      const search = "filter group";
      assert.deepEqual(
        ids(await store.listUsers({ search, limit: 10 })),
        ids([activeAdmin, disabledAdmin, disabledUser, activeUser]),
      );
      assert.deepEqual(
        ids(await store.listUsers({ search, role: "admin", limit: 10 })),
        ids([activeAdmin, disabledAdmin]),
      );
      assert.deepEqual(
        ids(await store.listUsers({ search, status: "disabled", limit: 10 })),
        ids([disabledAdmin, disabledUser]),
      );
      assert.deepEqual(ids(await store.listUsers({ search, role: "admin", status: "active", limit: 10 })), [
        activeAdmin.id,
      ]);
      assert.deepEqual(await store.listUsers({ search, role: "superuser", limit: 10 }), []);
    });

    test("id-cursor pagination visits every user exactly once, in id order", async () => {
      const { store } = fixture();
      const created: UserRecord[] = [];
      for (let i = 0; i < 11; i += 1) created.push(await addUser(store, { name: `Paged ${i}` }));
      const pages = await allPages(store, { search: "paged", limit: 3 });
      assert.deepEqual(
        pages.map((page) => page.length),
        [3, 3, 3, 2],
      );
      const seen = pages.flat();
      assert.equal(new Set(seen.map((user) => user.id)).size, seen.length, "no user appears twice");
      assert.deepEqual(ids(seen), ids(created), "no user is skipped");
      // Every page continues strictly after the cursor: the store's order is the cursor's order.
      for (let i = 1; i < pages.length; i += 1) {
        const cursor = pages[i - 1]?.at(-1)?.id;
        assert.ok(cursor !== undefined);
        assert.deepEqual(pages[i], await store.listUsers({ search: "paged", limit: 3, after: cursor }));
      }
    });

    test("pagination composes with filters and an exact multiple of the page size ends with an empty page", async () => {
      const { store } = fixture();
      const admins: UserRecord[] = [];
      for (let i = 0; i < 4; i += 1) {
        admins.push(await addUser(store, { name: `Mixed ${i}`, role: "admin" }));
        await addUser(store, { name: `Mixed user ${i}` });
      }
      const pages = await allPages(store, { search: "mixed", role: "admin", limit: 2 });
      assert.deepEqual(
        pages.map((page) => page.length),
        [2, 2, 0],
      );
      assert.deepEqual(ids(pages.flat()), ids(admins));
    });

    test("without a search the list holds every user, limited", async () => {
      const { store } = fixture();
      const total = await store.countUsers();
      assert.equal((await store.listUsers({ limit: 1_000 })).length, total);
      assert.equal((await store.listUsers({ limit: 2 })).length, 2);
      assert.equal((await store.listUsers({ search: "", limit: 1_000 })).length, total);
    });

    test("issue 16: pageUsers walks a keyset order both ways, ties broken by id, with the total and each page's offset", async () => {
      const { store } = fixture();
      const marker = randomUUID().slice(0, 8);
      const users: UserRecord[] = [];
      for (let i = 0; i < 7; i += 1) {
        users.push(await addUser(store, { email: `k${i}-${marker}@keyset.test`, createdAt: t0 + Math.floor(i / 2) }));
      }
      const expected = [...users]
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
        .map((user) => user.id);
      const base = { search: marker, sort: "created", descending: true, limit: 3 } as const;
      const first = await store.pageUsers(base);
      assert.deepEqual(
        first?.users.map((u) => u.user.id),
        expected.slice(0, 3),
      );
      assert.equal(first?.total, 7);
      assert.equal(first?.offset, 0);
      const second = await store.pageUsers({ ...base, from: { id: expected[2] ?? "", direction: "after" } });
      assert.deepEqual(
        second?.users.map((u) => u.user.id),
        expected.slice(3, 6),
      );
      assert.equal(second?.offset, 3);
      const back = await store.pageUsers({ ...base, from: { id: expected[3] ?? "", direction: "before" } });
      assert.deepEqual(
        back?.users.map((u) => u.user.id),
        expected.slice(0, 3),
      );
      const byEmail = await store.pageUsers({ ...base, sort: "email", descending: false, limit: 10 });
      assert.deepEqual(
        byEmail?.users.map((u) => u.user.email),
        [...users].map((u) => u.email).sort(),
      );
      assert.equal(await store.pageUsers({ ...base, from: { id: randomUUID(), direction: "after" } }), null);
    });

    test("issue 16: recordLogin sets the last sign-in, read back by getLastLogin and pageUsers; nothing else changes", async () => {
      const { store } = fixture();
      const user = await addUser(store, { email: `login-${randomUUID()}@keyset.test` });
      assert.equal(await store.getLastLogin(user.id), null);
      await store.transaction((tx) => tx.recordLogin(user.id, t0 + 5_000));
      assert.equal(await store.getLastLogin(user.id), t0 + 5_000);
      assert.deepEqual(await store.getUserById(user.id), user, "updated_at and the rest are untouched");
      const page = await store.pageUsers({ search: user.email, sort: "lastLogin", descending: true, limit: 5 });
      assert.equal(page?.users[0]?.lastLoginAt, t0 + 5_000);
    });
  });

  describe(`store contract: users due for purge (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("listUsersDueForPurge returns users whose purge time has come, oldest first, up to the limit", async () => {
      const { store } = fixture();
      const now = t0 + 86_400_000;
      const atNow = await addUser(store, { status: "disabled", purgeAfter: now });
      const oldest = await addUser(store, { status: "disabled", purgeAfter: now - 3_000 });
      const older = await addUser(store, { status: "disabled", purgeAfter: now - 1_000 });
      await addUser(store, { status: "disabled", purgeAfter: now + 1 });
      await addUser(store, { purgeAfter: null });

      const due = await store.transaction((tx) => tx.listUsersDueForPurge(now, 10));
      assert.deepEqual(due, [oldest.id, older.id, atNow.id]);
      assert.deepEqual(await store.transaction((tx) => tx.listUsersDueForPurge(now, 2)), [oldest.id, older.id]);
      assert.deepEqual(await store.transaction((tx) => tx.listUsersDueForPurge(now - 5_000, 10)), []);
    });
  });
}
