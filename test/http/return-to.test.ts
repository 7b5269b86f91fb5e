import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { hostileReturnPaths } from "../support/hostile-return-paths.ts";
import { form } from "../support/http-client.ts";
import {
  acceptedReturnUrls,
  openRedirectPayloads,
  redirectAllowedHosts,
  redirectPublicUrl,
} from "../support/open-redirect-payloads.ts";

/** Every payload of both tables: issue 9.7's relative ones and issue 12.2's absolute ones. */
const payloads = [...hostileReturnPaths.map((next) => ({ kind: "relative", next })), ...openRedirectPayloads];

for (const engine of engines) {
  describe(`issue 12.2: sign-in returns the user to where they were, never elsewhere (${engine})`, () => {
    let t: TestApp;
    let email: string;
    before(async () => {
      t = await startTestApp(engine, { publicUrl: redirectPublicUrl, allowedHosts: redirectAllowedHosts });
      email = (await createUser(t)).email;
    });
    after(() => t.close());

    const pageSignIn = (fields: Record<string, string>) =>
      t.client().request("POST", "/login", form({ email, password: goodPassword, ...fields }));

    test("the sign-in page: every open-redirect payload, as next or rd, lands on the account page", async () => {
      const followed: string[] = [];
      for (const { kind, next } of payloads) {
        for (const field of ["next", "rd"]) {
          const response = await pageSignIn({ [field]: next });
          const label = `${kind} ${field}=${JSON.stringify(next)} (${response.statusCode})`;
          assert.equal(response.statusCode, 303, label);
          if (response.headers.location !== "/account?notice=signed-in") {
            followed.push(`${label} -> ${response.headers.location}`);
          }
        }
      }
      assert.deepEqual(followed, []);
      console.log(`# ${payloads.length * 2} hostile return URLs posted to /login: every one sent to /account`);
    });

    test("the sign-in page carries no hostile next into its form, from next or rd", async () => {
      for (const { kind, next } of payloads) {
        for (const field of ["next", "rd"]) {
          const response = await t.client().get(`/login?${field}=${encodeURIComponent(next)}`);
          const label = `${kind} ${field}=${JSON.stringify(next)}`;
          assert.equal(response.statusCode, 200, label);
          assert.match(response.body, /<input type="hidden" name="next" value="">/, label);
        }
      }
    });

    test("the API login: every open-redirect payload answers returnTo /account (or a 400 that signs nobody in)", async () => {
      const followed: string[] = [];
      for (const { kind, next } of payloads) {
        const device = t.client();
        const response = await device.post("/api/auth/login", { email, password: goodPassword, next });
        const label = `${kind} next=${JSON.stringify(next)} (${response.statusCode})`;
        if (response.statusCode === 400) {
          assert.equal(device.cookies.size, 0, label);
          continue;
        }
        assert.equal(response.statusCode, 200, label);
        const { returnTo } = response.json() as { returnTo: string };
        if (returnTo !== "/account") followed.push(`${label} -> ${returnTo}`);
      }
      assert.deepEqual(followed, []);
    });

    test("an allowed absolute URL is followed exactly, from the page (next and rd) and the API", async () => {
      for (const [next, expected] of acceptedReturnUrls) {
        for (const field of ["next", "rd"]) {
          const response = await pageSignIn({ [field]: next });
          assert.equal(response.statusCode, 303, next);
          // An app's URL is returned to as it was: the "signed in" notice is Gatehouse's own page's.
          assert.equal(response.headers.location, expected, `${field}=${next}`);
        }
        const api = await t.client().post("/api/auth/login", { email, password: goodPassword, next });
        assert.equal(api.statusCode, 200, next);
        assert.equal((api.json() as { returnTo: string }).returnTo, expected, next);
        const page = await t.client().get(`/login?rd=${encodeURIComponent(next)}`);
        assert.ok(page.body.includes(`name="next" value="${expected.replaceAll("&", "&amp;")}"`), next);
      }
    });

    test("next wins over rd, and a refused next is not replaced by rd", async () => {
      const both = await pageSignIn({ next: "https://app.example/a", rd: "https://app.example/b" });
      assert.equal(both.headers.location, "https://app.example/a");
      const refused = await pageSignIn({ next: "https://evil.example/", rd: "https://app.example/b" });
      assert.equal(refused.headers.location, "/account?notice=signed-in");
    });

    test("the API login without next answers returnTo /account; a path on the origin is kept", async () => {
      const plain = await t.client().post("/api/auth/login", { email, password: goodPassword });
      assert.equal((plain.json() as { returnTo: string }).returnTo, "/account");
      const path = await t.client().post("/api/auth/login", { email, password: goodPassword, next: "/admin/users" });
      assert.equal((path.json() as { returnTo: string }).returnTo, "/admin/users");
    });

    test("a failed sign-in keeps an allowed next in the form, and the return URL is in no cookie", async () => {
      const device = t.client();
      const failed = await device.request(
        "POST",
        "/login",
        form({ email, password: "wrong password here", next: "https://app.example/x" }),
      );
      assert.equal(failed.statusCode, 401);
      assert.match(failed.body, /name="next" value="https:\/\/app\.example\/x"/);
      const signedIn = await device.request(
        "POST",
        "/login",
        form({ email, password: goodPassword, next: "https://app.example/x" }),
      );
      for (const cookie of [signedIn.headers["set-cookie"] ?? []].flat()) {
        assert.doesNotMatch(decodeURIComponent(cookie), /app\.example/, cookie);
      }
      assert.deepEqual([...device.cookies.keys()], ["__Host-gatehouse_session"]);
    });

    test("the sign-in page's form-action lists the allowed hosts; other pages keep form-action 'self'", async () => {
      const login = await t.client().get("/login");
      const csp = String(login.headers["content-security-policy"]);
      assert.match(
        csp,
        /form-action 'self' https:\/\/app\.example https:\/\/\*\.apps\.example https:\/\/ports\.example:8443;/,
      );
      const failed = await t.client().request("POST", "/login", form({ email, password: "wrong password here" }));
      assert.equal(failed.headers["content-security-policy"], csp);
      for (const path of ["/signup", "/no-such-page"]) {
        const other = await t.client().get(path);
        assert.match(String(other.headers["content-security-policy"]), /form-action 'self';/, path);
      }
    });
  });
}

describe("issue 12.2: without ALLOWED_HOSTS nothing but the public origin is followed", () => {
  let t: TestApp;
  let email: string;
  before(async () => {
    t = await startTestApp(engines[0] ?? "sqlite", { publicUrl: redirectPublicUrl });
    email = (await createUser(t)).email;
  });
  after(() => t.close());

  test("an app host is refused, the public host followed, and the sign-in CSP is the pages' own", async () => {
    const to = async (next: string) =>
      (await t.client().request("POST", "/login", form({ email, password: goodPassword, next }))).headers.location;
    assert.equal(await to("https://app.example/"), "/account?notice=signed-in");
    assert.equal(await to("https://gatehouse.example/admin/users"), "https://gatehouse.example/admin/users");
    const login = await t.client().get("/login");
    assert.match(String(login.headers["content-security-policy"]), /form-action 'self';/);
  });
});
