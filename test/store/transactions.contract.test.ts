import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { verifyAuditChain } from "../../src/domain/audit/audit-chain-walk.ts";
import type { StoreWrites } from "../../src/domain/ports.ts";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { migrations } from "../../src/store/migrations.ts";
import { migrate } from "../../src/store/migrator.ts";
import { openStore } from "../../src/store/open-store.ts";
import { openPostgresEngine } from "../../src/store/postgres/postgres-engine.ts";
import { SqlStore } from "../../src/store/sql-store.ts";
import { openSqliteEngine } from "../../src/store/sqlite/sqlite-engine.ts";
import { createTestDatabase, engines } from "../support/databases.ts";
import {
  addSession,
  addUser,
  auditInput,
  collect,
  insertUserBeforeSchema4,
  newSession,
  newUser,
  openSealer,
  t0,
  useFreshStore,
  withoutHash,
} from "./store-fixtures.ts";

class Abort extends Error {}

function promiseWithResolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

for (const engine of engines) {
  describe(`store contract: transactions (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("a transaction returns what its function returns, and reads inside it see its own writes", async () => {
      const { store } = fixture();
      const user = newUser();
      const seen = await store.transaction(async (tx) => {
        await tx.insertUser(user, normalizeEmail(user.email));
        return tx.getUserById(user.id);
      });
      assert.deepEqual(seen, user);
    });

    test("issue 10.7: the root store carries no write verb at run time; a transaction carries every one", async () => {
      const { store } = fixture();
      // Typed against the port: a write verb added to StoreWrites and left out here fails to compile.
      const writeVerbs = {
        lockUser: true,
        insertUser: true,
        updateUser: true,
        scheduleErasure: true,
        cancelErasure: true,
        eraseUser: true,
        lockActiveSuperusers: true,
        listUsersDueForPurge: true,
        insertSession: true,
        deleteSession: true,
        deleteUserSession: true,
        deleteUserSessions: true,
        markReauthenticated: true,
        insertApiToken: true,
        deleteUserApiToken: true,
        deleteUserApiTokens: true,
        setUserExternalId: true,
        appendAudit: true,
        insertEvents: true,
        insertWebhookEndpoint: true,
        lockWebhookEndpoint: true,
        rotateWebhookSecret: true,
        updateWebhookEndpoint: true,
        deleteWebhookEndpoint: true,
        finishWebhookAttempt: true,
        lockWebhookDelivery: true,
        redeliverWebhook: true,
        setSharedSetting: true,
        replaceRecoveryLink: true,
        lockRecoveryLink: true,
        deleteRecoveryLink: true,
        deleteUserRecoveryLinks: true,
        replacePendingSignup: true,
        lockPendingSignup: true,
        deletePendingSignup: true,
        recordLogin: true,
      } satisfies Record<keyof StoreWrites, true>;
      const verbs = Object.keys(writeVerbs);
      assert.deepEqual(
        verbs.filter((verb) => verb in store),
        [],
      );
      const inTransaction = await store.transaction(async (tx) => verbs.filter((verb) => verb in tx));
      assert.deepEqual(inTransaction, verbs);
    });

    test("a throw inside a transaction rolls back every write in it, the audit append included", async () => {
      const { store } = fixture();
      const existing = await addUser(store, { name: "Unchanged" });
      const existingSession = await addSession(store, existing.id);
      const headBefore = await store.getAuditHead();
      const usersBefore = await store.countUsers();
      const fresh = newUser();
      const freshSession = newSession(fresh.id);

      const failure = new Abort("fails after every write");
      await assert.rejects(
        store.transaction(async (tx) => {
          assert.equal(await tx.insertUser(fresh, normalizeEmail(fresh.email)), true);
          await tx.insertSession(freshSession);
          await tx.updateUser(existing.id, { name: "Changed", role: "superuser" }, t0 + 1);
          await tx.markReauthenticated(existingSession.id, t0 + 1);
          assert.equal(await tx.deleteSession(existingSession.id), true);
          await tx.appendAudit(auditInput());
          throw failure;
        }),
        (error) => error === failure,
      );

      assert.equal(await store.getUserById(fresh.id), null);
      assert.equal(await store.getSessionAndUser(freshSession.id), null);
      assert.deepEqual(await store.getUserById(existing.id), existing);
      assert.deepEqual(await store.getSessionAndUser(existingSession.id), {
        session: existingSession,
        user: withoutHash(existing),
      });
      assert.equal(await store.countUsers(), usersBefore);
      assert.deepEqual(await store.getAuditHead(), headBefore);
      assert.equal((await collect(store.readAuditChain())).length, headBefore.seq);
    });

    test("the store is usable after a rolled-back transaction", async () => {
      const { store } = fixture();
      await assert.rejects(
        store.transaction(async () => {
          throw new Abort("nothing written");
        }),
        Abort,
      );
      const user = await addUser(store);
      assert.deepEqual(await store.getUserById(user.id), user);
    });

    test("a session for a user that does not exist is refused by the foreign key", async () => {
      const { store } = fixture();
      const orphan = newSession(randomUUID());
      await assert.rejects(store.transaction((tx) => tx.insertSession(orphan)));
      assert.equal(await store.getSessionAndUser(orphan.id), null);
    });

    test("concurrent read-modify-write transactions under lockUser lose no update", async () => {
      const { store } = fixture();
      const user = await addUser(store, { name: "0" });
      await Promise.all(
        Array.from({ length: 20 }, () =>
          store.transaction(async (tx) => {
            const locked = await tx.lockUser(user.id);
            assert.ok(locked !== null);
            await tx.updateUser(user.id, { name: String(Number(locked.name) + 1) }, t0);
          }),
        ),
      );
      assert.equal((await store.getUserById(user.id))?.name, "20");
    });

    test("issue 9.8: two transactions that lock two users in opposite orders both commit, each exactly once", async () => {
      const { store } = fixture();
      const first = await addUser(store, { name: "untouched" });
      const second = await addUser(store, { name: "untouched" });
      const locked = { first: promiseWithResolvers(), second: promiseWithResolvers() };
      const runs = { forward: 0, backward: 0 };
      // Each waits (briefly: SQLite runs writers one at a time, so there the other never comes) until the
      // other holds its first lock, then asks for it: on PostgreSQL a certain deadlock, which one side loses.
      const crossing = (name: keyof typeof runs, mine: UserRecord, theirs: UserRecord) =>
        store.transaction(async (tx) => {
          runs[name] += 1;
          await tx.lockUser(mine.id);
          (mine === first ? locked.first : locked.second).resolve();
          await Promise.race([(mine === first ? locked.second : locked.first).promise, sleep(300)]);
          await tx.lockUser(theirs.id);
          await tx.updateUser(mine.id, { name: name }, t0);
        });
      await Promise.all([crossing("forward", first, second), crossing("backward", second, first)]);
      assert.equal((await store.getUserById(first.id))?.name, "forward");
      assert.equal((await store.getUserById(second.id))?.name, "backward");
      const reruns = runs.forward + runs.backward - 2;
      if (engine === "postgres") assert.equal(reruns, 1, "the deadlock's loser ran once more");
      else assert.equal(reruns, 0);
    });
  });

  describe(`store contract: concurrent audit appends (${engine})`, () => {
    const fixture = useFreshStore(engine);

    test("20 concurrent transactions that each append an audit entry form one unbroken chain of 20", async () => {
      const { store, seal } = fixture();
      const returned = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.transaction((tx) => tx.appendAudit(auditInput({ details: { writer: i } }))),
        ),
      );
      assert.deepEqual(
        returned.map((entry) => entry.seq).sort((a, b) => a - b),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      const chain = await collect(store.readAuditChain());
      assert.deepEqual(
        chain.map((entry) => entry.seq),
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        chain.map((entry) => entry.details.writer).sort((a, b) => Number(a) - Number(b)),
        Array.from({ length: 20 }, (_, i) => i),
      );
      const head = await store.getAuditHead();
      assert.deepEqual({ seq: head.seq, hash: head.hash }, { seq: 20, hash: chain.at(-1)?.hash });
      assert.deepEqual(await verifyAuditChain(store.readAuditChain(), head, seal), {
        ok: true,
        entries: 20,
        headHash: head.hash,
      });
    });
  });

  describe(`store contract: transactions started together (${engine})`, () => {
    const fixture = useFreshStore(engine);

    // On SQLite the transactions of one event-loop turn share one commit (group commit); on PostgreSQL they
    // run on separate connections. Either way each stands or falls alone.
    test("100 transactions started at once: those that throw are rolled back alone, the rest all commit", async () => {
      const { store, seal } = fixture();
      const headBefore = await store.getAuditHead();
      const users = Array.from({ length: 100 }, () => newUser());
      const failures = new Set([0, 7, 50, 63, 64, 99]);
      const results = await Promise.allSettled(
        users.map((user, i) =>
          store.transaction(async (tx) => {
            await tx.insertUser(user, normalizeEmail(user.email));
            await tx.appendAudit(auditInput({ details: { writer: i } }));
            if (failures.has(i)) throw new Abort(`transaction ${i} fails after its writes`);
            return i;
          }),
        ),
      );
      for (const [i, result] of results.entries()) {
        if (failures.has(i)) {
          assert.equal(result.status, "rejected", `transaction ${i}`);
          assert.ok(result.status === "rejected" && result.reason instanceof Abort);
          assert.equal(await store.getUserById(users[i]?.id ?? ""), null, `user ${i} rolled back`);
        } else {
          assert.deepEqual(result, { status: "fulfilled", value: i });
          assert.deepEqual(await store.getUserById(users[i]?.id ?? ""), users[i], `user ${i} committed`);
        }
      }
      const head = await store.getAuditHead();
      assert.equal(head.seq, headBefore.seq + 100 - failures.size);
      const chain = await collect(store.readAuditChain());
      assert.deepEqual(
        chain.map((entry) => Number(entry.details.writer)).sort((a, b) => a - b),
        users.map((_, i) => i).filter((i) => !failures.has(i)),
      );
      assert.deepEqual(await verifyAuditChain(store.readAuditChain(), head, seal), {
        ok: true,
        entries: head.seq,
        headHash: head.hash,
      });
    });

    test("a transaction started with others that fails on a constraint leaves the others committed", async () => {
      const { store } = fixture();
      const fresh = newUser();
      const [first, second] = await Promise.allSettled([
        store.transaction((tx) => tx.insertUser(fresh, normalizeEmail(fresh.email))),
        // The foreign key refuses it: the statement itself fails, inside the transaction.
        store.transaction((tx) => tx.insertSession(newSession("no-such-user"))),
      ]);
      assert.deepEqual(first, { status: "fulfilled", value: true });
      assert.equal(second?.status, "rejected");
      assert.deepEqual(await store.getUserById(fresh.id), fresh);
    });
  });

  describe(`store contract: migrations (${engine})`, () => {
    const versions = migrations.map((m) => m.version);
    const current = Math.max(...versions);
    test("opening the same database twice applies every migration once", async () => {
      const database = await createTestDatabase(engine);
      const seal = openSealer(randomBytes(32));
      try {
        const first = await openStore(database.location, seal);
        assert.deepEqual(first.migrations, { applied: versions, current });
        const user = await addUser(first.store);
        await first.store.close();

        const second = await openStore(database.location, seal);
        try {
          assert.deepEqual(second.migrations, { applied: [], current });
          assert.deepEqual(await second.store.getUserById(user.id), user, "data survives reopening");
        } finally {
          await second.store.close();
        }
      } finally {
        await database.drop();
      }
    });

    test("a database of the first release upgrades in place: its users and sessions survive, and the sweep works", async () => {
      const database = await createTestDatabase(engine);
      const seal = openSealer(randomBytes(32));
      try {
        const location = database.location;
        const engineV1 =
          location.kind === "sqlite" ? openSqliteEngine(location.path) : openPostgresEngine(location.url, 2);
        await migrate(engineV1, migrations.slice(0, 1));
        const storeV1 = new SqlStore(engineV1, seal);
        // Inserted as the first release did: today's insertUser writes columns that schema lacks.
        const user = newUser();
        await insertUserBeforeSchema4(engineV1, user);
        const idle = await addSession(storeV1, user.id, { lastSeenAt: t0 - 3_600_000 });
        const live = await addSession(storeV1, user.id, { lastSeenAt: t0 });
        await storeV1.close();

        const upgraded = await openStore(location, seal);
        try {
          assert.deepEqual(upgraded.migrations, { applied: versions.slice(1), current });
          assert.deepEqual(await upgraded.store.getSessionAndUser(live.id), { session: live, user: withoutHash(user) });
          assert.equal(await upgraded.store.deleteIdleSessions(t0 - 1, 100), 1);
          assert.equal(await upgraded.store.getSessionAndUser(idle.id), null);
        } finally {
          await upgraded.store.close();
        }
      } finally {
        await database.drop();
      }
    });

    // SQLite instances sharing a file are separate processes: test/cli/concurrent-start.test.ts.
    if (engine === "postgres")
      test("four instances starting at once on one database migrate it exactly once", async () => {
        const database = await createTestDatabase(engine);
        const seal = openSealer(randomBytes(32));
        try {
          const opened = await Promise.allSettled(Array.from({ length: 4 }, () => openStore(database.location, seal)));
          const applied: (readonly number[])[] = [];
          for (const each of opened) {
            if (each.status === "fulfilled") {
              applied.push(each.value.migrations.applied);
              await each.value.store.close();
            }
          }
          const failures = opened.flatMap((each) =>
            each.status === "rejected" ? [String(each.reason?.cause ?? each.reason)] : [],
          );
          assert.deepEqual(failures, []);
          // Each migration is its own transaction, so the instances may share the work between them: what
          // counts is that every version was applied by exactly one of them.
          assert.deepEqual(
            applied.flat().sort((a, b) => a - b),
            versions,
          );
        } finally {
          await database.drop();
        }
      });
  });

  // An embedded database has no connection to lose: this one exists for PostgreSQL only.
  if (engine === "postgres")
    describe(`store contract: a lost database connection (${engine})`, () => {
      test("a connection terminated in the middle of a transaction rejects that transaction and does not crash the process", async () => {
        const database = await createTestDatabase(engine);
        try {
          assert.equal(database.location.kind, "postgres");
          const child = await runChild(database.location.kind === "postgres" ? database.location.url : "");
          assert.equal(child.code, 0, child.stderr);
          assert.deepEqual(JSON.parse(child.stdout), { outcome: "rejected", lost: false, next: true });
        } finally {
          await database.drop();
        }
      });
    });
}

/** Runs lost-connection.child.ts against the given database in its own process. */
function runChild(url: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = fileURLToPath(new URL("./lost-connection.child.ts", import.meta.url));
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", script],
      { env: { ...process.env, LOST_CONNECTION_DATABASE_URL: url } },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : null, stdout, stderr }),
    );
  });
}
