import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signupLinkLifetimeMs } from "../../src/domain/users/pending-signup.ts";
import { sweepExpiredSignups } from "../../src/domain/users/signup-verification.ts";
import { createUser, goodPassword, signIn, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { form } from "../support/http-client.ts";
import { rawQuery } from "../support/raw-database.ts";
import { linkIn, type ReceivedMail, SmtpListener } from "../support/smtp-listener.ts";

/**
 * Issue 15 point 3: with mail configured, sign-up is no enumeration oracle. A new and a taken address get the
 * same answer; the new one a verification link (no account until it is used), the taken one's owner a notice
 * with no link in it. The link creates the account exactly once, however many use it at the same moment.
 */
const accepted = { message: "Check your inbox: we sent a link to finish signing up." };

interface Answer {
  readonly statusCode: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

function shape(response: Answer): string {
  const headers = Object.entries(response.headers)
    .filter(([name]) => name !== "date" && name !== "x-request-id")
    .map(([name, value]) => `${name}: ${String(value)}`)
    .sort();
  return [String(response.statusCode), ...headers, response.body].join("\n");
}

function refusalShape(response: Answer): string {
  const { instance: _instance, ...rest } = JSON.parse(response.body) as Record<string, unknown>;
  return `${response.statusCode} ${JSON.stringify(rest)}`;
}

for (const engine of engines) {
  describe(`sign-up with e-mail verification (${engine})`, () => {
    let t: TestApp;
    let smtp: SmtpListener;

    before(async () => {
      smtp = await new SmtpListener().start();
      t = await startTestApp(engine, { smtpUrl: smtp.url });
    });
    after(async () => {
      await t.close();
      await smtp.stop();
    });

    const signUp = (email: string, name = "New Person") =>
      t.client().post("/api/auth/signup", { email, password: goodPassword, name });
    /** Waits for the queued mail, then the one message to the address since `before`. */
    async function onlyMailTo(address: string, before: number): Promise<ReceivedMail> {
      await t.deps.mailer?.idle();
      const mails = smtp.to(address).slice(before);
      assert.equal(mails.length, 1, `one message to ${address}`);
      return mails[0] as ReceivedMail;
    }
    const linkOf = (mail: ReceivedMail) => linkIn(mail, "/signup/verify/").split("/signup/verify/")[1] ?? "";
    const accountRows = async (email: string) =>
      (await rawQuery(t.database, "SELECT id FROM users WHERE email_normalized = ?", [email])).rows.length;
    const pendingRows = async (email: string) =>
      (await rawQuery(t.database, "SELECT id FROM pending_signups WHERE email_key = ?", [email])).rows.length;

    test("a new and a taken address: one answer; a link for the new one, a notice without a link for the owner", async () => {
      const owner = await createUser(t);
      const fresh = uniqueEmail("fresh");
      const newOne = await signUp(fresh);
      const taken = await signUp(owner.email);
      assert.equal(newOne.statusCode, 202, newOne.body);
      assert.deepEqual(newOne.json(), accepted);
      assert.equal(shape(newOne), shape(taken), "the two answers differ");
      assert.equal(newOne.headers["set-cookie"], undefined, "no session before verification");

      const notice = await onlyMailTo(owner.email, 0);
      assert.equal(notice.subject, "Someone tried to sign up with your address");
      assert.doesNotMatch(notice.text, /ghs_|ghr_|\/recover\/|\/signup\/verify\//, "no link that signs anyone in");
      const verification = await onlyMailTo(fresh, 0);
      const link = linkOf(verification);
      assert.match(link, /^ghs_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43}$/);

      // No account yet, and signing in fails exactly as a wrong password does.
      assert.equal(await accountRows(fresh), 0);
      assert.equal(await pendingRows(fresh), 1);
      const early = await t.client().post("/api/auth/login", { email: fresh, password: goodPassword });
      const wrong = await t
        .client()
        .post("/api/auth/login", { email: owner.email, password: "not the password at all" });
      assertProblem(early, 401, "INVALID_CREDENTIALS");
      assert.equal(refusalShape(early), refusalShape(wrong));
      // The secret is stored as its hash only.
      const { rows } = await rawQuery<Record<string, unknown>>(
        t.database,
        "SELECT * FROM pending_signups WHERE email_key = ?",
        [fresh],
      );
      assert.ok(!JSON.stringify(rows).includes(link.slice(-43)));

      // The page the link opens shows a button and creates nothing.
      const page = await t.client().get(`/signup/verify/${link}`);
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers["cache-control"], "no-store");
      assert.equal(await accountRows(fresh), 0);

      const device = t.client();
      const verified = await device.post("/api/auth/signup/verify", { link });
      assert.equal(verified.statusCode, 201, verified.body);
      assert.equal((verified.json() as { user: { email: string; name: string } }).user.email, fresh);
      assert.equal((verified.json() as { user: { name: string } }).user.name, "New Person");
      assert.equal((await device.get("/api/auth/session")).statusCode, 200, "signed in");
      assert.equal(await accountRows(fresh), 1);
      assert.equal(await pendingRows(fresh), 0);
      await signIn(t, { email: fresh });
      const audit = await t.store.listAudit({ limit: 20 });
      const created = audit.find((entry) => entry.action === "user.create" && entry.outcome === "success");
      assert.equal(created?.actorType, "anonymous");
      assertProblem(await t.client().post("/api/auth/signup/verify", { link }), 400, "SIGNUP_LINK_INVALID");
    });

    test("20 concurrent uses of one link: exactly one account", async () => {
      const email = uniqueEmail("racer");
      assert.equal((await signUp(email)).statusCode, 202);
      const link = linkOf(await onlyMailTo(email, 0));
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => t.client().post("/api/auth/signup/verify", { link })),
      );
      const statuses = answers.map((answer) => answer.statusCode).sort();
      assert.deepEqual(statuses, [201, ...Array.from({ length: 19 }, () => 400)]);
      for (const answer of answers.filter((one) => one.statusCode === 400)) {
        assertProblem(answer, 400, "SIGNUP_LINK_INVALID");
      }
      assert.equal(await accountRows(email), 1);
    });

    test("used, expired, replaced, malformed, or for an address taken meanwhile: one refusal, nothing created", async () => {
      const malformed = await t.client().post("/api/auth/signup/verify", { link: "ghs_not-a-link" });
      assertProblem(malformed, 400, "SIGNUP_LINK_INVALID");
      const refusal = refusalShape(malformed);
      const assertInvalid = async (link: string) => {
        const answer = await t.client().post("/api/auth/signup/verify", { link });
        assertProblem(answer, 400, "SIGNUP_LINK_INVALID");
        assert.equal(refusalShape(answer), refusal);
      };
      await assertInvalid(`ghs_${"A".repeat(22)}_${"B".repeat(43)}`);

      // Replaced: the newest sign-up for an address is the only one.
      const email = uniqueEmail("twice");
      await signUp(email, "First Try");
      const first = linkOf(await onlyMailTo(email, 0));
      await signUp(email, "Second Try");
      const second = linkOf(await onlyMailTo(email, 1));
      await assertInvalid(first);
      assert.equal(await pendingRows(email), 1);
      // A wrong secret for a real id.
      await assertInvalid(`${second.slice(0, -43)}${"x".repeat(43)}`);

      // Taken meanwhile: an administrator created the account after the sign-up was asked for.
      const late = uniqueEmail("late");
      await signUp(late);
      const lateLink = linkOf(await onlyMailTo(late, 0));
      await createUser(t, "user", late);
      await assertInvalid(lateLink);
      assert.equal(await accountRows(late), 1);
      assert.equal(await pendingRows(late), 0);

      // Expired, then swept by the minute job's part.
      t.clock.advance(signupLinkLifetimeMs);
      await assertInvalid(second);
      assert.equal(await accountRows(email), 0);
      assert.ok((await sweepExpiredSignups(t.deps)) >= 1);
      assert.equal(await pendingRows(email), 0);
    });

    test("the sign-up page answers the same sentence; the link's page creates the account and signs in", async () => {
      const email = uniqueEmail("paged");
      const device = t.client();
      const signupPage = await device.get("/signup");
      assert.match(signupPage.body, /action="\/signup"/);
      const posted = await device.request("POST", "/signup", form({ email, password: goodPassword, name: "" }));
      assert.equal(posted.statusCode, 200, posted.body);
      assert.match(posted.body, /Check your inbox/);
      const link = linkOf(await onlyMailTo(email, 0));
      const confirmed = await device.request("POST", `/signup/verify/${link}`, form({}));
      assert.equal(confirmed.statusCode, 303, confirmed.body);
      assert.equal((await device.get("/api/auth/session")).statusCode, 200);
      assert.equal(await accountRows(email), 1);
    });
  });
}
