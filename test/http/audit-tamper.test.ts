import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { AuditEntry } from "../../src/domain/audit/audit-chain.ts";
import { adminDeletes, createSignedInUser, createUser, goodPassword, type SignedInUser } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { rawQuery } from "../support/raw-database.ts";

/** DESIGN.md 8: the audit log cannot be edited, shortened or extended behind the server's back unnoticed. */
interface Activity {
  readonly root: SignedInUser;
  readonly admin: SignedInUser;
  readonly user: SignedInUser;
  readonly victimId: string;
  readonly emails: readonly string[];
}

const wrongPassword = "definitely not the password";

/** A little of everything: a deletion, a denied deletion, a failed login, a refused audit read. */
async function someActivity(t: TestApp): Promise<Activity> {
  const root = await createSignedInUser(t, "superuser");
  const admin = await createSignedInUser(t, "admin");
  const user = await createSignedInUser(t);
  const victim = await createUser(t);
  await adminDeletes(admin.device, victim.id, "cleanup");
  assert.equal((await admin.device.delete(`/api/users/${randomUUID()}`, { reason: "probe" })).statusCode, 404);
  assert.equal(
    (await t.client().post("/api/auth/login", { email: user.user.email, password: wrongPassword })).statusCode,
    401,
  );
  assert.equal((await user.device.get("/api/audit")).statusCode, 403);
  const emails = [root.user.email, admin.user.email, user.user.email, victim.email];
  return { root, admin, user, victimId: victim.id, emails };
}

async function verify(device: HttpClient) {
  const response = await device.get("/api/audit/verify");
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { ok: boolean; entries: number; brokenAt?: number; problem?: string };
}

async function auditPage(device: HttpClient, query: string) {
  const response = await device.get(`/api/audit?${query}`);
  assert.equal(response.statusCode, 200, `${query}: ${response.body}`);
  return response.json() as { entries: (Omit<AuditEntry, "at"> & { at: string })[]; nextBefore: number | null };
}

/** Each tampering returns the entries at which verification may fairly report the break. */
type Tampering = (t: TestApp, chain: readonly AuditEntry[]) => Promise<number[]>;

