import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { hostileReturnPaths } from "../support/hostile-return-paths.ts";

function loginForm(email: string, next: string): string {
  return new URLSearchParams({ email, password: goodPassword, next }).toString();
}

for (const engine of engines) {
  describe(`hostile input to the pages (${engine})`, () => {
    let t: TestApp;
    let email: string;
    before(async () => {
      t = await startTestApp(engine);
      email = (await createUser(t)).email;
    });
    after(() => t.close());

    const signInWithNext = (next: string) =>
      t.client().request("POST", "/login", {
        payload: loginForm(email, next),
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });

    test("issue 9.7: a hostile next on POST /login redirects to the account page, never elsewhere and never 5xx", async () => {
      for (const next of hostileReturnPaths) {
        const response = await signInWithNext(next);
        const label = `next=${JSON.stringify(next)} (${response.statusCode} ${response.body.slice(0, 120)})`;
        assert.equal(response.statusCode, 303, label);
        assert.equal(response.headers.location, "/account?notice=signed-in", label);
      }
    });

    test("a same-site return path survives sign-in, its fragment kept after the notice", async () => {
      for (const [next, location] of [
        ["/ok?a=b#c", "/ok?a=b&notice=signed-in#c"],
        ["/admin/users?search=alice%20smith", "/admin/users?search=alice%20smith&notice=signed-in"],
        ["/account/sessions", "/account/sessions?notice=signed-in"],
        ["/caf\u00e9", "/caf%C3%A9?notice=signed-in"],
      ] as const) {
        const response = await signInWithNext(next);
        assert.equal(response.statusCode, 303, next);
        assert.equal(response.headers.location, location, next);
      }
    });

    test("issue 9.7: GET /login with control characters in next answers 200 and carries no hostile next", async () => {
      for (const next of hostileReturnPaths) {
        const response = await t.client().get(`/login?next=${encodeURIComponent(next)}`);
        const label = `next=${JSON.stringify(next)} (${response.statusCode})`;
        assert.equal(response.statusCode, 200, label);
        assert.match(response.body, /<input type="hidden" name="next" value="">/, label);
      }
    });

    test("a signed-out visit to a page sends the browser to sign in with that page as its return path", async () => {
      const response = await t.client().get("/admin/users?search=alice");
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, `/login?next=${encodeURIComponent("/admin/users?search=alice")}`);
      const login = await t.client().get(String(response.headers.location));
      assert.match(login.body, /<input type="hidden" name="next" value="\/admin\/users\?search=alice">/);
    });

    test("issue 9 (notices): a notice key naming an Object.prototype member shows no notice", async () => {
      for (const key of ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf", "isPrototypeOf"]) {
        const response = await t.client().get(`/login?notice=${key}`);
        assert.equal(response.statusCode, 200, key);
        assert.doesNotMatch(response.body, /class="notice"/, key);
      }
      const known = await t.client().get("/login?notice=signed-out");
      assert.match(known.body, /<p class="notice" role="status">You are signed out.<\/p>/);
    });
  });
}
