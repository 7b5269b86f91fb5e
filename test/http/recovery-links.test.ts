import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { recoveryLinkLifetimeMs } from "../../src/domain/recovery/recovery-link.ts";
import {
  adminDeletes,
  createSignedInUser,
  createUser,
  goodPassword,
  leaveReauthWindow,
  signIn,
} from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { eventMark, eventsSince, summary } from "../support/events.ts";
import { assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { rawQuery } from "../support/raw-database.ts";
import { createToken, serviceClient } from "../support/tokens.ts";

/**
 * Issue 15 point 1: recovery links issued by an admin (docs/recovery.md), redeemed by whoever holds them.
 * Every case reads the store afterwards: a refusal must have changed nothing.
 */
const newPassword = "a brand new passphrase for recovery";

interface Issued {
  readonly url: string;
  readonly link: string;
  readonly expiresAt: string;
}

async function issue(admin: HttpClient, userId: string): Promise<Issued> {
  const response = await admin.post(`/api/users/${userId}/recovery-link`);
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.headers["cache-control"], "no-store");
  const body = response.json() as { url: string; expiresAt: string; userId: string };
  assert.equal(body.userId, userId);
  const link = body.url.split("/recover/")[1] ?? "";
  return { url: body.url, link, expiresAt: body.expiresAt };
}

function redeem(t: TestApp, link: string, password = newPassword, address?: string) {
  return t.client(address).post("/api/auth/recover", { link, password });
}

async function linkRows(t: TestApp, userId: string): Promise<number> {
  const { rows } = await rawQuery(t.database, "SELECT id FROM recovery_links WHERE user_id = ?", [userId]);
  return rows.length;
}

/** The problem body without its per-request instance: two refusals must be the same to the byte. */
function refusalShape(response: { statusCode: number; body: string }): string {
  const { instance: _instance, ...rest } = JSON.parse(response.body) as Record<string, unknown>;
  return `${response.statusCode} ${JSON.stringify(rest)}`;
}

