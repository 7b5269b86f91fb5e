import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ConfigError, parseConfig } from "../../src/config.ts";
import { noRequest } from "../../src/domain/actor.ts";
import type { Deps } from "../../src/domain/deps.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import { openDeps } from "../../src/server.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher } from "../support/app.ts";
import { runInProcess } from "../support/cli-runner.ts";
import { createTestDatabase, engines, type TestDatabase } from "../support/databases.ts";

/**
 * Issue 15.4: the settings every process on one database must share are stored by the first process; a
 * CLI that leaves one unset acts with the stored value (the bug: `users delete` erased at once a user the
 * server, under a 7-day grace period, would only have scheduled), one that sets another value refuses to act
 * and changes nothing, naming the variable and both values, until `gatehouse settings set` (audited).
 */
for (const engine of engines) {
  describe(`settings every process on one database shares (${engine})`, () => {
    let database: TestDatabase;
    let dir: string;
    let base: Record<string, string>;

    const gatehouse = (env: Record<string, string>, ...args: string[]) => runInProcess({ ...base, ...env }, args);

    async function inProcess<T>(env: Record<string, string>, work: (deps: Deps) => Promise<T>): Promise<T> {
      const { deps, store } = await openDeps(parseConfig({ ...base, ...env }), { hasher: fastHasher });
      try {
        return await work(deps);
      } finally {
        await store.close();
      }
    }

    async function newUser(email: string): Promise<string> {
      return inProcess({}, async (deps) => {
        const made = await createAccount(
          deps,
          { type: "cli" },
          { email, password: goodPassword, name: "", role: "user" },
          noRequest,
          null,
        );
        assert.ok(made.ok);
        return made.user.id;
      });
    }

    before(async () => {
      database = await createTestDatabase(engine);
      dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-settings-"));
      const location = database.location;
      base = { DATABASE_URL: location.kind === "sqlite" ? location.path : location.url, DATA_DIR: dir };
    });
    after(async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("the first process stores its values; a CLI without the variable deletes with the stored grace", async () => {
      const first = await gatehouse({ DELETION_GRACE_DAYS: "7" }, "migrate");
      assert.equal(first.code, 0, first.stderr);
      const shown = await gatehouse({}, "settings", "show");
      assert.match(shown.stdout, /^DELETION_GRACE_DAYS = 7$/m);
      assert.match(shown.stdout, /^SESSION_IDLE_MINUTES = 30$/m);
      const id = await newUser("graceful@example.test");
      const deleted = await gatehouse({}, "users", "delete", id, "--yes", "--json");
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, /"status":"scheduled"/);
      const user = await inProcess({}, (deps) => deps.store.getUserById(id));
      assert.equal(user?.status, "disabled", "scheduled, not erased");
    });

    test("a CLI whose environment disagrees refuses, names the variable and both values, and changes nothing", async () => {
      const id = await newUser("kept@example.test");
      const refused = await gatehouse({ DELETION_GRACE_DAYS: "0" }, "users", "delete", id, "--yes", "--json");
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /DELETION_GRACE_DAYS is 0 here but 7 in the database/);
      assert.match(refused.stderr, /gatehouse settings set DELETION_GRACE_DAYS 0/);
      const user = await inProcess({}, (deps) => deps.store.getUserById(id));
      assert.equal(user?.status, "active");
      await assert.rejects(
        () => openDeps(parseConfig({ ...base, SESSION_IDLE_MINUTES: "45" }), { hasher: fastHasher }),
        (error: unknown) =>
          error instanceof ConfigError && /SESSION_IDLE_MINUTES is 45 here but 30/.test(error.message),
        "the server's composition root refuses the same way",
      );
      const shown = await gatehouse({ DELETION_GRACE_DAYS: "0" }, "settings", "show");
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /DELETION_GRACE_DAYS = 7; this environment sets 0: every other command refuses/);
    });

    test("settings set changes the stored value, audited; bad names and values are refused", async () => {
      const badName = await gatehouse({}, "settings", "set", "GRACE", "1");
      assert.notEqual(badName.code, 0);
      assert.match(
        badName.stderr,
        /DELETION_GRACE_DAYS, SESSION_IDLE_MINUTES, SESSION_ABSOLUTE_HOURS, REAUTH_WINDOW_MINUTES/,
      );
      for (const [name, value] of [
        ["DELETION_GRACE_DAYS", "91"],
        ["SESSION_IDLE_MINUTES", "-1"],
        ["REAUTH_WINDOW_MINUTES", "ten"],
      ]) {
        const bad = await gatehouse({}, "settings", "set", name ?? "", value ?? "");
        assert.notEqual(bad.code, 0, `${name}=${value}`);
      }
      const set = await gatehouse({ DELETION_GRACE_DAYS: "0" }, "settings", "set", "DELETION_GRACE_DAYS", "0");
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /DELETION_GRACE_DAYS is now 0 \(was 7\)/);
      const entries = await inProcess({}, (deps) => deps.store.listAudit({ limit: 500 }));
      const change = entries.find((entry) => entry.action === "settings.update");
      assert.deepEqual(change?.details, { name: "DELETION_GRACE_DAYS", from: "7", to: "0" });
      assert.equal(change?.actorType, "cli");
      const id = await newUser("erased@example.test");
      const deleted = await gatehouse({ DELETION_GRACE_DAYS: "0" }, "users", "delete", id, "--yes", "--json");
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, /"status":"deleted"/);
    });
  });
}
