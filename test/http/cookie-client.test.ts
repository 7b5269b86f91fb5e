import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { CookieJar } from "tough-cookie";
import { createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/**
 * SECURITY.md 1.4 (ASVS 3.3.1/3.3.3/3.3.4) checked by a client that is not ours: tough-cookie with strict
 * prefix security refuses (throws on) any `__Host-` cookie that is not Secure, host-only and Path=/.
 */
const strictJar = () => new CookieJar(undefined, { prefixSecurity: "strict" });

function setCookieHeaders(response: LightMyRequestResponse): string[] {
  const raw = response.headers["set-cookie"];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
}

/** Offers every Set-Cookie of a response to the jar, as a browser at `url` would; strict mode throws on a bad one. */
async function store(jar: CookieJar, response: LightMyRequestResponse, url: string): Promise<void> {
  const headers = setCookieHeaders(response);
  assert.ok(headers.length > 0, `the response sets a cookie: ${response.statusCode} ${response.body}`);
  for (const header of headers) await jar.setCookie(header, url);
}

/** The two ways to sign in: the JSON API and the sign-in form. Both are same-origin browser requests. */
const signIns = [
  {
    name: "the API login",
    path: "/api/auth/login",
    send: (t: TestApp, host: string, email: string) =>
      t.app.inject({
        method: "POST",
        url: "/api/auth/login",
        headers: { host, "sec-fetch-site": "same-origin", "content-type": "application/json" },
        payload: JSON.stringify({ email, password: goodPassword }),
      }),
  },
  {
    name: "the sign-in form",
    path: "/login",
    send: (t: TestApp, host: string, email: string) =>
      t.app.inject({
        method: "POST",
        url: "/login",
        headers: { host, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ email, password: goodPassword }).toString(),
      }),
  },
] as const;

/** The two ways to sign out; each needs the session's anti-forgery token, read from the session endpoint. */
const signOuts = [
  { name: "POST /api/auth/logout", url: "/api/auth/logout", form: false },
  { name: "the sign-out form (POST /logout)", url: "/logout", form: true },
] as const;

for (const engine of engines) {
  describe(`the session cookie as tough-cookie sees it, public URL https://id.example.test (${engine})`, () => {
    const site = "https://id.example.test";
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { publicUrl: `${site}/` });
    });
    after(() => t.close());

    for (const signIn of signIns) {
      test(`${signIn.name} sets a __Host- cookie that a strict jar accepts: Secure, HttpOnly, Path=/, host-only`, async () => {
        const user = await createUser(t);
        const jar = strictJar();
        const response = await signIn.send(t, "id.example.test", user.email);
        assert.ok(response.statusCode === 200 || response.statusCode === 303, response.body);
        const [header, ...others] = setCookieHeaders(response);
        assert.equal(others.length, 0, "only the session cookie is set");
        assert.doesNotMatch(header ?? "", /;\s*domain=/i, "no Domain attribute");
        await store(jar, response, `${site}${signIn.path}`);

        const [cookie, ...more] = await jar.getCookies(`${site}/`);
        assert.equal(more.length, 0);
        assert.ok(cookie !== undefined, "the jar kept the cookie");
        assert.equal(cookie.key, "__Host-gatehouse_session");
        assert.equal(cookie.secure, true);
        assert.equal(cookie.httpOnly, true);
        assert.equal(cookie.path, "/");
        assert.equal(cookie.hostOnly, true, "scoped to exactly this host");
        assert.equal(cookie.domain, "id.example.test");
        assert.equal(cookie.sameSite, "lax");
      });
    }

    test("the cookie goes back to https://id.example.test only: not over http, not to any other host", async () => {
      const user = await createUser(t);
      const jar = strictJar();
      const response = await signIns[0].send(t, "id.example.test", user.email);
      await store(jar, response, `${site}/api/auth/login`);
      const [cookie] = await jar.getCookies(`${site}/`);
      const pair = `__Host-gatehouse_session=${cookie?.value ?? "missing"}`;

      assert.equal(await jar.getCookieString(`${site}/api/x`), pair);
      assert.equal(await jar.getCookieString(`${site}/account/delete`), pair);
      for (const elsewhere of [
        "http://id.example.test/api/x",
        "https://other.example.test/api/x",
        "https://sub.id.example.test/api/x",
        "https://example.test/api/x",
      ]) {
        assert.equal(await jar.getCookieString(elsewhere), "", `not sent to ${elsewhere}`);
      }
    });

    test("a strict jar refuses the same cookie when it arrives over plain http", async () => {
      const user = await createUser(t);
      const response = await signIns[0].send(t, "id.example.test", user.email);
      const [header = ""] = setCookieHeaders(response);
      await assert.rejects(strictJar().setCookie(header, "http://id.example.test/api/auth/login"), {
        message: /not a secure connection|__Host prefix/,
      });
    });

    for (const signOut of signOuts) {
      test(`the Set-Cookie from ${signOut.name} removes the cookie from a strict jar`, async () => {
        const user = await createUser(t);
        const jar = strictJar();
        await store(jar, await signIns[0].send(t, "id.example.test", user.email), `${site}/api/auth/login`);
        const cookie = await jar.getCookieString(`${site}${signOut.url}`);
        const session = await t.app.inject({ method: "GET", url: "/api/auth/session", headers: { cookie } });
        const { csrfToken } = session.json() as { csrfToken: string };
        const headers = {
          host: "id.example.test",
          cookie,
          "sec-fetch-site": "same-origin",
          ...(signOut.form ? { "content-type": "application/x-www-form-urlencoded" } : { "x-csrf-token": csrfToken }),
        };
        const response = await t.app.inject({
          method: "POST",
          url: signOut.url,
          headers,
          ...(signOut.form ? { payload: new URLSearchParams({ _csrf: csrfToken }).toString() } : {}),
        });
        assert.ok(response.statusCode === 204 || response.statusCode === 303, response.body);
        await store(jar, response, `${site}${signOut.url}`);
        assert.deepEqual(await jar.getCookies(`${site}/`), [], "the jar no longer holds the session cookie");
        const replay = await t.app.inject({ method: "GET", url: "/api/account", headers: { cookie } });
        assert.equal(replay.statusCode, 401, "and the server ended the session");
      });
    }
  });

  describe(`the session cookie as tough-cookie sees it, public URL http://127.0.0.1 (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine, { publicUrl: "http://127.0.0.1:3000" });
    });
    after(() => t.close());

    test("over plain http the cookie is the unprefixed gatehouse_session, HttpOnly and host-only, not Secure", async () => {
      const user = await createUser(t);
      const jar = strictJar();
      await store(jar, await signIns[0].send(t, "127.0.0.1:3000", user.email), "http://127.0.0.1:3000/api/auth/login");
      const [cookie, ...more] = await jar.getCookies("http://127.0.0.1:3000/");
      assert.equal(more.length, 0);
      assert.equal(cookie?.key, "gatehouse_session");
      assert.equal(cookie?.secure, false);
      assert.equal(cookie?.httpOnly, true);
      assert.equal(cookie?.path, "/");
      assert.equal(cookie?.hostOnly, true);
      assert.equal(await jar.getCookieString("http://127.0.0.2:3000/"), "", "not sent to another host");
    });
  });
}