for (const engine of engines) {
  describe(`recovery links (${engine})`, () => {
    let t: TestApp;
    let admin: Awaited<ReturnType<typeof createSignedInUser>>;
    let refusedOnce = "";
    before(async () => {
      t = await startTestApp(engine);
      admin = await createSignedInUser(t, "admin");
      const unknown = await redeem(t, `ghr_${"A".repeat(22)}_${"B".repeat(43)}`);
      assertProblem(unknown, 400, "RECOVERY_LINK_INVALID");
      refusedOnce = refusalShape(unknown);
    });
    after(() => t.close());

    /** The one refusal every wrong link gets, byte for byte (bar the request id). */
    function assertInvalid(response: Parameters<typeof assertProblem>[0]) {
      assertProblem(response, 400, "RECOVERY_LINK_INVALID");
      assert.equal(refusalShape(response), refusedOnce);
    }

    test("issue, redeem: every old session ends, the new password signs in, the old one does not", async () => {
      const user = await createUser(t);
      const devices = [await signIn(t, user), await signIn(t, user), await signIn(t, user)];
      const issued = await issue(admin.device, user.id);
      assert.match(issued.link, /^ghr_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/);
      assert.equal(issued.url, `${t.config.publicUrl.origin}/recover/${issued.link}`);
      const expiresAt = Date.parse(issued.expiresAt);
      assert.equal(expiresAt, t.clock.now() + recoveryLinkLifetimeMs);
      // Only the secret's hash is stored.
      const secret = issued.link.slice(-43);
      const { rows } = await rawQuery<Record<string, unknown>>(
        t.database,
        "SELECT * FROM recovery_links WHERE user_id = ?",
        [user.id],
      );
      assert.equal(rows.length, 1);
      assert.ok(!JSON.stringify(rows).includes(secret));
      assert.equal(rows[0]?.issued_by_type, "user");
      assert.equal(rows[0]?.issued_by_id, admin.user.id);

      const mark = await eventMark(t);
      const redeemed = await redeem(t, issued.link);
      assert.equal(redeemed.statusCode, 200, redeemed.body);
      assert.deepEqual(redeemed.json(), { sessionsRevoked: 3 });
      for (const device of devices) assert.equal((await device.get("/api/auth/session")).statusCode, 401);
      await signIn(t, user, newPassword);
      const old = await t.client().post("/api/auth/login", { email: user.email, password: goodPassword });
      assertProblem(old, 401, "INVALID_CREDENTIALS");
      assert.equal(await linkRows(t, user.id), 0);
      assert.deepEqual((await eventsSince(t, mark)).map(summary).slice(0, 1), [
        "sessions.revoked password_change s3 t0",
      ]);

      const audit = await t.store.listAudit({ limit: 20 });
      const issuedRow = audit.find((entry) => entry.action === "users.recovery_link" && entry.targetId === user.id);
      assert.equal(issuedRow?.actorId, admin.user.id);
      assert.equal(issuedRow?.outcome, "success");
      const recovered = audit.find((entry) => entry.action === "user.recover" && entry.targetId === user.id);
      assert.equal(recovered?.actorType, "anonymous");
      assert.equal(recovered?.details.sessionsRevoked, 3);
      assert.ok(!JSON.stringify(audit).includes(secret), "the secret is in no audit row");
    });

    test("a used link cannot be replayed", async () => {
      const user = await createUser(t);
      const { link } = await issue(admin.device, user.id);
      assert.equal((await redeem(t, link)).statusCode, 200);
      const hashAfter = await t.store.getPasswordHash(user.id);
      assertInvalid(await redeem(t, link, "yet another password for the thief"));
      assert.equal(await t.store.getPasswordHash(user.id), hashAfter);
    });

    test("an expired link is refused and changes nothing; one just before expiry works", async () => {
      const user = await createUser(t);
      const late = await issue(admin.device, user.id);
      const hashBefore = await t.store.getPasswordHash(user.id);
      t.clock.advance(recoveryLinkLifetimeMs);
      assertInvalid(await redeem(t, late.link));
      assert.equal(await t.store.getPasswordHash(user.id), hashBefore);
      await signIn(t, user);

      await reauthenticateAdmin();
      const inTime = await issue(admin.device, user.id);
      t.clock.advance(recoveryLinkLifetimeMs - 1_000);
      assert.equal((await redeem(t, inTime.link)).statusCode, 200);
    });

    /** The test clock moves; the admin's step-up must stay fresh for the next issue. */
    async function reauthenticateAdmin() {
      const response = await admin.device.post("/api/auth/reauthenticate", { password: goodPassword });
      if (response.statusCode === 401) {
        admin = await createSignedInUser(t, "admin");
        return;
      }
      assert.equal(response.statusCode, 204, response.body);
    }

    test("a new link voids the previous one", async () => {
      await reauthenticateAdmin();
      const user = await createUser(t);
      const first = await issue(admin.device, user.id);
      const second = await issue(admin.device, user.id);
      assert.equal(await linkRows(t, user.id), 1);
      assertInvalid(await redeem(t, first.link));
      assert.equal((await redeem(t, second.link)).statusCode, 200);
    });

    test("disabling, and deleting (erasure), void the link in the same act", async () => {
      await reauthenticateAdmin();
      const disabled = await createUser(t);
      const forDisabled = await issue(admin.device, disabled.id);
      const disable = await admin.device.patch(`/api/users/${disabled.id}`, { status: "disabled" });
      assert.equal(disable.statusCode, 200, disable.body);
      assert.equal(await linkRows(t, disabled.id), 0);
      // Enabled again, the old link stays dead.
      assert.equal((await admin.device.patch(`/api/users/${disabled.id}`, { status: "active" })).statusCode, 200);
      assertInvalid(await redeem(t, forDisabled.link));

      const erased = await createUser(t);
      const forErased = await issue(admin.device, erased.id);
      assert.equal((await adminDeletes(admin.device, erased.id)).status, "deleted");
      assert.equal(await linkRows(t, erased.id), 0);
      assertInvalid(await redeem(t, forErased.link));
    });

    test("no link for a disabled account, oneself, an equal or higher rank; a superuser may for an admin", async () => {
      await reauthenticateAdmin();
      const disabled = await createUser(t);
      assert.equal((await admin.device.patch(`/api/users/${disabled.id}`, { status: "disabled" })).statusCode, 200);
      assertProblem(await admin.device.post(`/api/users/${disabled.id}/recovery-link`), 409, "USER_DISABLED");
      assertProblem(await admin.device.post(`/api/users/${admin.user.id}/recovery-link`), 409, "SELF_ACTION_FORBIDDEN");
      const otherAdmin = await createUser(t, "admin");
      const superuser = await createSignedInUser(t, "superuser");
      assertProblem(await admin.device.post(`/api/users/${otherAdmin.id}/recovery-link`), 403, "FORBIDDEN");
      assertProblem(await admin.device.post(`/api/users/${superuser.user.id}/recovery-link`), 403, "FORBIDDEN");
      assert.equal(await linkRows(t, otherAdmin.id), 0);
      assert.equal(await linkRows(t, superuser.user.id), 0);
      await issue(superuser.device, otherAdmin.id);
      const denied = (await t.store.listAudit({ limit: 30 })).filter(
        (entry) => entry.action === "users.recovery_link" && entry.outcome === "denied",
      );
      assert.ok(denied.length >= 4, "each refusal is audited");
    });

    test("a session past the step-up window is asked for the password again; no token may issue a link", async () => {
      const fresh = await createSignedInUser(t, "admin");
      const user = await createUser(t);
      const token = await createToken(fresh.device, ["users:read", "users:write"]);
      leaveReauthWindow(t);
      assertProblem(await fresh.device.post(`/api/users/${user.id}/recovery-link`), 403, "REAUTH_REQUIRED");
      const service = serviceClient(t, token.token);
      assertProblem(
        await service.post(`/api/users/${user.id}/recovery-link`, undefined, { bare: true }),
        403,
        "INSUFFICIENT_SCOPE",
      );
      assert.equal(await linkRows(t, user.id), 0);
    });

    test("hostile link strings all get the one refusal and change nothing", async () => {
      await reauthenticateAdmin();
      const user = await createUser(t);
      const { link } = await issue(admin.device, user.id);
      const hashBefore = await t.store.getPasswordHash(user.id);
      const [, id = "", secret = ""] = /^ghr_(.{22})_(.{43})$/.exec(link) ?? [];
      const flipped = `${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
      const hostile = [
        "",
        "x".repeat(10 * 1024),
        "../../../etc/passwd",
        `ghr_${id}_${flipped}`,
        `ghr_${id}_${secret}\n`,
        ` ${link}`,
        link.toUpperCase(),
        `ghr_${id}`,
        `gatehouse_${id}_${secret}`,
        `ghr_${id}_${secret.slice(0, 42)}é`,
        `ghr_${id}_${secret.slice(0, 42)}\u202e`,
        `ghr_${"ー".repeat(22)}_${"ー".repeat(43)}`,
      ];
      for (const text of hostile) assertInvalid(await redeem(t, text));
      // NUL is refused in every body before any route runs (request-pipeline.ts): no oracle, nothing changed.
      assertProblem(await redeem(t, "ghr_\u0000".padEnd(70, "\u0000")), 400, "VALIDATION_FAILED");
      assert.equal(await t.store.getPasswordHash(user.id), hashBefore);
      assert.equal(await linkRows(t, user.id), 1, "a wrong secret does not burn the real link");
      // Each is a denied attempt in the audit; the wrong secret for a real link names its account.
      const denials = (await t.store.listAudit({ limit: 50 })).filter(
        (entry) => entry.action === "user.recover" && entry.outcome === "denied",
      );
      assert.ok(denials.length >= hostile.length);
      assert.ok(denials.some((entry) => entry.targetId === user.id));
      assert.ok(!JSON.stringify(denials).includes(secret), "no presented text in the audit");
      // A weak password with the real link: the policy's refusal, and the link is still good.
      assertProblem(await redeem(t, link, "short"), 400, "VALIDATION_FAILED");
      assert.equal((await redeem(t, link)).statusCode, 200);
    });

    test("twenty concurrent redemptions of one link: exactly one wins", async () => {
      await reauthenticateAdmin();
      const user = await createUser(t);
      const { link } = await issue(admin.device, user.id);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) => redeem(t, link, `${newPassword} number ${i}`, `10.15.0.${i + 1}`)),
      );
      const won = answers.filter((answer) => answer.statusCode === 200);
      assert.equal(won.length, 1, answers.map((answer) => answer.statusCode).join(","));
      for (const answer of answers) if (answer.statusCode !== 200) assertInvalid(answer);
      const winner = answers.indexOf(won[0] as (typeof answers)[number]);
      await signIn(t, user, `${newPassword} number ${winner}`);
      const recoveries = (await t.store.listAudit({ limit: 50 })).filter(
        (entry) => entry.action === "user.recover" && entry.targetId === user.id,
      );
      assert.deepEqual(
        recoveries.map((entry) => entry.outcome).sort(),
        ["success", ...Array.from({ length: 19 }, () => "denied")].sort(),
      );
    });

    test("the redemption is a public route under the CSRF rules: a cross-site POST is refused", async () => {
      await reauthenticateAdmin();
      const user = await createUser(t);
      const { link } = await issue(admin.device, user.id);
      const forged = await t
        .client()
        .post(
          "/api/auth/recover",
          { link, password: newPassword },
          { bare: true, headers: { "sec-fetch-site": "cross-site" } },
        );
      assertProblem(forged, 403, "CSRF_REJECTED");
      assert.equal(await linkRows(t, user.id), 1);
    });
  });

  describe(`recovery links and deletion grace (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { deletionGraceMs: 7 * 86_400_000 });
    });
    after(() => t.close());

    test("scheduling the deletion voids the link; no link while it is pending; restoring does not revive it", async () => {
      const admin = await createSignedInUser(t, "admin");
      const user = await createUser(t);
      const issued = await admin.device.post(`/api/users/${user.id}/recovery-link`);
      assert.equal(issued.statusCode, 200, issued.body);
      const link = ((issued.json() as { url: string }).url.split("/recover/")[1] ?? "") as string;
      assert.equal((await adminDeletes(admin.device, user.id)).status, "scheduled");
      assert.equal(await linkRows(t, user.id), 0);
      assertProblem(
        await t.client().post("/api/auth/recover", { link, password: newPassword }),
        400,
        "RECOVERY_LINK_INVALID",
      );
      assertProblem(await admin.device.post(`/api/users/${user.id}/recovery-link`), 409, "DELETION_PENDING");
      assert.equal((await admin.device.post(`/api/users/${user.id}/restore`)).statusCode, 200);
      assertProblem(
        await t.client().post("/api/auth/recover", { link, password: newPassword }),
        400,
        "RECOVERY_LINK_INVALID",
      );
    });
  });

  describe(`recovery links are throttled per address (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { limits: { passwordAttemptsPerIpPerMinute: 3 } });
    });
    after(() => t.close());

    test("past the address budget: 429 with Retry-After, before the link is judged", async () => {
      for (let i = 0; i < 3; i += 1) {
        assertProblem(await redeem(t, `guess-${i}`, newPassword, "10.16.0.1"), 400, "RECOVERY_LINK_INVALID");
      }
      const limited = await redeem(t, "guess-4", newPassword, "10.16.0.1");
      assertProblem(limited, 429, "RATE_LIMITED");
      assert.ok(Number(limited.headers["retry-after"]) > 0);
      // Another address still has its own budget.
      assertProblem(await redeem(t, "guess-5", newPassword, "10.16.0.2"), 400, "RECOVERY_LINK_INVALID");
    });
  });
}
