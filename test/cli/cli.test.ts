import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import Database from "better-sqlite3";
import { parseConfig } from "../../src/config.ts";
import type { RequestMeta } from "../../src/domain/actor.ts";
import type { Deps } from "../../src/domain/deps.ts";
import { logIn, signUp } from "../../src/domain/users/accounts.ts";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import { apiVersion } from "../../src/http/openapi/openapi-document.ts";
import { openDeps } from "../../src/server.ts";
import { migrations } from "../../src/store/migrations.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher } from "../support/app.ts";
import { runInProcess } from "../support/cli-runner.ts";

/**
 * The operator CLI as main.ts runs it (runCli, in this process), on SQLite, with exactly these variables.
 * What needs a process of its own (exit codes, stdin, a terminal) is cli-process.test.ts.
 */
function gatehouse(
  dir: string,
  args: readonly string[],
  options: { input?: string; env?: Record<string, string> } = {},
) {
  const variables = { DATABASE_URL: join(dir, "gatehouse.sqlite"), DATA_DIR: dir, ...options.env };
  return runInProcess(variables, args, options.input ?? "");
}

const meta: RequestMeta = { ip: "192.0.2.7", userAgent: "cli-test", requestId: null };

/** The CLI's own configuration (its database, and the secret it keeps in DATA_DIR), opened in this process. */
async function inProcess<T>(dir: string, work: (deps: Deps) => Promise<T>): Promise<T> {
  const config = parseConfig({ DATABASE_URL: join(dir, "gatehouse.sqlite"), DATA_DIR: dir });
  const { deps, store } = await openDeps(config, { hasher: fastHasher });
  try {
    return await work(deps);
  } finally {
    await store.close();
  }
}

async function signInTimes(dir: string, email: string, times: number): Promise<void> {
  await inProcess(dir, async (deps) => {
    for (let i = 0; i < times; i += 1) assert.ok((await logIn(deps, { email, password: goodPassword }, meta, null)).ok);
  });
}

function sessionsOf(dir: string, email: string): Promise<number> {
  return inProcess(dir, async (deps) => {
    const user = await deps.store.getUserByEmail(normalizeEmail(email));
    return user === null ? 0 : (await deps.store.listUserSessions(user.id)).length;
  });
}

