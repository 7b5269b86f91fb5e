import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { dateText } from "../../src/web/dates.ts";
import {
  adminDeletes,
  createSignedInUser,
  createUser,
  goodPassword,
  type SignedInUser,
  signIn,
} from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { form } from "../support/http-client.ts";

const graceMs = 7 * 86_400_000;
const wrongPassword = "not the password at all";

/** Visible text of a page, roughly: tags dropped, entities of the few kinds the pages use decoded. */
function textOf(body: string): string {
  return body
    .replace(/<(script|style)[\s\S]*?<\/\1>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");
}

const isoTimestamp = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Issue 16.4: one date format, no internal names, each message once, the grace period told truthfully. */
for (const engine of engines) {
  describe(`issue 16.4: honest copy on the pages (${engine})`, () => {
    let t: TestApp;
    let plain: TestApp;
    let admin: SignedInUser;

    before(async () => {
      [t, plain] = await Promise.all([startTestApp(engine, { deletionGraceMs: graceMs }), startTestApp(engine)]);
      admin = await createSignedInUser(t, "admin");
    });
    after(() => Promise.all([t.close(), plain.close()]));

    test("a wrong current password is said once, without a code, on the account page", async () => {
      const { device } = await createSignedInUser(t);
      await device.get("/account");
      const page = await device.request(
        "POST",
        "/account/password",
        form({ _csrf: device.csrfToken ?? "", currentPassword: wrongPassword, newPassword: `${goodPassword} 2` }),
      );
      assert.equal(page.statusCode, 403);
      const text = textOf(page.body);
      assert.match(text, /The current password is incorrect\./);
      assert.doesNotMatch(text, /The password is incorrect\./, "the title is not said again");
      assert.doesNotMatch(text, /Code: /, "no problem code on a public or account page");
      assert.match(page.body, /data-code="WRONG_PASSWORD"/);
    });

    test("codes show on admin error pages and not on public ones", async () => {
      const missing = await admin.device.get(`/admin/users/${randomUUID()}`);
      assert.equal(missing.statusCode, 404);
      assert.match(textOf(missing.body), /Code: USER_NOT_FOUND/);
      const nowhere = await t.client().get("/no-such-page");
      assert.equal(nowhere.statusCode, 404);
      assert.doesNotMatch(textOf(nowhere.body), /Code: |NOT_FOUND/);
    });

    test("self-deletion tells the grace period truthfully, and 'cannot be undone' only without one", async () => {
      const { device } = await createSignedInUser(t);
      const now = t.clock.now();
      for (const path of ["/account", "/account/delete"]) {
        const text = textOf((await device.get(path)).body);
        assert.match(text, new RegExp(`An admin can restore it until ${dateText(now + graceMs)}`), path);
        assert.doesNotMatch(text, /cannot be undone/, path);
        assert.doesNotMatch(text, isoTimestamp, path);
      }
      const final = await signIn(plain, await createUser(plain));
      const text = textOf((await final.get("/account/delete")).body);
      assert.match(text, /It cannot be undone\./);
      assert.doesNotMatch(text, /restore/);
    });

    test("the admin's deletion page names the purge time in words, never an ISO string or purgeAfter", async () => {
      const user = await createUser(t);
      const text = textOf((await admin.device.get(`/admin/users/${user.id}/delete`)).body);
      assert.match(text, new RegExp(`Restorable by an admin until ${dateText(t.clock.now() + graceMs)}`));
      assert.doesNotMatch(text, /purgeAfter|cannot be undone/);
      assert.doesNotMatch(text, isoTimestamp);
    });

    test("sign-in with the correct password to a pending deletion or a disabled account says so; a wrong one does not", async () => {
      const pending = await createUser(t);
      await adminDeletes(admin.device, pending.id);
      const disabled = await createUser(t);
      assert.equal((await admin.device.patch(`/api/users/${disabled.id}`, { status: "disabled" })).statusCode, 200);
      const until = dateText(t.clock.now() + graceMs);
      const cases = [
        [pending.email, /scheduled for deletion/, new RegExp(`restore it until ${until}`)],
        [disabled.email, /This account is disabled\./, /Ask an administrator to enable it\./],
      ] as const;
      for (const [email, said, more] of cases) {
        const right = await t.client().request("POST", "/login", form({ email, password: goodPassword }));
        assert.equal(right.statusCode, 403, email);
        assert.match(textOf(right.body), said, email);
        assert.match(textOf(right.body), more, email);
        assert.match(right.body, /<form class="card" method="post" action="\/login">/, "the form stays");
        const wrong = await t.client().request("POST", "/login", form({ email, password: wrongPassword }));
        assert.equal(wrong.statusCode, 401, email);
        assert.match(textOf(wrong.body), /The e-mail address or password is incorrect\./);
        assert.doesNotMatch(textOf(wrong.body), /disabled|deletion|restore/, "a wrong password learns nothing");
      }
      // The API answers the same way (the existence-oracle rule: only the correct password is told).
      const api = await t.client().post("/api/auth/login", { email: disabled.email, password: goodPassword });
      assert.equal(api.json<{ code: string }>().code, "ACCOUNT_DISABLED");
      const guess = await t.client().post("/api/auth/login", { email: disabled.email, password: wrongPassword });
      assert.equal(guess.json<{ code: string }>().code, "INVALID_CREDENTIALS");
    });

    test("an expired or revoked session lands on sign-in with the reason; a visitor without one gets none", async () => {
      const { device } = await createSignedInUser(t);
      const other = device.clone();
      assert.equal((await device.post("/api/auth/logout")).statusCode, 204);
      const revoked = await other.get("/account");
      assert.equal(revoked.statusCode, 303);
      assert.equal(revoked.headers.location, "/login?next=%2Faccount&notice=session-ended");
      const landing = await other.get(String(revoked.headers.location));
      assert.match(textOf(landing.body), /Your session has ended: it expired, or it was signed out/);

      const { device: idle } = await createSignedInUser(t);
      t.clock.advance(t.deps.lifetimes.idleMs + 1000);
      assert.equal((await idle.get("/account")).headers.location, "/login?next=%2Faccount&notice=session-ended");
      assert.equal((await t.client().get("/account")).headers.location, "/login?next=%2Faccount");
    });
  });
}

describe("issue 16.4: the throttled sign-in page keeps the form and names the time to try again", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp("sqlite", { limits: { failuresPerAccount: 2 } });
  });
  after(() => t.close());

  test("past the limit: 429, the form, and 'Try again at <time> UTC', no count of seconds", async () => {
    const user = await createUser(t);
    let last = await t.client().request("POST", "/login", form({ email: user.email, password: wrongPassword }));
    for (let i = 0; i < 3 && last.statusCode !== 429; i += 1) {
      last = await t.client().request("POST", "/login", form({ email: user.email, password: wrongPassword }));
    }
    assert.equal(last.statusCode, 429);
    const text = textOf(last.body);
    assert.match(text, /Try again at \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC\./);
    assert.doesNotMatch(text, /seconds|Code: /);
    assert.match(last.body, /<form class="card" method="post" action="\/login">/);
  });
});
