import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp, testLifetimes } from "../support/app.ts";
import { type SetCookie, sessionSetCookie } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { form } from "../support/http-client.ts";

/**
 * Issue 12.3: Gatehouse on a sibling subdomain of the apps it guards. With COOKIE_DOMAIN the session cookie
 * is the parent domain's (`Domain=example.test`, `__Secure-` since `__Host-` forbids a Domain); the cookie
 * that ends a session must carry the same Domain, or the browser keeps the live one beside it.
 */
const secureName = "__Secure-gatehouse_session";
const absoluteSeconds = String(testLifetimes.absoluteMs / 1000);

function assertDomainCookie(cookie: SetCookie, label: string): void {
  assert.equal(cookie.attributes.get("domain"), "example.test", label);
  assert.equal(cookie.attributes.get("secure"), "", label);
  assert.equal(cookie.attributes.get("path"), "/", label);
  assert.equal(cookie.attributes.get("httponly"), "", label);
  assert.equal(cookie.attributes.get("samesite")?.toLowerCase(), "lax", label);
}

for (const engine of engines) {
  describe(`issue 12.3: COOKIE_DOMAIN shares the session with sibling subdomains (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { publicUrl: "https://id.example.test", cookieDomain: "example.test" });
    });
    after(() => t.close());

    test("the cookie is __Secure-gatehouse_session with Domain=example.test, Secure, HttpOnly, Path=/", async () => {
      const user = await createUser(t);
      const device = t.client();
      const login = await device.post("/api/auth/login", { email: user.email, password: goodPassword });
      assert.equal(login.statusCode, 200);
      const cookie = sessionSetCookie(login, secureName);
      assertDomainCookie(cookie, "login");
      assert.equal(cookie.attributes.get("max-age"), absoluteSeconds);
      assert.equal((await device.get("/api/auth/session")).statusCode, 200);
    });

    test("ending the session clears it with the same Domain, from the API and the pages, with Clear-Site-Data", async () => {
      const user = await createUser(t);
      const api = t.client();
      await api.post("/api/auth/login", { email: user.email, password: goodPassword });
      const out = await api.post("/api/auth/logout");
      assert.equal(out.statusCode, 204);
      const cleared = sessionSetCookie(out, secureName);
      assert.equal(cleared.value, "");
      assert.equal(cleared.attributes.get("max-age"), "0");
      assertDomainCookie(cleared, "API logout");
      assert.equal(out.headers["clear-site-data"], '"cache", "cookies", "storage"');

      const page = t.client();
      await page.request("POST", "/login", form({ email: user.email, password: goodPassword }));
      const account = await page.get("/account");
      const csrf = /name="_csrf" value="([^"]+)"/.exec(account.body)?.[1] ?? "";
      const pageOut = await page.request("POST", "/logout", form({ _csrf: csrf }));
      assert.equal(pageOut.statusCode, 303);
      const pageCleared = sessionSetCookie(pageOut, secureName);
      assert.equal(pageCleared.attributes.get("max-age"), "0");
      assertDomainCookie(pageCleared, "page logout");
      assert.equal(pageOut.headers["clear-site-data"], '"cache", "cookies", "storage"');
    });

    test("the host-only names are not accepted in place of the domain cookie", async () => {
      const user = await createUser(t);
      const device = t.client();
      await device.post("/api/auth/login", { email: user.email, password: goodPassword });
      const token = device.cookies.get(secureName) ?? "";
      assert.notEqual(token, "");
      for (const name of ["__Host-gatehouse_session", "gatehouse_session"]) {
        const response = await t.client().get("/api/account", { headers: { cookie: `${name}=${token}` } });
        assertProblem(response, 401, "UNAUTHENTICATED", name);
      }
    });
  });
}

describe("issue 12.3: COOKIE_DOMAIN over plain http", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(engines[0] ?? "sqlite", {
      publicUrl: "http://id.example.test:3000",
      cookieDomain: "example.test",
    });
  });
  after(() => t.close());

  test("no prefix (both need Secure), but the Domain is set", async () => {
    const user = await createUser(t);
    const login = await t.client().post("/api/auth/login", { email: user.email, password: goodPassword });
    const cookie = sessionSetCookie(login, "gatehouse_session");
    assert.equal(cookie.attributes.get("domain"), "example.test");
    assert.equal(cookie.attributes.has("secure"), false);
  });
});