describe("the gatehouse command line (sqlite)", () => {
  let dir: string;
  const rootEmail = "Root.Operator@example.test";
  const userEmail = "plain.user@example.test";
  const rootPassword = "an operator's long passphrase";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("issue 15.5: --version names the release and the schema it migrates to", async () => {
    const answer = await gatehouse(dir, ["--version"]);
    assert.equal(answer.code, 0, answer.stderr);
    assert.equal(answer.stdout.trim(), `gatehouse ${apiVersion} (database schema ${migrations.at(-1)?.version})`);
  });

  test("issue 15.4: a mistyped DATABASE_URL stops the command, naming the variable, and creates nothing", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "gatehouse-cli-url-"));
    try {
      const answer = await runInProcess({ DATABASE_URL: "mysql://db/gatehouse", DATA_DIR: fresh }, ["migrate"]);
      assert.notEqual(answer.code, 0);
      assert.match(answer.stderr, /DATABASE_URL: "mysql:" is not a database Gatehouse can use/);
      assert.deepEqual(readdirSync(fresh), [], "no SQLite file, no folder named mysql:, no secret");
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("migrate applies the schema once, then says the database is up to date", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "gatehouse-cli-migrate-"));
    try {
      const first = await gatehouse(fresh, ["migrate"]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /Applied migrations 1/);
      const second = await gatehouse(fresh, ["migrate"]);
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stdout, /up to date/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("issue 9.12: a first migrate creates DATA_DIR 0700 and the database and secret 0600", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "gatehouse-cli-modes-"));
    const umask = process.umask(0o022); // without explicit modes, 0755 and 0644
    try {
      const data = join(fresh, "data");
      const run = await gatehouse(fresh, ["migrate"], {
        env: { DATA_DIR: data, DATABASE_URL: join(data, "gatehouse.sqlite") },
      });
      assert.equal(run.code, 0, run.stderr);
      const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);
      assert.equal(modeOf(data), "700");
      assert.equal(modeOf(join(data, "secret")), "600");
      assert.equal(modeOf(join(data, "gatehouse.sqlite")), "600");
    } finally {
      process.umask(umask);
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  test("create-superuser --password-stdin creates the account without echoing the password", async () => {
    const run = await gatehouse(dir, ["create-superuser", "--email", rootEmail, "--password-stdin"], {
      input: `${rootPassword}\n`,
    });
    assert.equal(run.code, 0, run.stderr);
    // The address is shown in its normalized form (domain/users/email.ts): what uniqueness compares is what is shown.
    assert.match(run.stdout, /Created superuser root\.operator@example\.test/);
    assert.ok(!`${run.stdout}${run.stderr}`.includes(rootPassword));
    await inProcess(dir, async (deps) => {
      const login = await logIn(deps, { email: rootEmail, password: rootPassword }, meta, null);
      assert.ok(login.ok);
      assert.equal(login.user.role, "superuser");
      assert.ok(!(await logIn(deps, { email: rootEmail, password: `${rootPassword}\n` }, meta, null)).ok);
      assert.ok((await signUp(deps, { email: userEmail, password: goodPassword }, meta, null)).ok);
    });
  });

  test("users list shows every account with its role and status", async () => {
    const run = await gatehouse(dir, ["users", "list"]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split("\n");
    assert.equal(lines.length, 2);
    assert.ok(lines.some((line) => line.includes(normalizeEmail(rootEmail)) && /\tsuperuser\tactive$/.test(line)));
    const json = (await gatehouse(dir, ["users", "list", "--json"])).stdout.trim().split("\n");
    assert.deepEqual(json.map((line) => (JSON.parse(line) as { role: string }).role).sort(), ["superuser", "user"]);
    assert.ok(!json.join("").includes("passwordHash") && !json.join("").includes("argon2"), "never a hash");
    assert.ok(lines.some((line) => line.includes(userEmail) && /\tuser\tactive$/.test(line)));
  });

  test("issue 10.7: users list refuses an unknown --status or --role, naming the valid values", async () => {
    const status = await gatehouse(dir, ["users", "list", "--status", "bogus"]);
    assert.notEqual(status.code, 0);
    assert.equal(status.stdout, "");
    assert.match(status.stderr, /bogus/);
    assert.match(status.stderr, /active, disabled/);
    const role = await gatehouse(dir, ["users", "list", "--role", "root"]);
    assert.notEqual(role.code, 0);
    assert.match(role.stderr, /user, admin, superuser/);
    const filtered = await gatehouse(dir, ["users", "list", "--status", "active", "--role", "superuser"]);
    assert.equal(filtered.code, 0, filtered.stderr);
    assert.equal(filtered.stdout.trim().split("\n").length, 1);
  });

  test("users disable revokes every session and users enable lets the user back in", async () => {
    await signInTimes(dir, userEmail, 2);
    assert.equal(await sessionsOf(dir, userEmail), 3);
    const unasked = await gatehouse(dir, ["users", "disable", userEmail]);
    assert.equal(unasked.code, 2, "no terminal, no --yes: stopped");
    assert.match(unasked.stderr, /Pass --yes to disable the user without asking\./);
    assert.equal(await sessionsOf(dir, userEmail), 3, "nothing changed");
    const disabled = await gatehouse(dir, ["users", "disable", userEmail, "--yes"]);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(
      disabled.stdout,
      new RegExp(`^${userEmail} \\(id \\S+\\) is now disabled; 3 sessions ended, 0 API tokens revoked\\.\n$`),
    );
    assert.equal(await sessionsOf(dir, userEmail), 0);
    await inProcess(dir, async (deps) => {
      assert.ok(!(await logIn(deps, { email: userEmail, password: goodPassword }, meta, null)).ok);
    });

    const enabled = await gatehouse(dir, ["users", "enable", userEmail]);
    assert.equal(enabled.code, 0, enabled.stderr);
    assert.match(enabled.stdout, /is now active/);
    await signInTimes(dir, userEmail, 2);
  });

  test("sessions revoke --user ends every session of that user", async () => {
    const unasked = await gatehouse(dir, ["sessions", "revoke", "--user", userEmail]);
    assert.equal(unasked.code, 2);
    assert.equal(await sessionsOf(dir, userEmail), 2, "nothing changed");
    const run = await gatehouse(dir, ["sessions", "revoke", "--user", userEmail, "--yes"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `2 sessions of ${userEmail} ended.\n`);
    assert.equal(await sessionsOf(dir, userEmail), 0);
  });

  test("users delete prints a receipt, and the account is gone", async () => {
    await signInTimes(dir, userEmail, 1);
    const id = await inProcess(dir, async (deps) => (await deps.store.getUserByEmail(userEmail))?.id);
    const unasked = await gatehouse(dir, ["users", "delete", userEmail, "--reason", "x"]);
    assert.equal(unasked.code, 2);
    assert.equal(unasked.stdout, "");
    assert.notEqual(await inProcess(dir, (deps) => deps.store.getUserByEmail(userEmail)), null, "still there");
    const run = await gatehouse(dir, ["users", "delete", userEmail, "--reason", "x", "--yes", "--json"]);
    assert.equal(run.code, 0, run.stderr);
    const receipt = JSON.parse(run.stdout);
    assert.equal(receipt.id, id);
    assert.equal(receipt.status, "deleted");
    assert.equal(receipt.sessionsRevoked, 1);
    assert.equal(receipt.purgeAfter, null);
    assert.equal(await inProcess(dir, (deps) => deps.store.getUserByEmail(userEmail)), null);
    const again = await gatehouse(dir, ["users", "delete", userEmail, "--yes"]);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `USER_NOT_FOUND: No user with id or e-mail "${userEmail}".\n`);
  });

  test("deleting the last superuser fails with LAST_SUPERUSER and exit code 1", async () => {
    const run = await gatehouse(dir, ["users", "delete", rootEmail, "--reason", "oops"]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /LAST_SUPERUSER/);
    assert.equal(run.stdout, "");
    const root = await inProcess(dir, (deps) => deps.store.getUserByEmail(normalizeEmail(rootEmail)));
    assert.equal(root?.status, "active");
  });

  test("every act of the command line is audited as actor cli, with no actor id", async () => {
    const entries = await inProcess(dir, (deps) => deps.store.listAudit({ limit: 500 }));
    const cliActions = ["user.create", "users.update", "users.sessions.revoke", "users.delete"];
    const cliEntries = entries.filter((entry) => cliActions.includes(entry.action));
    assert.deepEqual(new Set(cliEntries.map((entry) => entry.action)), new Set(cliActions));
    for (const entry of cliEntries) {
      assert.equal(
        entry.actorType,
        entry.action === "user.create" && entry.details.role === "user" ? "anonymous" : "cli",
      );
    }
    const deletions = cliEntries.filter((entry) => entry.action === "users.delete");
    // The operator's --reason is a note: kept apart from the sealed chain, erasable (issue 9.10).
    const reasons = deletions.map((entry) => [
      entry.actorType,
      entry.actorId,
      entry.outcome,
      entry.reason ?? entry.note,
    ]);
    assert.deepEqual(reasons.sort(), [
      ["cli", null, "denied", "LAST_SUPERUSER"],
      ["cli", null, "success", "x"],
    ]);
  });

  test("audit verify says intact, and exits 1 once a row was edited behind its back", async () => {
    const intact = await gatehouse(dir, ["audit", "verify"]);
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(intact.stdout, /intact/);

    const db = new Database(join(dir, "gatehouse.sqlite"));
    try {
      assert.equal(db.prepare("UPDATE audit_log SET reason = 'nothing happened' WHERE seq = 2").run().changes, 1);
    } finally {
      db.close();
    }
    const broken = await gatehouse(dir, ["audit", "verify"]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /AUDIT_LOG_BROKEN at entry 2/);
    assert.doesNotMatch(broken.stdout, /intact/);
  });

  test("issue 9.1: audit verify prints every broken entry, so a first break cannot hide a later edit", async () => {
    const db = new Database(join(dir, "gatehouse.sqlite"));
    let last: number;
    try {
      last = Number((db.prepare("SELECT MAX(seq) AS seq FROM audit_log").get() as { seq: number }).seq);
      assert.ok(last > 4);
      assert.equal(db.prepare("UPDATE audit_log SET outcome = 'denied' WHERE seq = ?").run(last - 1).changes, 1);
    } finally {
      db.close();
    }
    const broken = await gatehouse(dir, ["audit", "verify"]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /AUDIT_LOG_BROKEN at entry 2: the entry was altered .*; 2 broken in all:/);
    assert.match(broken.stderr, /^ {2}entry 2: the entry was altered \[altered\]$/m);
    assert.match(broken.stderr, new RegExp(`^ {2}entry ${last - 1}: the entry was altered \\[altered\\]$`, "m"));
  });

  test("a bad configuration value exits 1 with a message naming the variable", async () => {
    const run = await gatehouse(dir, ["users", "list"], { env: { SESSION_IDLE_MINUTES: "500" } });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /SESSION_IDLE_MINUTES/);
    assert.equal(run.stdout, "");
  });
});
