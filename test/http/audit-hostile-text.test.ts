import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSignedInUser, createUser, goodPassword, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { rawQuery } from "../support/raw-database.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

/**
 * Issue 9, item 1: nothing a request carries may make a stored audit entry differ from the one that was
 * sealed (a lone UTF-16 surrogate is stored as ED A0 BD by SQLite and as U+FFFD by PostgreSQL), and one
 * broken entry may not hide another: verification reports every broken entry.
 */
interface Broken {
  readonly seq: number;
  readonly kind: string;
  readonly problem: string;
}

interface Verdict {
  readonly ok: boolean;
  readonly entries: number;
  readonly brokenAt?: number;
  readonly problem?: string;
  readonly kind?: string;
  readonly broken?: readonly Broken[];
  readonly brokenCount?: number;
}

async function verify(device: HttpClient): Promise<Verdict> {
  const response = await device.get("/api/audit/verify");
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as Verdict;
}

/** 63 ASCII characters and an emoji: a cut at 64 UTF-16 code units falls between its two surrogates. */
const emojiAcrossTheCut = `${"a".repeat(63)}%F0%9F%98%80`;

for (const engine of engines) {
  describe(`hostile text cannot break the audit chain (${engine})`, () => {
    let t: TestApp;
    let root: Awaited<ReturnType<typeof createSignedInUser>>;
    before(async () => {
      t = await startTestApp(engine);
      root = await createSignedInUser(t, "superuser");
    });
    after(() => t.close());

    test("issue 9.1: a refused GET whose id has an emoji across the 64th code unit leaves the log verifiable", async () => {
      const user = await createSignedInUser(t);
      const admin = await createSignedInUser(t, "admin");
      // What a cross-site link clicked by a signed-in user sends: a top-level GET, no token needed.
      const crossSite = { headers: { "sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate" } };
      assertProblem(await user.device.get(`/api/users/${emojiAcrossTheCut}`, crossSite), 403, "FORBIDDEN");
      assertProblem(await admin.device.get(`/api/users/${emojiAcrossTheCut}`, crossSite), 404, "USER_NOT_FOUND");
      const verdict = await verify(root.device);
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      const stored = (await wholeAudit(t)).filter((entry) => entry.outcome === "denied");
      assert.ok(stored.length >= 2);
      for (const entry of stored)
        assert.ok(entry.targetId === null || entry.targetId.isWellFormed(), String(entry.targetId));
    });

    test("issue 9.1: a lone surrogate in a name, a deletion reason or an e-mail is refused with 400 and stores nothing", async () => {
      const user = await createSignedInUser(t);
      const admin = await createSignedInUser(t, "admin");
      const victim = await createUser(t);
      const headBefore = await t.store.getAuditHead();
      const before = await snapshotStore(t);
      const attempts: [string, () => ReturnType<HttpClient["get"]>][] = [
        ["a name", () => user.device.patch("/api/account", { name: "Mal\ud800lory" })],
        ["a name ending in half an emoji", () => user.device.patch("/api/account", { name: "Mallory \ud83d" })],
        ["a deletion reason", () => admin.device.delete(`/api/users/${victim.id}`, { reason: "\ud800" })],
        ["a low surrogate alone", () => admin.device.delete(`/api/users/${victim.id}`, { reason: "x\udc00y" })],
        [
          "a sign-up e-mail",
          () => t.client().post("/api/auth/signup", { email: `\ud800${uniqueEmail()}`, password: goodPassword }),
        ],
        ["a login e-mail", () => t.client().post("/api/auth/login", { email: "\udfff@example.test", password: "x" })],
        ["a key", () => user.device.patch("/api/account", { name: "Mallory", "\ud800": 1 })],
      ];
      for (const [label, attempt] of attempts) assertProblem(await attempt(), 400, "VALIDATION_FAILED", label);
      assert.deepEqual(await snapshotStore(t), before);
      assert.deepEqual(await t.store.getAuditHead(), headBefore, "nothing was audited either");
      assert.equal((await verify(root.device)).ok, true);
    });

    // Found by the OpenAPI fuzzing (seed 856067842): the note's search key percent-decodes the text, "%00"
    // decoded is a NUL, and PostgreSQL refused the row: a 500 for a reason that is well-formed text.
    test("a deletion reason that spells a NUL as %00 is kept as written: 200, not a 500", async () => {
      const admin = await createSignedInUser(t, "admin");
      const victim = await createUser(t);
      const reason = "spam %00 from a%00b";
      const response = await admin.device.delete(`/api/users/${victim.id}`, { reason });
      assert.equal(response.statusCode, 200, response.body);
      const { rows } = await rawQuery<{ note: string }>(t.database, "SELECT note FROM audit_notes");
      assert.ok(
        rows.some((row) => row.note === reason),
        "the note is stored as written",
      );
      assert.equal((await verify(root.device)).ok, true);
    });

    // Found alongside: the admin gate audited the id before the NUL check ran, and PostgreSQL refused the row.
    test("issue 9.1: a NUL in the id of a refused GET is a 400 before anything is audited, not a 500", async () => {
      const user = await createSignedInUser(t);
      const headBefore = await t.store.getAuditHead();
      for (const id of ["%00", "a%00b"]) {
        assertProblem(await user.device.get(`/api/users/${id}`), 400, "VALIDATION_FAILED", id);
        // Pages answer people: an HTML error page with the same status and code.
        const page = await user.device.get(`/admin/users/${id}`);
        assert.equal(page.statusCode, 400, id);
        assert.match(page.body, /VALIDATION_FAILED/);
      }
      assertProblem(await user.device.get("/api/audit?action=%00"), 400, "VALIDATION_FAILED");
      assert.deepEqual(await t.store.getAuditHead(), headBefore);
    });

    test("issue 9.1: two edits far apart are both reported, each at its own entry", async () => {
      const user = await createSignedInUser(t);
      for (let i = 0; i < 20; i += 1) assertProblem(await user.device.get("/api/audit"), 403, "FORBIDDEN");
      const chain = await wholeAudit(t);
      const first = chain[2];
      const last = chain.at(-3);
      assert.ok(first !== undefined && last !== undefined && last.seq - first.seq > 10);
      // The first edit is what the old code stored for a lone surrogate: a row broken "anyway".
      await rawQuery(t.database, "UPDATE audit_log SET action = ? WHERE seq = ?", [`${first.action}\ufffd`, first.seq]);
      await rawQuery(t.database, "UPDATE audit_log SET outcome = 'success' WHERE seq = ?", [last.seq]);
      try {
        const verdict = await verify(root.device);
        assert.equal(verdict.ok, false);
        assert.equal(verdict.brokenAt, first.seq);
        assert.equal(verdict.kind, "altered");
        assert.deepEqual(
          verdict.broken?.map((entry) => [entry.seq, entry.kind]),
          [
            [first.seq, "altered"],
            [last.seq, "altered"],
          ],
        );
        assert.equal(verdict.brokenCount, 2);
      } finally {
        await rawQuery(t.database, "UPDATE audit_log SET action = ? WHERE seq = ?", [first.action, first.seq]);
        await rawQuery(t.database, "UPDATE audit_log SET outcome = ? WHERE seq = ?", [last.outcome, last.seq]);
      }
      assert.equal((await verify(root.device)).ok, true, "restoring both values heals the chain");
    });
  });
}
