import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { AuditEntry } from "../../src/domain/audit/audit-chain.ts";
import { adminDeletes, createSignedInUser, createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { rawQuery } from "../support/raw-database.ts";

/**
 * Issue 9, item 10: text a caller chooses must not outlive an erasure in the append-only log. A refused
 * request's id is kept only when it names a user (otherwise a keyed pseudonym); a deletion's free-text
 * reason lives outside the sealed chain and is erased with the account whose e-mail address it mentions.
 */
type Listed = Omit<AuditEntry, "at"> & { at: string };

async function listed(device: HttpClient, query: string): Promise<Listed[]> {
  const response = await device.get(`/api/audit?${query}`);
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { entries: Listed[] }).entries;
}

/** Every audit row and note as stored, as text: what someone reading the database would see. */
async function storedAuditText(t: TestApp): Promise<string> {
  const tables = ["audit_log", "audit_head"];
  const notes = await rawQuery<{ name: string }>(
    t.database,
    t.database.location.kind === "sqlite"
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'audit%'"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_name LIKE 'audit%'",
  );
  for (const { name } of notes.rows) if (!tables.includes(name)) tables.push(name);
  const rows = await Promise.all(tables.map((table) => rawQuery(t.database, `SELECT * FROM ${table}`)));
  return JSON.stringify(rows.map((result) => result.rows));
}

async function verified(device: HttpClient): Promise<boolean> {
  const response = await device.get("/api/audit/verify");
  assert.equal(response.statusCode, 200, response.body);
  return (response.json() as { ok: boolean }).ok;
}

for (const engine of engines) {
  describe(`caller-chosen text in the audit log (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("issue 9.10: an id that names no user is audited as a keyed pseudonym, never as sent", async () => {
      const admin = await createSignedInUser(t, "admin");
      const user = await createSignedInUser(t);
      const probe = "Carol.Lookup@Example.Test";
      const url = `/api/users/${encodeURIComponent(probe)}`;
      assertProblem(await admin.device.get(url), 404, "USER_NOT_FOUND");
      assertProblem(await admin.device.get(url), 404, "USER_NOT_FOUND");
      assertProblem(await admin.device.delete(url, { reason: "probe" }), 404, "USER_NOT_FOUND");
      assertProblem(await user.device.get(url), 403, "FORBIDDEN");
      assertProblem(await admin.device.get("/api/users/someone-else"), 404, "USER_NOT_FOUND");
      // A refusal on an id that does name a user keeps that id.
      assertProblem(await user.device.get(`/api/users/${admin.user.id}`), 403, "FORBIDDEN");

      const denied = (await wholeAudit(t)).filter((entry) => entry.outcome === "denied");
      const probes = denied.slice(0, 4).map((entry) => entry.targetId);
      assert.match(String(probes[0]), /^unknown:[0-9a-f]{16}$/);
      assert.deepEqual(probes, new Array(4).fill(probes[0]), "repeated probes of one id correlate");
      assert.match(String(denied[4]?.targetId), /^unknown:[0-9a-f]{16}$/);
      assert.notEqual(denied[4]?.targetId, probes[0], "another id, another pseudonym");
      assert.equal(denied[5]?.targetId, admin.user.id);
      const found = await listed(admin.device, `targetId=${encodeURIComponent(probe)}&outcome=denied`);
      assert.equal(found.length, 4, "a search for the id as sent finds its pseudonymous entries");
      const stored = await storedAuditText(t);
      assert.ok(!stored.toLowerCase().includes(probe.toLowerCase()), "the probed address is not stored");
      assert.ok(!stored.includes("someone-else"));
      assert.equal(await verified(admin.device), true);
    });

    test("issue 9.10: a deletion reason stays out of the sealed rows, is listed while it exists, and is erased with the account it names", async () => {
      const admin = await createSignedInUser(t, "admin");
      const named = await createUser(t);
      const bystander = await createUser(t);
      const victim = await createUser(t);
      const reason = `duplicate of ${named.email.toUpperCase()}, see ticket 7`;
      await adminDeletes(admin.device, victim.id, reason);
      await adminDeletes(admin.device, bystander.id, "left the company");

      const [entry] = await listed(admin.device, `action=users.delete&targetId=${victim.id}`);
      assert.equal(entry?.reason, reason, "the API lists the reason while it exists");
      const sealedRows = JSON.stringify((await rawQuery(t.database, "SELECT * FROM audit_log")).rows);
      assert.ok(!sealedRows.includes("ticket 7"), "the chain's rows do not hold the reason");
      assert.ok(!sealedRows.includes("left the company"));
      assert.equal(await verified(admin.device), true);

      await adminDeletes(admin.device, named.id, "erasure request");
      const [after] = await listed(admin.device, `action=users.delete&targetId=${victim.id}`);
      assert.equal(after?.reason, null, "the reason naming the erased account is gone");
      assert.equal(after?.seq, entry?.seq);
      const [kept] = await listed(admin.device, `action=users.delete&targetId=${bystander.id}`);
      assert.equal(kept?.reason, "left the company", "a reason naming nobody erased stays");
      const stored = (await storedAuditText(t)).toLowerCase();
      assert.ok(!stored.includes(named.email.toLowerCase()), "the erased address is nowhere in the audit tables");
      assert.ok(!stored.includes("ticket 7"));
      assert.equal(await verified(admin.device), true, "erasing a reason does not break the chain");
    });

    test("issue 9.10: a reason that names the very account being erased is not kept", async () => {
      const admin = await createSignedInUser(t, "admin");
      const victim = await createUser(t);
      await adminDeletes(admin.device, victim.id, `requested by ${victim.email} by mail`);
      const [entry] = await listed(admin.device, `action=users.delete&targetId=${victim.id}`);
      assert.equal(entry?.reason, null);
      assert.ok(!(await storedAuditText(t)).toLowerCase().includes(victim.email.toLowerCase()));
      assert.equal(await verified(admin.device), true);
    });
  });

  describe(`caller-chosen text as a client address (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { trustProxy: 2 });
    });
    after(() => t.close());

    test("issue 9.10: behind a trusted proxy, an X-Forwarded-For that is no address is neither audited nor kept", async () => {
      const user = await createUser(t);
      const device = t.client();
      const forwarded = { headers: { "x-forwarded-for": `${user.email}, 10.0.0.1` } };
      const login = await device.post("/api/auth/login", { email: user.email, password: goodPassword }, forwarded);
      assert.equal(login.statusCode, 200, login.body);
      const honest = t.client();
      const real = { headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" } };
      assert.equal(
        (await honest.post("/api/auth/login", { email: user.email, password: goodPassword }, real)).statusCode,
        200,
      );

      const logins = (await wholeAudit(t)).filter((entry) => entry.action === "session.login");
      assert.deepEqual(
        logins.map((entry) => entry.ip),
        ["127.0.0.1", "203.0.113.7"],
        "the connection's own address instead of the text; a real forwarded address as sent",
      );
      const sessions = await t.store.listUserSessions(user.id);
      assert.deepEqual(sessions.map((session) => session.ip).sort(), ["127.0.0.1", "203.0.113.7"]);
      assert.ok(!(await storedAuditText(t)).includes(user.email));
    });
  });
}
