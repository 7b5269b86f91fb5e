import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { noRequest } from "../../src/domain/actor.ts";
import type { Deps } from "../../src/domain/deps.ts";
import { redeemRecoveryLink } from "../../src/domain/recovery/redeem-recovery.ts";
import { createAccount, logIn } from "../../src/domain/users/accounts.ts";
import { openDeps } from "../../src/server.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher } from "../support/app.ts";
import { runInProcess } from "../support/cli-runner.ts";
import { createTestDatabase, engines, type TestDatabase } from "../support/databases.ts";

/**
 * Issue 15 point 1: `gatehouse users set-password` and `users reset-link`, run in-process (runCli) as main.ts runs them
 * against a real database of each engine, through the same use cases as the API (actor `cli`).
 */
const linkUrl = /^https:\/\/id\.example\.test\/gh\/recover\/(ghr_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43})$/m;
const replacement = "an operator chose this passphrase";

for (const engine of engines) {
  describe(`gatehouse users set-password / reset-link (${engine})`, () => {
    let database: TestDatabase;
    let dir: string;
    let variables: Record<string, string>;
    const email = "forgetful.person@example.test";
    const superEmail = "only.superuser@example.test";
    let userId: string;
    let superId: string;

    const gatehouse = (args: string[], input = "") => runInProcess(variables, args, input);

    async function inProcess<T>(work: (deps: Deps) => Promise<T>): Promise<T> {
      const { deps, store } = await openDeps(parseConfig(variables), { hasher: fastHasher });
      try {
        return await work(deps);
      } finally {
        await store.close();
      }
    }

    async function signInTwice(address: string, password: string): Promise<void> {
      await inProcess(async (deps) => {
        for (let i = 0; i < 2; i += 1) assert.ok((await logIn(deps, { email: address, password }, noRequest, null)).ok);
      });
    }

    const sessionsOf = (id: string) => inProcess((deps) => deps.store.listUserSessions(id));

    before(async () => {
      database = await createTestDatabase(engine);
      dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-recovery-"));
      const location = database.location;
      variables = {
        DATABASE_URL: location.kind === "sqlite" ? location.path : location.url,
        DATA_DIR: dir,
        PUBLIC_URL: "https://id.example.test/gh/",
      };
      [userId, superId] = await inProcess(async (deps) => {
        const ids: string[] = [];
        for (const [address, role] of [
          [email, "user"],
          [superEmail, "superuser"],
        ] as const) {
          const made = await createAccount(
            deps,
            { type: "cli" },
            { email: address, password: goodPassword, role },
            noRequest,
            null,
          );
          assert.ok(made.ok);
          ids.push(made.user.id);
        }
        return ids as [string, string];
      });
    });
    after(async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("set-password --password-stdin: the new password works, the old does not, every session ended, audited as the CLI", async () => {
      await signInTwice(email, goodPassword);
      assert.equal((await sessionsOf(userId)).length, 2);
      const run = await gatehouse(["users", "set-password", email, "--password-stdin"], `${replacement}\n`);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `Password of ${email} (id ${userId}) set; 2 sessions ended.\n`);
      assert.equal((await sessionsOf(userId)).length, 0);
      await inProcess(async (deps) => {
        assert.ok((await logIn(deps, { email, password: replacement }, noRequest, null)).ok);
        assert.equal((await logIn(deps, { email, password: goodPassword }, noRequest, null)).ok, false);
        const audit = await deps.store.listAudit({ limit: 10 });
        const row = audit.find((entry) => entry.action === "users.password.set" && entry.targetId === userId);
        assert.equal(row?.actorType, "cli");
        assert.equal(row?.details.sessionsRevoked, 2);
      });
    });

    test("set-password refuses a weak password, an unknown user, and a missing terminal, changing nothing", async () => {
      const before = await inProcess((deps) => deps.store.getPasswordHash(userId));
      const weak = await gatehouse(["users", "set-password", userId, "--password-stdin"], "short\n");
      assert.equal(weak.code, 1);
      assert.match(weak.stderr, /^VALIDATION_FAILED: /);
      const unknown = await gatehouse(
        ["users", "set-password", "nobody@example.test", "--password-stdin"],
        `${replacement}\n`,
      );
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /USER_NOT_FOUND/);
      const noTerminal = await gatehouse(["users", "set-password", userId]);
      assert.equal(noTerminal.code, 1);
      assert.match(noTerminal.stderr, /--password-stdin/);
      const typo = await runInProcess(variables, ["users", "set-password", userId], {
        terminal: { answers: [replacement, `${replacement}x`] },
      });
      assert.equal(typo.code, 1);
      assert.deepEqual(typo.asked, [`New password for ${email}: `, "Again, to confirm: "]);
      assert.match(typo.stderr, /VALIDATION_FAILED: The two passwords differ\./);
      assert.equal(await inProcess((deps) => deps.store.getPasswordHash(userId)), before);
    });

    test("set-password on a terminal asks twice, without the password reaching the output", async () => {
      const typed = `${replacement} typed`;
      const run = await runInProcess(variables, ["users", "set-password", email], {
        terminal: { answers: [typed, typed] },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(!`${run.stdout}${run.stderr}`.includes(typed));
      await inProcess(async (deps) => {
        assert.ok((await logIn(deps, { email, password: typed }, noRequest, null)).ok);
      });
      const back = await gatehouse(["users", "set-password", email, "--password-stdin", "--json"], replacement);
      assert.deepEqual(JSON.parse(back.stdout), { userId, sessionsRevoked: 1 });
    });

    test("reset-link prints the link under PUBLIC_URL's path and its expiry; a second one voids the first", async () => {
      const first = await gatehouse(["users", "reset-link", email]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
      const second = await gatehouse(["users", "reset-link", userId]);
      assert.equal(second.code, 0, second.stderr);
      const [firstLink = "", secondLink = ""] = [first, second].map((run) => linkUrl.exec(run.stdout)?.[1] ?? "");
      assert.ok(firstLink !== "" && secondLink !== "" && firstLink !== secondLink, `${first.stdout}${second.stdout}`);
      await signInTwice(email, replacement);
      const signedIn = (await sessionsOf(userId)).length;
      await inProcess(async (deps) => {
        const stale = await redeemRecoveryLink(
          deps,
          { link: firstLink, password: "the first link must be dead" },
          noRequest,
        );
        assert.equal(stale.ok ? "ok" : stale.code, "RECOVERY_LINK_INVALID");
        const used = await redeemRecoveryLink(deps, { link: secondLink, password: goodPassword }, noRequest);
        assert.ok(used.ok);
        assert.equal(used.sessionsRevoked, signedIn);
        assert.equal((await deps.store.listUserSessions(userId)).length, 0);
        const audit = await deps.store.listAudit({ limit: 10 });
        assert.equal(audit.find((entry) => entry.action === "users.recovery_link")?.actorType, "cli");
      });
    });

    test("the operator may issue one for the last superuser (who has no one to ask); not for a missing user", async () => {
      const run = await gatehouse(["users", "reset-link", superEmail]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, linkUrl);
      const links = await inProcess(async (deps) => {
        const found = linkUrl.exec(run.stdout)?.[1] ?? "";
        return deps.store.getRecoveryLink(found.slice(4, 26));
      });
      assert.equal(links?.userId, superId);
      assert.deepEqual(links?.issuedBy, { type: "cli" });
      const missing = await gatehouse(["users", "reset-link", "00000000-0000-4000-8000-000000000000"]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^USER_NOT_FOUND/);
    });
  });
}
