import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { logRedactions } from "../../src/server.ts";
import { createSignedInUser, createUser, goodPassword, leaveReauthWindow, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { form, type HttpClient } from "../support/http-client.ts";

/**
 * Issue 15 point 1, the pages: the admin's "Create recovery link" on a user's page (behind the step-up
 * prompt, the link shown once), and the public page the link opens. docs/recovery.md.
 */
const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? "";
const linkIn = (body: string) => /\/recover\/(ghr_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{43})"/.exec(body)?.[1] ?? "";
const newPassword = "a page-chosen passphrase";

async function createFromPage(admin: HttpClient, userId: string, password?: string) {
  const page = await admin.get(`/admin/users/${userId}`);
  assert.equal(page.statusCode, 200, page.body);
  const fields: Record<string, string> = { _csrf: csrfOf(page.body) };
  if (password !== undefined) fields.password = password;
  return admin.request("POST", `/admin/users/${userId}/recovery-link`, form(fields));
}

for (const engine of engines) {
  describe(`recovery pages (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("the admin creates a link on the user's page; the owner sets a password on the page it opens", async () => {
      const admin = await createSignedInUser(t, "admin");
      const user = await createUser(t);
      const owner = await signIn(t, user);
      const userPage = await admin.device.get(`/admin/users/${user.id}`);
      assert.match(userPage.body, /Create recovery link/);
      const created = await createFromPage(admin.device, user.id);
      assert.equal(created.statusCode, 200, created.body);
      assert.equal(created.headers["cache-control"], "no-store");
      const link = linkIn(created.body);
      assert.notEqual(link, "", created.body);

      const browser = t.client();
      const opened = await browser.get(`/recover/${link}`);
      assert.equal(opened.statusCode, 200);
      assert.equal(opened.headers["referrer-policy"], "no-referrer");
      assert.equal(opened.headers["cache-control"], "no-store");
      assert.match(opened.body, /autocomplete="new-password"/);
      const differ = await browser.request("POST", `/recover/${link}`, form({ password: newPassword, confirm: "x" }));
      assert.equal(differ.statusCode, 400);
      assert.match(differ.body, /The two passwords differ/);
      const done = await browser.request(
        "POST",
        `/recover/${link}`,
        form({ password: newPassword, confirm: newPassword }),
      );
      assert.equal(done.statusCode, 200, done.body);
      assert.match(done.body, /Every session of your account has ended \(1\)/);
      assert.equal((await owner.get("/api/auth/session")).statusCode, 401);
      await signIn(t, user, newPassword);

      const again = await browser.request(
        "POST",
        `/recover/${link}`,
        form({ password: newPassword, confirm: newPassword }),
      );
      assert.equal(again.statusCode, 400);
      assert.match(again.body, /RECOVERY_LINK_INVALID/);
    });

    test("past the step-up window the page asks for the password; no action on one's own page", async () => {
      const admin = await createSignedInUser(t, "admin");
      const user = await createUser(t);
      leaveReauthWindow(t);
      const prompted = await createFromPage(admin.device, user.id);
      assert.equal(prompted.statusCode, 403);
      assert.match(prompted.body, /REAUTH_REQUIRED/);
      assert.equal(linkIn(prompted.body), "");
      const wrong = await createFromPage(admin.device, user.id, "not my password");
      assert.equal(wrong.statusCode, 403);
      assert.equal(linkIn(wrong.body), "");
      const fresh = await createFromPage(admin.device, user.id, goodPassword);
      assert.equal(fresh.statusCode, 200, fresh.body);
      assert.notEqual(linkIn(fresh.body), "");
      const own = await admin.device.get(`/admin/users/${admin.user.id}`);
      assert.doesNotMatch(own.body, /Create recovery link/);
    });
  });
}

describe("a recovery link never reaches the request log (sqlite)", () => {
  test("the page's path and the API's body are logged without it", async () => {
    let text = "";
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString();
        done();
      },
    });
    const t = await startTestApp("sqlite", {
      logger: { level: "info", stream, redact: [...logRedactions] },
      logRequests: true,
    });
    try {
      const admin = await createSignedInUser(t, "admin");
      const user = await createUser(t);
      const issued = await admin.device.post(`/api/users/${user.id}/recovery-link`);
      assert.equal(issued.statusCode, 200, issued.body);
      const link = (issued.json() as { url: string }).url.split("/recover/")[1] ?? "";
      assert.equal((await t.client().get(`/recover/${link}`)).statusCode, 200);
      const redeemed = await t.client().post("/api/auth/recover", { link, password: newPassword });
      assert.equal(redeemed.statusCode, 200, redeemed.body);
      assert.match(text, /"url":"\/recover\/\[Redacted\]"/);
      assert.ok(!text.includes(link.slice(4, 26)), "neither the link's id nor its secret is logged");
      assert.ok(!text.includes(link.slice(-43)));
    } finally {
      await t.close();
    }
  });
});