const tamperings: Record<string, Tampering> = {
  "editing one entry's reason": async (t, chain) => {
    // The admin's reason is the entry's note (issue 9.10); its reason column is what is edited.
    const entry = chain.find((candidate) => candidate.note === "cleanup");
    assert.ok(entry !== undefined);
    await rawQuery(t.database, "UPDATE audit_log SET reason = ? WHERE seq = ?", ["routine", entry.seq]);
    return [entry.seq];
  },
  "turning a denied attempt into a success": async (t, chain) => {
    const entry = chain.find((candidate) => candidate.outcome === "denied");
    assert.ok(entry !== undefined);
    await rawQuery(t.database, "UPDATE audit_log SET outcome = 'success' WHERE seq = ?", [entry.seq]);
    return [entry.seq];
  },
  "deleting an entry from the middle": async (t, chain) => {
    const seq = Math.floor(chain.length / 2);
    assert.equal((await rawQuery(t.database, "DELETE FROM audit_log WHERE seq = ?", [seq])).changes, 1);
    return [seq, seq + 1];
  },
  "deleting the last entry": async (t, chain) => {
    const seq = chain.length;
    assert.equal((await rawQuery(t.database, "DELETE FROM audit_log WHERE seq = ?", [seq])).changes, 1);
    return [seq];
  },
  "appending a forged entry with a made-up hash, head row included": async (t, chain) => {
    const last = chain.at(-1);
    assert.ok(last !== undefined);
    const seq = last.seq + 1;
    const forged = randomBytes(32).toString("hex");
    await rawQuery(
      t.database,
      `INSERT INTO audit_log (seq, at, actor_type, actor_id, action, target_id, outcome, reason, request_id, ip,
        details, prev_hash, hash) VALUES (?, ?, 'system', NULL, 'users.restore', ?, 'success', NULL, NULL, NULL, '{}', ?, ?)`,
      [seq, last.at + 1, randomUUID(), last.hash, forged],
    );
    await rawQuery(t.database, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", [seq, forged]);
    return [seq];
  },
};

for (const engine of engines) {
  describe(`reading and verifying the audit log (${engine})`, () => {
    let t: TestApp;
    let activity: Activity;
    before(async () => {
      t = await startTestApp(engine);
      activity = await someActivity(t);
    });
    after(() => t.close());

    test("an untouched log verifies", async () => {
      const verdict = await verify(activity.root.device);
      assert.equal(verdict.ok, true);
      assert.equal(verdict.entries, (await t.store.getAuditHead()).seq);
    });

    test("an ordinary user is refused the log and its verification; no session at all gets 401", async () => {
      for (const url of ["/api/audit", "/api/audit/verify", `/api/audit?actorId=${activity.user.user.id}`]) {
        assertProblem(await activity.user.device.get(url), 403, "FORBIDDEN", url);
        assertProblem(await t.client().get(url), 401, "UNAUTHENTICATED", url);
      }
    });

    test("each filter returns only matching entries, and they combine", async () => {
      const { admin, victimId, root } = activity;
      const checks: [
        string,
        (entry: { actorId: string | null; targetId: string | null; action: string; outcome: string }) => boolean,
      ][] = [
        [`actorId=${admin.user.id}`, (entry) => entry.actorId === admin.user.id],
        [`targetId=${victimId}`, (entry) => entry.targetId === victimId],
        ["action=users.delete", (entry) => entry.action === "users.delete"],
        ["outcome=denied", (entry) => entry.outcome === "denied"],
        ["outcome=failure", (entry) => entry.outcome === "failure"],
      ];
      for (const [query, matches] of checks) {
        const { entries } = await auditPage(root.device, `${query}&limit=200`);
        assert.ok(entries.length > 0, query);
        assert.ok(entries.every(matches), query);
      }
      const combined = await auditPage(root.device, `actorId=${admin.user.id}&action=users.delete&outcome=success`);
      assert.deepEqual(
        combined.entries.map((entry) => [entry.targetId, entry.reason]),
        [[victimId, "cleanup"]],
      );
      assertProblem(await root.device.get("/api/audit?outcome=maybe"), 400, "VALIDATION_FAILED");
    });

    test("paging with `before` walks the whole log newest first, without gaps or repeats", async () => {
      const all = (await auditPage(activity.root.device, "limit=200")).entries.map((entry) => entry.seq);
      assert.ok(all.length > 6);
      const walked: number[] = [];
      let query = "limit=3";
      for (let page = 0; page < 100; page += 1) {
        const { entries, nextBefore } = await auditPage(activity.root.device, query);
        walked.push(...entries.map((entry) => entry.seq));
        if (nextBefore === null) break;
        assert.equal(nextBefore, entries.at(-1)?.seq);
        query = `limit=3&before=${nextBefore}`;
      }
      assert.deepEqual(walked, all);
      assert.deepEqual(
        all,
        [...all].sort((a, b) => b - a),
      );
    });

    test("no audit entry holds a session token, a CSRF token, a password or an e-mail address", async () => {
      const devices = [activity.root.device, activity.admin.device, activity.user.device];
      const forbidden = [goodPassword, wrongPassword, ...activity.emails];
      for (const device of devices) {
        const { token, secret } = tokenOf(device);
        forbidden.push(token, secret);
        if (device.csrfToken !== null) forbidden.push(device.csrfToken);
      }
      const texts = [
        ...(await wholeAudit(t)).map((entry) => JSON.stringify(entry)),
        (await activity.root.device.get("/api/audit?limit=200")).body,
      ];
      for (const text of texts) {
        for (const secret of forbidden) assert.ok(!text.includes(secret), `the audit holds ${secret}`);
        assert.doesNotMatch(text, /@/);
      }
    });
  });

  describe(`tampering with the audit log behind the server's back (${engine})`, () => {
    for (const [name, tamper] of Object.entries(tamperings)) {
      test(`${name} is detected`, async () => {
        const t = await startTestApp(engine);
        try {
          const { root } = await someActivity(t);
          assert.equal((await verify(root.device)).ok, true);
          const expected = await tamper(t, await wholeAudit(t));
          const verdict = await verify(root.device);
          assert.equal(verdict.ok, false, JSON.stringify(verdict));
          assert.ok(expected.includes(verdict.brokenAt ?? -1), JSON.stringify({ expected, verdict }));
          assert.equal(typeof verdict.problem, "string");
        } finally {
          await t.close();
        }
      });
    }

    test("cutting off the tail and rewinding the head row to match it is detected", async () => {
      const t = await startTestApp(engine);
      try {
        const { root } = await someActivity(t);
        const chain = await wholeAudit(t);
        const keep = chain[chain.length - 3];
        assert.ok(keep !== undefined);
        // Everything needed is readable in the database itself: no secret is involved.
        await rawQuery(t.database, "DELETE FROM audit_log WHERE seq > ?", [keep.seq]);
        await rawQuery(t.database, "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", [keep.seq, keep.hash]);
        const verdict = await verify(root.device);
        assert.equal(verdict.ok, false, JSON.stringify(verdict));
      } finally {
        await t.close();
      }
    });
  });
}
