import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { noRequest } from "../../src/domain/actor.ts";
import type { Deps } from "../../src/domain/deps.ts";
import { checkApiToken } from "../../src/domain/tokens/token-check.ts";
import { createAccount } from "../../src/domain/users/accounts.ts";
import type { Role } from "../../src/domain/users/role.ts";
import { openDeps } from "../../src/server.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher } from "../support/app.ts";
import { runInProcess } from "../support/cli-runner.ts";
import { createTestDatabase, engines, type TestDatabase } from "../support/databases.ts";

/**
 * Issue 13 item 1: `gatehouse tokens create|list|revoke`, run in-process (runCli) against a real
 * database of each engine. The CLI may name any owner; the owner's role still bounds the scopes.
 */
const tokenPattern = /^gatehouse_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/m;
const dayMs = 86_400_000;

for (const engine of engines) {
  describe(`gatehouse tokens (${engine})`, () => {
    let database: TestDatabase;
    let dir: string;
    let variables: Record<string, string>;
    const adminEmail = "ops.admin@example.test";
    const plainEmail = "plain.person@example.test";
    let adminId: string;
    let plainId: string;

    const gatehouse = (...args: string[]) => runInProcess(variables, args);

    async function inProcess<T>(work: (deps: Deps) => Promise<T>): Promise<T> {
      const { deps, store } = await openDeps(parseConfig(variables), { hasher: fastHasher });
      try {
        return await work(deps);
      } finally {
        await store.close();
      }
    }

    const tokensOf = (ownerId: string) => inProcess((deps) => deps.store.listUserApiTokens(ownerId));

    before(async () => {
      database = await createTestDatabase(engine);
      dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-tokens-"));
      const location = database.location;
      variables = { DATABASE_URL: location.kind === "sqlite" ? location.path : location.url, DATA_DIR: dir };
      const create = (deps: Deps, email: string, role: Role) =>
        createAccount(deps, { type: "cli" }, { email, password: goodPassword, name: "", role }, noRequest, null);
      [adminId, plainId] = await inProcess(async (deps) => {
        const ids: string[] = [];
        for (const [email, role] of [
          [adminEmail, "admin"],
          [plainEmail, "user"],
        ] as const) {
          const made = await create(deps, email, role);
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

    test("tokens create prints the id and the secret once; the secret is a live token with exactly those scopes and days", async () => {
      const run = await gatehouse(
        "tokens",
        "create",
        "--owner",
        adminEmail,
        "--name",
        "deploy bot",
        "--scope",
        "users:read",
        "--scope",
        "audit:read",
        "--expires-in-days",
        "7",
      );
      assert.equal(run.code, 0, run.stderr);
      const secret = tokenPattern.exec(run.stdout)?.[0];
      assert.ok(secret !== undefined, run.stdout);
      const id = /Created API token ([A-Za-z0-9_-]{22}) for (\S+) \(id (\S+); scopes /.exec(run.stdout);
      assert.equal(id?.[2], adminEmail, "the owner by e-mail");
      assert.equal(id?.[3], adminId);
      assert.ok(secret.startsWith(`gatehouse_${id?.[1]}_`), "the printed id is the token's");
      await inProcess(async (deps) => {
        const auth = await checkApiToken(deps, secret);
        assert.equal(auth?.user.id, adminId);
        assert.deepEqual(auth?.token.scopes, ["users:read", "audit:read"]);
        assert.equal((auth?.token.expiresAt ?? 0) - (auth?.token.createdAt ?? 0), 7 * dayMs);
        const [entry] = await deps.store.listAudit({ action: "tokens.create", outcome: "success", limit: 5 });
        assert.equal(entry?.actorType, "cli");
        assert.equal(entry?.actorId, null);
        assert.equal(entry?.targetId, adminId);
        assert.equal(entry?.details.tokenId, id?.[1]);
      });

      const listed = await gatehouse("tokens", "list", adminEmail);
      assert.equal(listed.code, 0, listed.stderr);
      const lines = listed.stdout.trim().split("\n");
      assert.equal(lines.length, 1);
      assert.match(lines[0] ?? "", new RegExp(`^${id?.[1]}\\tdeploy bot\\tusers:read,audit:read\\tcreated=`));
      // Used once, by the check above: its last use is listed.
      assert.match(lines[0] ?? "", /\tlast-used=\d{4}-\d\d-\d\dT[\d:.]+Z$/);
      assert.ok(!listed.stdout.includes(secret.slice(-43)), "list never prints a secret");
      assert.equal((await gatehouse("tokens", "list", adminId)).stdout, listed.stdout, "by id or by e-mail");
    });

    test("the default lifetime is 90 days; more than 365, zero or a fraction is refused and nothing is created", async () => {
      const made = await gatehouse(
        "tokens",
        "create",
        "--owner",
        adminId,
        "--name",
        "default",
        "--scope",
        "users:read",
      );
      assert.equal(made.code, 0, made.stderr);
      const listed = await gatehouse("tokens", "list", adminId);
      assert.match(listed.stdout, /\tdefault\tusers:read\tcreated=\S+\texpires=\S+\tlast-used=never-used\n/);
      const before = await tokensOf(adminId);
      const fresh = before.find((token) => token.name === "default");
      assert.equal((fresh?.expiresAt ?? 0) - (fresh?.createdAt ?? 0), 90 * dayMs);
      for (const days of ["366", "0"]) {
        const run = await gatehouse(
          "tokens",
          "create",
          "--owner",
          adminId,
          "--name",
          "n",
          "--scope",
          "scim",
          "--expires-in-days",
          days,
        );
        assert.equal(run.code, 1, days);
        assert.match(run.stderr, /^VALIDATION_FAILED: expiresInDays must be a whole number from 1 to 365\./, days);
        assert.equal(run.stdout, "");
      }
      const fraction = await gatehouse(
        "tokens",
        "create",
        "--owner",
        adminId,
        "--name",
        "n",
        "--scope",
        "scim",
        "--expires-in-days",
        "1.5",
      );
      assert.notEqual(fraction.code, 0);
      assert.match(fraction.stderr, /whole number of days/);
      assert.equal((await tokensOf(adminId)).length, before.length);
    });

    test("the owner's role must hold every scope: a plain user's token is refused FORBIDDEN, exit 1, nothing created", async () => {
      const run = await gatehouse(
        "tokens",
        "create",
        "--owner",
        plainEmail,
        "--name",
        "sneaky",
        "--scope",
        "users:read",
      );
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^FORBIDDEN: The owner's role \(user\) does not hold the scope users:read\./);
      assert.equal(run.stdout, "");
      assert.deepEqual(await tokensOf(plainId), []);
      const denied = await inProcess((deps) =>
        deps.store.listAudit({ action: "tokens.create", outcome: "denied", limit: 10 }),
      );
      assert.ok(denied.some((entry) => entry.actorType === "cli" && entry.targetId === plainId));
    });

    test("bad input is refused before anything is written: unknown scope, no scope, unknown owner, hostile names", async () => {
      const before = (await tokensOf(adminId)).length;
      const unknown = await gatehouse("tokens", "create", "--owner", adminId, "--name", "n", "--scope", "tokens:write");
      assert.notEqual(unknown.code, 0);
      assert.match(
        unknown.stderr,
        /Allowed choices are users:read, users:write, sessions:introspect, scim, audit:read/,
      );
      const none = await gatehouse("tokens", "create", "--owner", adminId, "--name", "n");
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /--scope/);
      const nobody = await gatehouse(
        "tokens",
        "create",
        "--owner",
        "nobody@example.test",
        "--name",
        "n",
        "--scope",
        "scim",
      );
      assert.equal(nobody.code, 1);
      assert.match(nobody.stderr, /^USER_NOT_FOUND/);
      const missingId = await gatehouse("tokens", "create", "--owner", "no-such-id", "--name", "n", "--scope", "scim");
      assert.equal(missingId.code, 1);
      assert.match(missingId.stderr, /^USER_NOT_FOUND/);
      for (const name of ["\u202Egnp.exe", "bell\u0007", "\u001b[2J cleared", "x".repeat(101), "   "]) {
        const run = await gatehouse("tokens", "create", "--owner", adminId, "--name", name, "--scope", "users:read");
        assert.equal(run.code, 1, JSON.stringify(name.slice(0, 12)));
        assert.match(run.stderr, /^VALIDATION_FAILED: /);
      }
      assert.equal((await tokensOf(adminId)).length, before);
      const listUnknown = await gatehouse("tokens", "list", "nobody@example.test");
      assert.equal(listUnknown.code, 1);
      assert.match(listUnknown.stderr, /^USER_NOT_FOUND/);
    });

    test("tokens revoke kills the token at once; revoking it again is TOKEN_NOT_FOUND with exit 1", async () => {
      const made = await gatehouse(
        "tokens",
        "create",
        "--owner",
        adminEmail,
        "--name",
        "short-lived",
        "--scope",
        "audit:read",
      );
      assert.equal(made.code, 0, made.stderr);
      const secret = tokenPattern.exec(made.stdout)?.[0] ?? "";
      const id = /Created API token ([A-Za-z0-9_-]{22})/.exec(made.stdout)?.[1] ?? "";
      const unasked = await gatehouse("tokens", "revoke", id);
      assert.equal(unasked.code, 2, "without a terminal it needs --yes");
      assert.match(
        unasked.stderr,
        /^Not confirmed: there is no terminal to ask on, so nothing changed\. Pass --yes to revoke the token/,
      );
      assert.notEqual(await inProcess((deps) => checkApiToken(deps, secret)), null, "still alive");
      const declined = await runInProcess(variables, ["tokens", "revoke", id], { terminal: { answers: ["n"] } });
      assert.equal(declined.code, 2);
      assert.match(
        declined.stderr,
        new RegExp(
          `^Revoking API token ${id} \\(short-lived; audit:read\\) of ${adminEmail.replace(".", "\\.")}: its next request is refused\\.\n`,
        ),
      );
      assert.notEqual(await inProcess((deps) => checkApiToken(deps, secret)), null, "a no revokes nothing");
      const revoked = await runInProcess(variables, ["tokens", "revoke", id], { terminal: { answers: ["yes"] } });
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.equal(revoked.stdout, `Revoked API token ${id} of ${adminId}.\n`);
      assert.equal(await inProcess((deps) => checkApiToken(deps, secret)), null);
      const listed = await gatehouse("tokens", "list", adminEmail);
      assert.ok(!listed.stdout.includes(id));
      const again = await gatehouse("tokens", "revoke", id, "--yes");
      assert.equal(again.code, 1);
      assert.match(again.stderr, /^TOKEN_NOT_FOUND/);
      const [entry] = await inProcess((deps) =>
        deps.store.listAudit({ action: "tokens.revoke", outcome: "success", limit: 5 }),
      );
      assert.equal(entry?.actorType, "cli");
      assert.equal(entry?.details.tokenId, id);
    });

    test("disabling the owner from the command line kills their tokens in the same act", async () => {
      const made = await gatehouse(
        "tokens",
        "create",
        "--owner",
        adminEmail,
        "--name",
        "doomed",
        "--scope",
        "users:read",
      );
      const secret = tokenPattern.exec(made.stdout)?.[0] ?? "";
      assert.notEqual(await inProcess((deps) => checkApiToken(deps, secret)), null);
      const disabled = await gatehouse("users", "disable", adminEmail, "--yes");
      assert.equal(disabled.code, 0, disabled.stderr);
      assert.match(disabled.stdout, /is now disabled; 0 sessions ended, 3 API tokens revoked\./);
      assert.equal(await inProcess((deps) => checkApiToken(deps, secret)), null);
      assert.deepEqual(await tokensOf(adminId), []);
      assert.equal((await gatehouse("tokens", "list", adminEmail)).stdout, `${adminEmail} has no API tokens.\n`);
      assert.equal((await gatehouse("tokens", "list", adminEmail, "--json")).stdout, "", "no lines for no tokens");
    });
  });
}
