import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp, testLifetimes } from "../support/app.ts";
import { type SetCookie, sessionSetCookie, setCookies } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import type { Answer } from "../support/http-assertions.ts";

const absoluteSeconds = String(testLifetimes.absoluteMs / 1000);

/** Login, sign-up and password change: every answer that issues a session cookie. */
async function issuingAnswers(t: TestApp, name: string): Promise<[string, Answer][]> {
  const user = await createUser(t);
  const device = t.client();
  const login = await device.post("/api/auth/login", { email: user.email, password: goodPassword });
  const signup = await t.client().post("/api/auth/signup", { email: uniqueEmail("cookie"), password: goodPassword });
  const change = await device.post("/api/account/password", {
    currentPassword: goodPassword,
    newPassword: "another long passphrase",
  });
  for (const response of [login, signup, change]) assert.ok(response.statusCode < 300, response.body);
  assert.equal(device.cookies.size, 1, `the device holds only ${name}`);
  return [
    ["login", login],
    ["signup", signup],
    ["password change", change],
  ];
}

function assertOpaque(cookie: SetCookie, user: { email: string }): void {
  assert.ok(Buffer.byteLength(`${cookie.name}=${cookie.value}`) <= 4096, "name and value fit in 4096 bytes");
  // Only base64url characters: no "@", "{", quotes or percent-encoding can hide an address or a JSON blob.
  assert.match(cookie.value, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/, "an id and a secret, nothing else");
  const [id = "", secret = ""] = cookie.value.split(".").map((part) => Buffer.from(part, "base64url"));
  assert.equal(id.length, 16, "the id is 16 bytes and nothing more");
  assert.equal(secret.length, 32, "the secret is 32 bytes and nothing more");
  for (const text of [cookie.value, id.toString("utf8"), secret.toString("utf8")]) {
    assert.ok(!text.toLowerCase().includes(user.email.toLowerCase()), "no e-mail address in the cookie");
    assert.ok(!text.toLowerCase().includes(user.email.split("@")[0] ?? "unreachable"), "no local part either");
  }
}

for (const engine of engines) {
  describe(`the session cookie over http (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("it is gatehouse_session: HttpOnly, SameSite=Lax, Path=/, no Domain, Max-Age of the absolute lifetime", async () => {
      for (const [label, response] of await issuingAnswers(t, "gatehouse_session")) {
        const cookie = sessionSetCookie(response, "gatehouse_session");
        assert.equal(setCookies(response).length, 1, `${label}: only the session cookie is set`);
        assert.equal(cookie.attributes.get("httponly"), "", label);
        assert.equal(cookie.attributes.get("samesite")?.toLowerCase(), "lax", label);
        assert.equal(cookie.attributes.get("path"), "/", label);
        assert.equal(cookie.attributes.has("domain"), false, label);
        assert.equal(cookie.attributes.get("max-age"), absoluteSeconds, label);
        if (cookie.attributes.has("expires")) {
          const expires = Date.parse(cookie.attributes.get("expires") ?? "");
          assert.ok(expires <= Date.now() + testLifetimes.absoluteMs + 1000, `${label}: Expires within the lifetime`);
        }
      }
    });

    test("its value is opaque and small: no e-mail, no JSON, name and value within 4096 bytes", async () => {
      const user = await createUser(t);
      const response = await t.client().post("/api/auth/login", { email: user.email, password: goodPassword });
      assertOpaque(sessionSetCookie(response), user);
      const signupEmail = uniqueEmail("opaque");
      const signup = await t.client().post("/api/auth/signup", { email: signupEmail, password: goodPassword });
      assertOpaque(sessionSetCookie(signup), { email: signupEmail });
    });

    test("the session token appears only in Set-Cookie, never in a response body", async () => {
      const user = await createUser(t);
      const device = t.client();
      const responses = [await device.post("/api/auth/login", { email: user.email, password: goodPassword })];
      const token = device.cookies.get("gatehouse_session") ?? "";
      const secret = token.split(".")[1] ?? "unreachable";
      responses.push(await device.get("/api/auth/session"), await device.get("/api/account/sessions"));
      responses.push(await device.get("/api/account"));
      for (const response of responses) assert.ok(!response.body.includes(secret), response.body);
    });
  });

  describe(`the session cookie over https (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { publicUrl: "https://id.example.test" });
    });
    after(() => t.close());

    test("it is __Host-gatehouse_session with Secure, Path=/ and no Domain", async () => {
      for (const [label, response] of await issuingAnswers(t, "__Host-gatehouse_session")) {
        const cookie = sessionSetCookie(response, "__Host-gatehouse_session");
        assert.equal(cookie.attributes.get("secure"), "", label);
        assert.equal(cookie.attributes.get("path"), "/", label);
        assert.equal(cookie.attributes.has("domain"), false, label);
        assert.equal(cookie.attributes.get("httponly"), "", label);
        assert.equal(cookie.attributes.get("samesite")?.toLowerCase(), "lax", label);
        assert.equal(cookie.attributes.get("max-age"), absoluteSeconds, label);
        assert.ok(Buffer.byteLength(`${cookie.name}=${cookie.value}`) <= 4096, label);
      }
    });

    test("the cookie that ends a session keeps the __Host- attributes, so the browser accepts the deletion", async () => {
      const user = await createUser(t);
      const device = t.client();
      await device.post("/api/auth/login", { email: user.email, password: goodPassword });
      const response = await device.post("/api/auth/logout");
      assert.equal(response.statusCode, 204);
      const cleared = sessionSetCookie(response, "__Host-gatehouse_session");
      assert.equal(cleared.value, "");
      assert.equal(cleared.attributes.get("max-age"), "0");
      assert.equal(cleared.attributes.get("secure"), "");
      assert.equal(cleared.attributes.get("path"), "/");
      assert.equal(cleared.attributes.has("domain"), false);
    });

    test("the plain-named cookie is not accepted when the server is on https", async () => {
      const user = await createUser(t);
      const device = t.client();
      await device.post("/api/auth/login", { email: user.email, password: goodPassword });
      const token = device.cookies.get("__Host-gatehouse_session") ?? "";
      const response = await t.client().get("/api/account", { headers: { cookie: `gatehouse_session=${token}` } });
      assert.equal(response.statusCode, 401);
    });
  });
}
