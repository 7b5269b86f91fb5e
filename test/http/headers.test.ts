import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signIn, signInMany, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { type Answer, assertClientError, assertSecurityHeaders } from "../support/http-assertions.ts";

for (const engine of engines) {
  describe(`response headers and problem bodies (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    /** One answer of every kind the API gives, signed in and not. */
    async function everyKindOfAnswer(): Promise<[string, Answer][]> {
      const user = await createUser(t);
      const [device, other] = await signInMany(t, user, 2);
      assert.ok(device !== undefined && other !== undefined);
      const anonymous = t.client();
      const answers: [string, Answer][] = [
        ["200 account", await device.get("/api/account")],
        ["200 session", await device.get("/api/auth/session")],
        ["200 sessions", await device.get("/api/account/sessions")],
        ["200 HEAD account", await device.request("HEAD", "/api/account")],
        ["200 health", await anonymous.get("/healthz")],
        ["200 login", await t.client().post("/api/auth/login", { email: user.email, password: goodPassword })],
        ["201 signup", await t.client().post("/api/auth/signup", { email: uniqueEmail(), password: goodPassword })],
        ["204 reauthenticate", await device.post("/api/auth/reauthenticate", { password: goodPassword })],
        ["400 validation", await device.patch("/api/account", { role: "admin" })],
        [
          "400 malformed",
          await device.patch("/api/account", undefined, {
            payload: "{",
            headers: { "content-type": "application/json" },
          }),
        ],
        ["401 anonymous", await anonymous.get("/api/account")],
        ["401 bad login", await anonymous.post("/api/auth/login", { email: user.email, password: "wrong password!" })],
        ["403 wrong password", await device.post("/api/auth/reauthenticate", { password: "wrong password!" })],
        ["404 route", await anonymous.get("/api/no-such-thing")],
        ["404 session", await device.delete("/api/account/sessions/AAAAAAAAAAAAAAAAAAAAAA")],
        ["405 GET logout", await device.get("/api/auth/logout")],
        ["405 HEAD logout", await device.request("HEAD", "/api/auth/logout")],
        ["413 too large", await device.patch("/api/account", { name: "x".repeat(20_000) })],
        [
          "415 form",
          await device.post("/api/auth/logout", undefined, {
            payload: "a=1",
            headers: { "content-type": "application/x-www-form-urlencoded" },
          }),
        ],
        ["204 revoke", await device.delete(`/api/account/sessions/${tokenOf(other).id}`)],
        ["204 logout", await device.post("/api/auth/logout")],
      ];
      return answers;
    }

    test("every response, whatever its status, carries no-store, nosniff, a strict CSP and HSTS", async () => {
      for (const [label, response] of await everyKindOfAnswer()) assertSecurityHeaders(response, label);
    });

    test("JSON answers carry a CSP that allows nothing; pages carry the document headers as well", async () => {
      const device = await signIn(t, await createUser(t));
      for (const [label, response] of [
        ["session", await device.get("/api/auth/session")],
        ["api 404", await device.get("/api/nothing-here")],
        ["health", await t.client().get("/healthz")],
      ] as const) {
        assert.equal(
          response.headers["content-security-policy"],
          "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
          label,
        );
        assert.equal(response.headers["x-frame-options"], "DENY", label);
        assert.equal(response.headers["cross-origin-resource-policy"], "same-origin", label);
        assert.equal(response.headers["cross-origin-opener-policy"], undefined, `${label}: a document-only header`);
      }
      for (const [label, response] of [
        ["account page", await device.get("/account")],
        ["page 404", await device.get("/no-such-page")],
      ] as const) {
        assert.match(
          String(response.headers["content-security-policy"]),
          /^default-src 'self'; script-src 'self'/,
          label,
        );
        assert.equal(response.headers["x-frame-options"], "DENY", label);
        assert.equal(response.headers["cross-origin-opener-policy"], "same-origin", label);
      }
    });

    test("every refusal is problem+json with a code and no stack trace, SQL or driver message", async () => {
      const refusals = (await everyKindOfAnswer()).filter(([, response]) => response.statusCode >= 400);
      assert.ok(refusals.length >= 10);
      for (const [label, response] of refusals) {
        if (response.body === "") continue; // HEAD: no body to inspect, the headers were checked above.
        assertClientError(response, label);
      }
    });

    test("a malformed URL still gets a problem+json answer with the security headers", {}, async () => {
      const device = await signIn(t, await createUser(t));
      for (const url of ["/api/%zz", "/api/account/sessions/%E0%A4%A"]) {
        const response = await device.get(url);
        assertClientError(response, url);
        assertSecurityHeaders(response, url);
      }
    });
  });
}
