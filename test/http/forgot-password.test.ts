import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { MailFailure } from "../../src/domain/mail/mail-queue.ts";
import { createUser, goodPassword, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { rawQuery } from "../support/raw-database.ts";
import { linkIn, SmtpListener } from "../support/smtp-listener.ts";

/**
 * Issue 15 point 2: "Forgot password?" by e-mail, through a real SMTP listener on loopback. The answer must
 * be the same for every address (status, headers, body), the mail go only to an active account's own
 * address, and its link be a recovery link that works once and ends every old session.
 */
const newPassword = "a new passphrase chosen from the e-mail";
const answer = { message: "If an account exists for this address, we sent a link." };

interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/** Status, headers and body of an answer, but for what differs per request (its date and request id). */
function shape(response: Answer): string {
  const headers = Object.entries(response.headers)
    .filter(([name]) => name !== "date" && name !== "x-request-id")
    .map(([name, value]) => `${name}: ${String(value)}`)
    .sort();
  return [String(response.statusCode), ...headers, response.body].join("\n");
}

for (const engine of engines) {
  describe(`forgot password by e-mail (${engine})`, () => {
    let t: TestApp;
    let smtp: SmtpListener;
    const failures: MailFailure[] = [];
    let addressSeq = 0;
    /** Each test from its own client address: the per-address request limit is a test of its own. */
    const client = () => {
      addressSeq += 1;
      return t.client(`10.9.${engine === "sqlite" ? 1 : 2}.${addressSeq}`);
    };
    const ask = (email: string) => client().post("/api/auth/forgot-password", { email });
    const settled = async () => {
      await t.deps.mailer?.idle();
    };

    before(async () => {
      smtp = await new SmtpListener().start();
      t = await startTestApp(engine, { smtpUrl: smtp.url, limits: { mailsPerRecipientPerHour: 2 } });
      t.deps.mailer?.reportTo((failure) => failures.push(failure));
    });
    after(async () => {
      await t.close();
      await smtp.stop();
    });

    test("unknown, disabled, pending deletion and active: one answer; a mail only for the active one, its link works once", async () => {
      const active = await createUser(t);
      const disabled = await createUser(t);
      const leaving = await createUser(t);
      const now = t.clock.now();
      await t.store.transaction(async (tx) => {
        await tx.updateUser(disabled.id, { status: "disabled" }, now);
        await tx.scheduleErasure(leaving.id, now + 86_400_000, now);
      });
      const devices = [await signIn(t, active), await signIn(t, active)];
      const before = smtp.received.length;

      const answers = [];
      for (const email of ["nobody-here@example.test", disabled.email, leaving.email, active.email.toUpperCase()]) {
        const response = await ask(email);
        assert.equal(response.statusCode, 202, response.body);
        assert.deepEqual(response.json(), answer);
        answers.push(shape(response));
      }
      assert.equal(new Set(answers).size, 1, `the answers differ:\n${answers.join("\n---\n")}`);

      await settled();
      const mails = smtp.received.slice(before);
      assert.equal(mails.length, 1, "exactly one mail");
      const mail = mails[0];
      assert.ok(mail !== undefined);
      assert.deepEqual(mail.to, [active.email], "to the account's own address, as stored");
      assert.equal(mail.parsed.from?.value[0]?.address, "gatehouse@example.test");
      const url = linkIn(mail, "/recover/ghr_");
      assert.ok(url.startsWith(`${t.config.publicUrl.origin}/recover/ghr_`), url);
      const link = url.split("/recover/")[1] ?? "";

      // The link is an ordinary recovery link, issued by the system, audited without the address.
      const { rows } = await rawQuery<{ issued_by_type: string }>(
        t.database,
        "SELECT issued_by_type FROM recovery_links WHERE user_id = ?",
        [active.id],
      );
      assert.deepEqual(
        rows.map((row) => row.issued_by_type),
        ["system"],
      );
      const audit = await t.store.listAudit({ limit: 50 });
      const issued = audit.filter((entry) => entry.action === "users.recovery_link" && entry.targetId === active.id);
      assert.equal(issued.length, 1);
      assert.equal(issued[0]?.actorType, "system");
      assert.equal(issued[0]?.details.via, "email");
      assert.ok(!JSON.stringify(audit).includes(active.email), "no address in the audit log");
      assert.ok(!JSON.stringify(audit).includes(link.slice(-43)), "no link secret in the audit log");

      const redeemed = await client().post("/api/auth/recover", { link, password: newPassword });
      assert.equal(redeemed.statusCode, 200, redeemed.body);
      assert.deepEqual(redeemed.json(), { sessionsRevoked: 2 });
      for (const device of devices) assert.equal((await device.get("/api/auth/session")).statusCode, 401);
      assertProblem(
        await client().post("/api/auth/recover", { link, password: "and once more, by a thief" }),
        400,
        "RECOVERY_LINK_INVALID",
      );
      await signIn(t, active, newPassword);
      assertProblem(
        await client().post("/api/auth/login", { email: active.email, password: goodPassword }),
        401,
        "INVALID_CREDENTIALS",
      );
      assert.deepEqual(failures, []);
    });

    test("past the per-account limit: the same 202, and no more mail", async () => {
      const user = await createUser(t);
      const before = smtp.to(user.email).length;
      const shapes = [];
      for (let attempt = 0; attempt < 4; attempt += 1) {
        const response = await ask(user.email);
        assert.equal(response.statusCode, 202);
        shapes.push(shape(response));
      }
      assert.equal(new Set(shapes).size, 1);
      await settled();
      assert.equal(smtp.to(user.email).length - before, 2, "two mails (the limit), none past it");
      // The newest link is the one that works: each mail replaced the previous link.
      const last = smtp.to(user.email).at(-1);
      assert.ok(last !== undefined);
      const link = linkIn(last, "/recover/").split("/recover/")[1] ?? "";
      const redeemed = await client().post("/api/auth/recover", { link, password: newPassword });
      assert.equal(redeemed.statusCode, 200, redeemed.body);
    });

    test("per client address: 429 past the limit, for every address alike", async () => {
      const from = t.client("10.77.0.1");
      const user = await createUser(t);
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const email = attempt % 2 === 0 ? user.email : `nobody-${attempt}@example.test`;
        assert.equal((await from.post("/api/auth/forgot-password", { email })).statusCode, 202);
      }
      const known = await from.post("/api/auth/forgot-password", { email: user.email });
      const unknown = await from.post("/api/auth/forgot-password", { email: "nobody-else@example.test" });
      assertProblem(known, 429, "RATE_LIMITED");
      assertProblem(unknown, 429, "RATE_LIMITED");
      assert.ok(known.headers["retry-after"] !== undefined);
      await settled();
    });

    test("hostile addresses: a 4xx or the plain 202, never a mail to another address", async () => {
      const user = await createUser(t);
      const before = smtp.received.length;
      const hostile = [
        `${"a".repeat(10_000)}@example.test`,
        `\u202e${user.email}`,
        `${user.email}\r\nBcc: x@y.z`,
        `${user.email}\nBcc: x@y.z`,
        `x@y.z, ${user.email}`,
        `${user.email},x@y.z`,
        `"x@y.z" <${user.email}>`,
      ];
      for (const email of hostile) {
        const response = await ask(email);
        assert.ok(response.statusCode === 202 || (response.statusCode >= 400 && response.statusCode < 500), email);
        if (response.statusCode === 202) assert.deepEqual(response.json(), answer);
      }
      await settled();
      const sent = smtp.received.slice(before);
      assert.deepEqual(
        sent.filter((mail) => mail.to.some((to) => to !== user.email)),
        [],
        "no mail to any address but the account's",
      );
      assert.ok(!JSON.stringify(sent.map((mail) => mail.parsed.headerLines)).includes("x@y.z"));
    });

    test("SMTP down: still the same 202, the failure reported with its kind only, and mail works again after", async () => {
      const user = await createUser(t);
      await smtp.stop();
      const response = await ask(user.email);
      assert.equal(response.statusCode, 202);
      assert.deepEqual(response.json(), answer);
      await settled();
      assert.equal(failures.length, 1);
      assert.equal(failures[0]?.kind, "password_reset");
      assert.ok(!JSON.stringify(failures).includes("ghr_"), "no link in the report");
      assert.ok(!JSON.stringify(failures).includes(user.email), "no address in the report");
      assert.equal((await t.client().get("/healthz")).statusCode, 200);
      failures.length = 0;

      await smtp.start();
      const before = smtp.to(user.email).length;
      assert.equal((await ask(user.email)).statusCode, 202);
      await settled();
      assert.equal(smtp.to(user.email).length, before + 1);
      assert.deepEqual(failures, []);
    });

    test("the pages: 'Forgot password?' on the sign-in page, the form answers the same sentence", async () => {
      const login = await t.client().get("/login");
      assert.match(login.body, /href="\/forgot-password">Forgot password\?</);
      const form = await t.client().get("/forgot-password");
      assert.equal(form.statusCode, 200);
      assert.match(form.body, /action="\/forgot-password"/);
    });
  });

  // Pages and a route that touch no store: one engine is enough.
  describe(`without SMTP, sign-up closed (${engine})`, { skip: engine !== engines[0] }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { signupOpen: false });
    });
    after(() => t.close());

    test("the API answers MAIL_NOT_CONFIGURED; the sign-in page offers the advice, not the form", async () => {
      assertProblem(
        await t.client().post("/api/auth/forgot-password", { email: "someone@example.test" }),
        404,
        "MAIL_NOT_CONFIGURED",
      );
      const login = await t.client().get("/login");
      assert.doesNotMatch(login.body, />Forgot password\?</);
      assert.match(login.body, /Ask an administrator for a recovery link/);
      const advice = await t.client().get("/forgot-password");
      assert.match(advice.body, /Ask an administrator for a recovery link/);
      assert.doesNotMatch(advice.body, /<form[^>]*action="\/forgot-password"/);
    });

    test("closed sign-up: the /signup page is a sentence, no form", async () => {
      const page = await t.client().get("/signup");
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /does not take new sign-ups/);
      assert.doesNotMatch(page.body, /<form[^>]*action="\/signup"/);
    });
  });
}
