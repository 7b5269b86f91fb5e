import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { noRequest, type RequestMeta } from "../../src/domain/actor.ts";
import { auditEntry } from "../../src/domain/audit/audit-entry.ts";
import { auditExportPage } from "../../src/domain/audit/audit-export.ts";
import type { Deps } from "../../src/domain/deps.ts";
import { logIn } from "../../src/domain/users/accounts.ts";
import { openDeps } from "../../src/server.ts";
import { goodPassword } from "../support/accounts.ts";
import { fastHasher } from "../support/app.ts";
import { type InProcessRun, runInProcess } from "../support/cli-runner.ts";
import { createTestDatabase, engines, type TestDatabase } from "../support/databases.ts";
import { TestClock } from "../support/test-clock.ts";

/**
 * Issue 15 point 5: the commands an operator expects (users create, set-role, sessions list, audit list and
 * export), the deletion plan shown before a delete under a grace period, purge's confirmation, and --json,
 * in-process against a real database of each engine, every act through its use case as actor `cli`.
 */
const dayMs = 86_400_000;
const meta: RequestMeta = { ip: "192.0.2.9", userAgent: "operator-test", requestId: null };

for (const engine of engines) {
  describe(`gatehouse operator commands (${engine})`, () => {
    let database: TestDatabase;
    let dir: string;
    let variables: Record<string, string>;
    const clock = new TestClock();
    const adminEmail = "new.admin@example.test";
    const plainEmail = "new.person@example.test";
    const rootEmail = "only.root@example.test";

    const gatehouse = (args: readonly string[], run: Omit<InProcessRun, "clock"> = {}) =>
      runInProcess(variables, args, { ...run, clock });

    async function inProcess<T>(work: (deps: Deps) => Promise<T>): Promise<T> {
      const { deps, store } = await openDeps(parseConfig(variables), { hasher: fastHasher, clock });
      try {
        return await work(deps);
      } finally {
        await store.close();
      }
    }

    const userOf = (email: string) => inProcess((deps) => deps.store.getUserByEmail(email));

    before(async () => {
      database = await createTestDatabase(engine);
      dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-operator-"));
      const location = database.location;
      variables = {
        DATABASE_URL: location.kind === "sqlite" ? location.path : location.url,
        DATA_DIR: dir,
        DELETION_GRACE_DAYS: "7",
      };
      const root = await gatehouse(["users", "create", rootEmail, "--role", "superuser", "--password-stdin"], {
        input: goodPassword,
      });
      assert.equal(root.code, 0, root.stderr);
    });
    after(async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    });

    test("users create: the password from stdin or typed twice on a terminal, the role from its choices; audited as the CLI", async () => {
      const made = await gatehouse(
        ["users", "create", adminEmail, "--name", "Ada", "--role", "admin", "--password-stdin"],
        {
          input: `${goodPassword}\n`,
        },
      );
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /^Created admin new\.admin@example\.test \(id \S+\)\.\n$/);
      const typed = await gatehouse(["users", "create", plainEmail, "--json"], {
        terminal: { answers: [goodPassword, goodPassword] },
      });
      assert.equal(typed.code, 0, typed.stderr);
      const json = JSON.parse(typed.stdout) as { email: string; role: string; status: string };
      assert.deepEqual([json.email, json.role, json.status], [plainEmail, "user", "active"]);
      assert.ok(!typed.stdout.includes(goodPassword) && !typed.stderr.includes(goodPassword));
      await inProcess(async (deps) => {
        assert.ok((await logIn(deps, { email: adminEmail, password: goodPassword }, meta, null)).ok);
        const entries = await deps.store.listAudit({ action: "user.create", limit: 10 });
        assert.ok(entries.length >= 3 && entries.every((entry) => entry.actorType === "cli"));
      });

      const count = () => inProcess(async (deps) => (await deps.store.listUsers({ limit: 100 })).length);
      const before = await count();
      const taken = await gatehouse(["users", "create", adminEmail.toUpperCase(), "--password-stdin"], {
        input: goodPassword,
      });
      assert.equal(taken.code, 1);
      assert.match(taken.stderr, /^EMAIL_TAKEN: /);
      const role = await gatehouse(["users", "create", "x@example.test", "--role", "owner", "--password-stdin"]);
      assert.equal(role.code, 1);
      assert.match(role.stderr, /Allowed choices are user, admin, superuser\./);
      const weak = await gatehouse(["users", "create", "x@example.test", "--password-stdin"], { input: "short" });
      assert.equal(weak.code, 1);
      assert.match(weak.stderr, /^VALIDATION_FAILED: /);
      const noTerminal = await gatehouse(["users", "create", "x@example.test"]);
      assert.equal(noTerminal.code, 1);
      assert.match(noTerminal.stderr, /pass it with --password-stdin/);
      const typo = await gatehouse(["users", "create", "x@example.test"], {
        terminal: { answers: [goodPassword, "other"] },
      });
      assert.equal(typo.code, 1);
      assert.match(typo.stderr, /The two passwords differ/);
      assert.equal(await count(), before, "nothing was created");
    });

    test("users set-role changes the role and ends the sessions; an unknown user or role names what is valid; the last superuser stays", async () => {
      await inProcess(async (deps) => {
        assert.ok((await logIn(deps, { email: plainEmail, password: goodPassword }, meta, null)).ok);
      });
      const promoted = await gatehouse(["users", "set-role", plainEmail, "admin"]);
      assert.equal(promoted.code, 0, promoted.stderr);
      assert.match(
        promoted.stdout,
        /^new\.person@example\.test \(id \S+\) is now admin \(was user\); 1 session ended\.\n$/,
      );
      assert.equal((await userOf(plainEmail))?.role, "admin");
      const same = await gatehouse(["users", "set-role", plainEmail, "admin"]);
      assert.equal(same.stdout, `${plainEmail} is admin already; nothing changed.\n`);
      const back = await gatehouse(["users", "set-role", plainEmail, "user", "--json"]);
      const json = JSON.parse(back.stdout) as { user: { role: string }; sessionsRevoked: number };
      assert.deepEqual([json.user.role, json.sessionsRevoked], ["user", 0]);
      const nobody = await gatehouse(["users", "set-role", "nobody@example.test", "admin"]);
      assert.equal(nobody.code, 1);
      assert.equal(nobody.stderr, 'USER_NOT_FOUND: No user with id or e-mail "nobody@example.test".\n');
      const noId = await gatehouse(["users", "set-role", "no-such-id", "admin"]);
      assert.equal(noId.stderr, 'USER_NOT_FOUND: No user with id or e-mail "no-such-id".\n');
      const bogus = await gatehouse(["users", "set-role", plainEmail, "root"]);
      assert.equal(bogus.code, 1);
      assert.match(bogus.stderr, /Allowed choices are user, admin, superuser\./);
      const last = await gatehouse(["users", "set-role", rootEmail, "user"]);
      assert.equal(last.code, 1);
      assert.match(last.stderr, /^LAST_SUPERUSER: /);
      assert.equal((await userOf(rootEmail))?.role, "superuser");
      const entries = await inProcess((deps) => deps.store.listAudit({ action: "users.update", limit: 20 }));
      assert.ok(entries.some((e) => e.actorType === "cli" && e.outcome === "denied" && e.reason === "LAST_SUPERUSER"));
    });

    test("sessions list names the owner and each live session; --json gives one object per line", async () => {
      await inProcess(async (deps) => {
        for (let i = 0; i < 2; i += 1) {
          assert.ok((await logIn(deps, { email: plainEmail, password: goodPassword }, meta, null)).ok);
        }
      });
      const listed = await gatehouse(["sessions", "list", plainEmail]);
      assert.equal(listed.code, 0, listed.stderr);
      const lines = listed.stdout.trim().split("\n");
      assert.equal(lines[0], `2 live sessions of ${plainEmail}:`);
      assert.equal(lines.length, 3);
      for (const line of lines.slice(1))
        assert.match(line, /^\S+\tcreated=\S+Z\tlast-seen=\S+Z\texpires=\S+Z\tip=192\.0\.2\.9\toperator-test$/);
      const json = (await gatehouse(["sessions", "list", plainEmail, "--json"])).stdout.trim().split("\n");
      assert.deepEqual(
        json.map((line) => (JSON.parse(line) as { ip: string }).ip),
        ["192.0.2.9", "192.0.2.9"],
      );
      const unknown = await gatehouse(["sessions", "list", "ghost@example.test"]);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /No user with id or e-mail "ghost@example\.test"/);
    });

    test("users delete under a grace period: the plan first, the e-mail typed back; a wrong answer changes nothing", async () => {
      const target = await userOf(plainEmail);
      assert.ok(target !== null);
      const due = new Date(clock.now() + 7 * dayMs).toISOString().slice(0, 16).replace("T", " ");
      const wrong = await gatehouse(["users", "delete", plainEmail], {
        terminal: { answers: ["new.person@example.tes"] },
      });
      assert.equal(wrong.code, 2);
      assert.equal(wrong.stdout, "");
      assert.equal(
        wrong.stderr,
        [
          `Deleting ${plainEmail} (id ${target.id}, user):`,
          "  now: 2 sessions end, 0 API tokens revoked, sign-in ends;",
          `  the account and its personal data are erased on ${due} UTC (grace period 7 days); \`gatehouse users restore\` undoes it until then.`,
          "Type the e-mail to confirm: Not confirmed: nothing changed.",
          "",
        ].join("\n"),
      );
      assert.equal((await userOf(plainEmail))?.status, "active");
      assert.equal((await inProcess((deps) => deps.store.listUserSessions(target.id))).length, 2);
      const done = await gatehouse(["users", "delete", target.id, "--reason", "left"], {
        terminal: { answers: [plainEmail.toUpperCase()] },
      });
      assert.equal(done.code, 0, done.stderr);
      assert.equal(
        done.stdout,
        `Deleted ${plainEmail} (id ${target.id}): scheduled for erasure on ${due} UTC; 2 sessions ended, 0 API tokens revoked; \`gatehouse users restore\` undoes it until then.\n`,
      );
      const scheduled = await userOf(plainEmail);
      assert.equal(scheduled?.status, "disabled");
      assert.equal(scheduled?.purgeAfter, clock.now() + 7 * dayMs);
    });

    test("purge asks before erasing the accounts that are due; with nothing due it erases nothing and asks nothing", async () => {
      const none = await gatehouse(["purge"]);
      assert.equal(none.code, 0, none.stderr);
      assert.equal(none.stdout, "0 accounts erased.\n");
      clock.advance(8 * dayMs);
      const unasked = await gatehouse(["purge"]);
      assert.equal(unasked.code, 2);
      assert.match(unasked.stderr, /Pass --yes to purge without asking\./);
      assert.notEqual(await userOf(plainEmail), null, "nothing erased");
      const declined = await gatehouse(["purge"], { terminal: { answers: ["N"] } });
      assert.equal(declined.code, 2);
      assert.match(
        declined.stderr,
        /^Erasing 1 account whose grace period has ended, with their personal data: new\.person@example\.test\.\n/,
      );
      assert.notEqual(await userOf(plainEmail), null);
      const purged = await gatehouse(["purge", "--json"], { terminal: { answers: ["y"] } });
      assert.equal(purged.code, 0, purged.stderr);
      assert.deepEqual(JSON.parse(purged.stdout), { purged: 1 });
      assert.equal(await userOf(plainEmail), null);
    });

    test("audit list: newest first, each filter, pages, and bad filters refused naming what is valid", async () => {
      const all = await gatehouse(["audit", "list", "--limit", "3"]);
      assert.equal(all.code, 0, all.stderr);
      const lines = all.stdout.trim().split("\n");
      assert.equal(lines.length, 4);
      assert.match(
        lines[0] ?? "",
        /^\d+\t\d{4}-\d\d-\d\d \d\d:\d\d UTC\t(cli|system)\tusers\.purge\tsuccess\ttarget=\S+/,
      );
      const next = /^Older entries: add --before (\d+)$/.exec(lines[3] ?? "")?.[1];
      assert.ok(next !== undefined, all.stdout);
      const older = await gatehouse(["audit", "list", "--limit", "3", "--before", next, "--json"]);
      const seqs = older.stdout
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { seq: number }).seq);
      assert.equal(seqs.length, 3);
      assert.ok(seqs.every((seq) => seq < Number(next)));

      const denied = await gatehouse(["audit", "list", "--action", "users.update", "--outcome", "denied"]);
      const deniedLines = denied.stdout.trim().split("\n");
      assert.ok(deniedLines.length >= 1);
      for (const line of deniedLines)
        assert.match(
          line,
          /\tcli\tusers\.update\tdenied\ttarget=only\.root@example\.test \(\S+\)\treason=LAST_SUPERUSER$/,
        );
      const admin = await userOf(adminEmail);
      const onAdmin = await gatehouse(["audit", "list", "--target", adminEmail, "--json"]);
      const targets = onAdmin.stdout
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { targetId: string }).targetId);
      assert.ok(targets.length >= 1 && targets.every((id) => id === admin?.id));
      const byAdmin = (await gatehouse(["audit", "list", "--actor", adminEmail])).stdout.trim().split("\n");
      assert.equal(byAdmin.length, 1, "the admin has only signed in");
      assert.match(byAdmin[0] ?? "", /^\d+\t\S+ \S+ UTC\tnew\.admin@example\.test \(\S+\)\tsession\.login\tsuccess\t/);
      const future = await gatehouse(["audit", "list", "--since", "2999-01-01"]);
      assert.equal(future.stdout, "No audit entries.\n");
      const window = await gatehouse([
        "audit",
        "list",
        "--until",
        new Date(clock.now() - dayMs).toISOString(),
        "--json",
      ]);
      const ats = window.stdout
        .trim()
        .split("\n")
        .map((line) => (JSON.parse(line) as { at: number }).at);
      assert.ok(ats.length >= 1 && ats.every((at) => at < clock.now() - dayMs), "only before --until");

      for (const [option, value, message] of [
        ["--outcome", "maybe", /Allowed choices are success, denied, failure\./],
        ["--since", "yesterday", /Expected a date or a time with its zone/],
        ["--until", "2026-12-01T10:00", /Expected a date or a time with its zone/],
        ["--limit", "0", /Expected a whole number from 1 to 1000/],
        ["--before", "-3", /Expected an entry's seq/],
      ] as const) {
        const bad = await gatehouse(["audit", "list", option, value]);
        assert.equal(bad.code, 1, `${option} ${value}`);
        assert.match(bad.stderr, message);
        assert.equal(bad.stdout, "");
      }
    });

    test("audit export streams every entry of a few thousand as JSON lines, oldest first, in pages; audited as audit.export", async () => {
      const extra = auditExportPage * 4 + 7;
      await inProcess(async (deps) => {
        await deps.store.transaction(async (tx) => {
          for (let i = 0; i < extra; i += 1) {
            await tx.appendAudit(
              auditEntry({ type: "system" }, noRequest, clock.now(), {
                action: "test.filler",
                outcome: "success",
                details: { i },
              }),
            );
          }
        });
      });
      const verified = await gatehouse(["audit", "verify", "--json"]);
      const total = (JSON.parse(verified.stdout) as { entries: number }).entries;
      const exported = await gatehouse(["audit", "export"]);
      assert.equal(exported.code, 0, exported.stderr);
      const entries = exported.stdout
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line) as { seq: number; action: string; details: { i?: number } });
      // Every entry that was there, then the export's own row (written before the first page is read).
      assert.equal(entries.length, total + 1);
      assert.deepEqual(
        entries.map((entry) => entry.seq),
        entries.map((_, index) => (entries[0]?.seq ?? 0) + index),
        "oldest first, none missing, none twice",
      );
      assert.equal(entries.at(-1)?.action, "audit.export");
      const fillers = entries.filter((entry) => entry.action === "test.filler");
      assert.deepEqual(
        fillers.map((entry) => entry.details.i),
        Array.from({ length: extra }, (_, i) => i),
      );
      const filtered = await gatehouse(["audit", "export", "--action", "users.delete"]);
      const deletes = filtered.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { action: string });
      assert.ok(deletes.length >= 1 && deletes.every((entry) => entry.action === "users.delete"));
      const exports = await inProcess((deps) => deps.store.listAudit({ action: "audit.export", limit: 10 }));
      assert.deepEqual(
        exports.map((entry) => [entry.actorType, entry.details.action]),
        [
          ["cli", "users.delete"],
          ["cli", null],
        ],
      );
      const intact = await gatehouse(["audit", "verify"]);
      assert.equal(intact.code, 0, intact.stderr);
    });
  });
}
