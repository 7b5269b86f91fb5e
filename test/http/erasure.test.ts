import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { noRequest } from "../../src/domain/actor.ts";
import { purgeDueUsers } from "../../src/domain/deletion/delete-user.ts";
import { normalizeEmail } from "../../src/domain/users/email.ts";
import { emailSkeleton } from "../../src/domain/users/email-skeleton.ts";
import { deliverDue } from "../../src/domain/webhooks/delivery-worker.ts";
import { createWebhookEndpoint } from "../../src/domain/webhooks/webhook-admin.ts";
import { createWebhookSender } from "../../src/infra/webhook-sender.ts";
import { adminDeletes, createSignedInUser, createUser, goodPassword, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { wholeAudit } from "../support/audit.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { rawReads } from "../support/raw-database.ts";
import { SmtpListener } from "../support/smtp-listener.ts";
import { createToken } from "../support/tokens.ts";
import { WebhookReceiver } from "../support/webhook-receiver.ts";

/**
 * DESIGN.md 5: erasure removes personal data, and the audit trail keeps ids only. Read as an attacker who
 * later gets the database files: neither the SQLite main file nor its write-ahead log may still hold the
 * erased account's e-mail address, name or password hash. SQLite only: these are its files.
 */
interface Person {
  readonly id: string;
  readonly secrets: readonly string[];
}

/** Signs a distinctive person up, signs them in a few times, renames them: their data is all over the files. */
async function leaveTraces(t: TestApp): Promise<Person> {
  const tag = randomBytes(6).toString("hex");
  const email = `Erase-Me-${tag}@Example.Test`;
  const firstName = `Zebulon Quixote-${tag}`;
  const secondName = `Xanthippe Marplot-${tag}`;
  const device = t.client();
  const signup = await device.post("/api/auth/signup", { email, password: goodPassword, name: firstName });
  assert.equal(signup.statusCode, 201, signup.body);
  for (let i = 0; i < 3; i += 1) await signIn(t, { email });
  assert.equal((await device.patch("/api/account", { name: secondName })).statusCode, 200);
  const stored = await t.store.getUserByEmail(normalizeEmail(email));
  assert.ok(stored !== null);
  // The stored address is the normalized key; its confusable skeleton (own column and unique index) is a
  // copy of it too. Both come first: the tests check that they are on disk before the erasure.
  const key = normalizeEmail(email);
  return { id: stored.id, secrets: [key, emailSkeleton(key), email, firstName, secondName, stored.passwordHash] };
}

function databaseFiles(t: TestApp): string[] {
  const path = t.database.sqlitePath;
  assert.ok(path !== null);
  return [path, `${path}-wal`, `${path}-shm`].filter((file) => existsSync(file));
}

function filesHolding(t: TestApp, text: string): string[] {
  const needle = Buffer.from(text, "utf8");
  return databaseFiles(t).filter((file) => readFileSync(file).includes(needle));
}

function assertErased(t: TestApp, person: Person): void {
  for (const secret of person.secrets) assert.deepEqual(filesHolding(t, secret), [], `still on disk: ${secret}`);
}

async function assertAuditHoldsIdsOnly(t: TestApp, person: Person): Promise<void> {
  const entries = await wholeAudit(t);
  const mine = entries.filter((entry) => entry.targetId === person.id || entry.actorId === person.id);
  assert.ok(mine.length >= 5, "the person's acts and the deletion are in the audit");
  for (const entry of entries) {
    const text = JSON.stringify(entry);
    for (const secret of person.secrets) assert.ok(!text.includes(secret), `audit entry ${entry.seq} holds ${secret}`);
    assert.doesNotMatch(text, /@/, `audit entry ${entry.seq} holds an e-mail address`);
  }
}

describe("erasure leaves no personal data in the SQLite files (sqlite)", () => {
  test("after an immediate deletion neither the main file nor the WAL holds the e-mail, names or hash", async () => {
    const t = await startTestApp("sqlite");
    try {
      const admin = await createSignedInUser(t, "admin");
      const person = await leaveTraces(t);
      // The check can see the data while it exists, so its silence afterwards means something.
      for (const secret of person.secrets.slice(0, 2)) assert.notDeepEqual(filesHolding(t, secret), []);

      assert.equal((await adminDeletes(admin.device, person.id, "erasure request")).status, "deleted");
      assertErased(t, person);
      await assertAuditHoldsIdsOnly(t, person);
    } finally {
      await t.close();
    }
  });

  test("issue 13: an erased admin's API token names and secret hashes are in neither file either", async () => {
    const t = await startTestApp("sqlite");
    try {
      const superuser = await createSignedInUser(t, "superuser");
      const owner = await createSignedInUser(t, "admin");
      const tag = randomBytes(6).toString("hex");
      const names = [`Reconciler-${tag}`, `Nightly export ${tag}`];
      for (const name of names) await createToken(owner.device, ["users:read"], { name });
      const hashes = (await t.store.listUserApiTokens(owner.user.id)).map((token) => token.secretHash);
      assert.equal(hashes.length, 2);
      const person = { id: owner.user.id, secrets: [...names, ...hashes] };
      for (const secret of person.secrets) assert.notDeepEqual(filesHolding(t, secret), [], `on disk first: ${secret}`);

      const receipt = await adminDeletes(superuser.device, owner.user.id, "erasure request");
      assert.equal(receipt.status, "deleted");
      assert.equal(receipt.tokensRevoked, 2);
      assertErased(t, person);
    } finally {
      await t.close();
    }
  });

  test("issue 15: an erased user's recovery link rows are gone, their secret hashes in neither file", async () => {
    const t = await startTestApp("sqlite");
    try {
      const admin = await createSignedInUser(t, "admin");
      const person = await createUser(t);
      // Two links: the first voided by the second, so a deleted row's bytes are looked for too.
      for (let i = 0; i < 2; i += 1) {
        const issued = await admin.device.post(`/api/users/${person.id}/recovery-link`);
        assert.equal(issued.statusCode, 200, issued.body);
      }
      const rows =
        (
          await rawReads<{ id: string; secret_hash: string }>(t.database, [
            "SELECT id, secret_hash FROM recovery_links",
          ])
        )[0] ?? [];
      assert.equal(rows.length, 1);
      // The link's id stays in the audit log (ids only, like a token's); its secret's hash must go.
      const secrets = rows.map((row) => row.secret_hash);
      for (const secret of secrets) assert.notDeepEqual(filesHolding(t, secret), [], `on disk first: ${secret}`);

      assert.equal((await adminDeletes(admin.device, person.id, "erasure request")).status, "deleted");
      assertErased(t, { id: person.id, secrets });
      assert.deepEqual((await rawReads(t.database, ["SELECT id FROM recovery_links"]))[0], []);
    } finally {
      await t.close();
    }
  });

  test("issue 15: no recovery-link or pending-sign-up row, nor the files, hold an erased address or name", async () => {
    const smtp = await new SmtpListener().start();
    const t = await startTestApp("sqlite", { smtpUrl: smtp.url });
    try {
      const admin = await createSignedInUser(t, "admin");
      const tag = randomBytes(6).toString("hex");
      const email = `pending-${tag}@example.test`;
      const name = `Ottoline Pendleby-${tag}`;
      // A sign-up asked for (its row holds the address and the name), then the account created another way;
      // then a "forgot password" mail issues the account a recovery link as the system.
      const asked = await t.client().post("/api/auth/signup", { email, password: goodPassword, name });
      assert.equal(asked.statusCode, 202, asked.body);
      await t.deps.mailer?.idle();
      const person = await createUser(t, "user", email);
      assert.equal((await t.client().post("/api/auth/forgot-password", { email })).statusCode, 202);
      await t.deps.mailer?.idle();
      const [pending = [], links = []] = await rawReads<{ secret_hash: string; password_hash?: string }>(t.database, [
        "SELECT secret_hash, password_hash FROM pending_signups",
        "SELECT secret_hash FROM recovery_links",
      ]);
      assert.equal(pending.length, 1);
      assert.equal(links.length, 1);
      const secrets = [email, name, ...pending.map((row) => row.secret_hash), ...links.map((row) => row.secret_hash)];
      for (const secret of secrets) assert.notDeepEqual(filesHolding(t, secret), [], `on disk first: ${secret}`);

      assert.equal((await adminDeletes(admin.device, person.id, "erasure request")).status, "deleted");
      assert.deepEqual(
        await rawReads(t.database, ["SELECT id FROM pending_signups", "SELECT id FROM recovery_links"]),
        [[], []],
      );
      assertErased(t, { id: person.id, secrets });
    } finally {
      await t.close();
      await smtp.stop();
    }
  });

  test("issue 14: the events outbox, the webhook deliveries and their attempt log hold ids only, the files nothing", async () => {
    const t = await startTestApp("sqlite");
    // A receiver that echoes every body back: whatever a delivery sent lands in the attempt log's snippet.
    const receiver = await new WebhookReceiver().start();
    receiver.fallback = { status: 500, echo: true };
    try {
      t.clock.advance(Date.now() - t.clock.now());
      const deps = { ...t.deps, webhookAllowHttp: true };
      const created = await createWebhookEndpoint(deps, { type: "cli" }, { url: receiver.url }, noRequest);
      assert.ok(created.ok);
      const sender = createWebhookSender({ timeoutMs: 2_000, allowHttp: true, allowPrivateAddresses: true });
      const worker = { pollMs: 10, batch: 50, claimMs: 60_000 };
      const admin = await createSignedInUser(t, "admin");
      const person = await leaveTraces(t);
      await deliverDue(deps, sender, worker);
      assert.equal((await adminDeletes(admin.device, person.id, "erasure request")).status, "deleted");
      await deliverDue(deps, sender, worker);
      const [events = [], deliveries = [], attempts = []] = await rawReads<Record<string, unknown>>(t.database, [
        "SELECT * FROM events",
        "SELECT * FROM webhook_deliveries",
        "SELECT * FROM webhook_attempts",
      ]);
      const mine = deliveries.filter((row) => row.user_id === person.id);
      assert.ok(mine.length >= 3, "the person's events were delivered (created, updated, deleted and more)");
      // Each user's first delivery failed (the echo's 500), so the rest wait behind it: one attempt per user.
      assert.ok(
        attempts.some((row) => typeof row.error === "string" && row.error.includes("user.created")),
        "an attempt logged the receiver's echo of a payload",
      );
      for (const row of [...events, ...deliveries, ...attempts]) {
        const text = JSON.stringify(row);
        for (const secret of person.secrets) assert.ok(!text.includes(secret), `${text} holds ${secret}`);
        assert.doesNotMatch(text, /@/, `${text} holds an e-mail address`);
      }
      assertErased(t, person);
    } finally {
      await receiver.stop();
      await t.close();
    }
  });

  test("after self-deletion the same holds", {}, async () => {
    const t = await startTestApp("sqlite");
    try {
      const person = await leaveTraces(t);
      const [email] = person.secrets;
      assert.ok(email !== undefined);
      const device = await signIn(t, { email });
      assert.equal((await device.delete("/api/account", { password: goodPassword })).statusCode, 200);
      assertErased(t, person);
      await assertAuditHoldsIdsOnly(t, person);
    } finally {
      await t.close();
    }
  });

  test("after a grace period, the purge job erases just as thoroughly", async () => {
    const graceMs = 86_400_000;
    const t = await startTestApp("sqlite", { deletionGraceMs: graceMs });
    try {
      const admin = await createSignedInUser(t, "admin");
      const person = await leaveTraces(t);
      assert.equal((await adminDeletes(admin.device, person.id)).status, "scheduled");
      t.clock.advance(graceMs + 60_000);
      assert.equal(await purgeDueUsers(t.deps, noRequest), 1);
      assertErased(t, person);
      await assertAuditHoldsIdsOnly(t, person);
    } finally {
      await t.close();
    }
  });

  test("issue 9.10: the e-mail is in neither file even after it was a refused request's id and another deletion's reason", async () => {
    const t = await startTestApp("sqlite");
    try {
      const admin = await createSignedInUser(t, "admin");
      const user = await createSignedInUser(t);
      const person = await leaveTraces(t);
      const [email, normalized] = person.secrets;
      assert.ok(email !== undefined && normalized !== undefined);
      // An admin looks the person up by address in the URL; an ordinary user tries the same link.
      for (const id of [email, normalized]) {
        assertProblem(await admin.device.get(`/api/users/${encodeURIComponent(id)}`), 404, "USER_NOT_FOUND");
        assertProblem(await user.device.get(`/api/users/${encodeURIComponent(id)}`), 403, "FORBIDDEN");
      }
      // Another account's deletion gives the person's address as its reason.
      const duplicate = await createUser(t);
      await adminDeletes(admin.device, duplicate.id, `duplicate account of ${email}`);
      assert.notDeepEqual(filesHolding(t, email), [], "the reason is stored while the person exists");

      assert.equal((await adminDeletes(admin.device, person.id, "erasure request")).status, "deleted");
      assertErased(t, person);
      await assertAuditHoldsIdsOnly(t, person);
      const verdict = await admin.device.get("/api/audit/verify");
      assert.equal(verdict.json().ok, true, verdict.body);
    } finally {
      await t.close();
    }
  });
});
