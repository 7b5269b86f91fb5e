import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { sessionSetCookie } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import { form, type HttpClient } from "../support/http-client.ts";

/**
 * Issue 12.3: Gatehouse under a path on the app's own origin (`PUBLIC_URL=https://app.example/auth`), so a
 * proxy sends `/auth/*` to Gatehouse and everything else to the app, and the one cookie serves both.
 */
const prefix = "/auth";
const cookieName = "__Host-gatehouse_session";

/** Every link, asset and form action a page points the browser at. */
function targetsOf(body: string): string[] {
  return [...body.matchAll(/\s(?:href|src|action)="([^"]*)"/g)].map((match) => match[1] ?? "");
}

function assertAllUnderPrefix(body: string, label: string): number {
  const targets = targetsOf(body).filter((target) => !target.startsWith("#"));
  assert.ok(targets.length > 0, `${label}: no links at all`);
  const outside = targets.filter((target) => !target.startsWith(`${prefix}/`));
  assert.deepEqual(outside, [], `${label}: links outside ${prefix}`);
  return targets.length;
}

for (const engine of engines) {
  describe(`issue 12.3: every route, page, asset and redirect lives under PUBLIC_URL's path (${engine})`, () => {
    let t: TestApp;
    let admin: HttpClient;
    let userId: string;
    let tokenId: string;
    let adminId: string;
    let endpointId: string;
    let deliveryId: string;
    before(async () => {
      t = await startTestApp(engine, { publicUrl: `https://app.example${prefix}` });
      const adminUser = await createUser(t, "admin");
      adminId = adminUser.id;
      userId = (await createUser(t)).id;
      admin = t.client();
      const login = await admin.post(`${prefix}/api/auth/login`, { email: adminUser.email, password: goodPassword });
      assert.equal(login.statusCode, 200, login.body);
      const token = await admin.post(`${prefix}/api/tokens`, { name: "prefixed", scopes: ["users:read"] });
      assert.equal(token.statusCode, 201, token.body);
      tokenId = (token.json() as { apiToken: { id: string } }).apiToken.id;
      const endpoint = await admin.post(`${prefix}/api/webhooks`, { url: "https://hooks.example/in" });
      assert.equal(endpoint.statusCode, 201, endpoint.body);
      endpointId = (endpoint.json() as { endpoint: { id: string } }).endpoint.id;
      // A delivery row for its log and its page (made, not sent: no worker runs here).
      await createUser(t);
      await t.store.webhooks.enqueueDeliveries(t.clock.now(), 10);
      const [delivery] = await t.store.webhooks.listWebhookDeliveries(endpointId, {
        status: null,
        before: null,
        limit: 1,
      });
      assert.ok(delivery !== undefined);
      deliveryId = delivery.id;
    });
    after(() => t.close());

    test("every link and form action on every rendered page starts with the prefix, and the stylesheet loads", async () => {
      const anonymous = t.client();
      const pages: [HttpClient, string][] = [
        [anonymous, "/login"],
        [anonymous, "/signup"],
        [anonymous, "/forgot-password"],
        [anonymous, `/signup/verify/ghs_${"A".repeat(22)}_${"B".repeat(43)}`],
        [anonymous, "/no-such-page"],
        [admin, "/account"],
        [admin, "/account/delete"],
        [admin, "/admin/users"],
        [admin, `/admin/users/${userId}`],
        [admin, `/admin/users/${userId}/delete`],
        [admin, "/admin/users/new"],
        [admin, `/admin/users/${userId}/status?to=disabled`],
        [admin, `/admin/users/bulk?act=delete&id=${userId}`],
        [admin, "/admin/audit"],
        [admin, "/admin/tokens"],
        [admin, `/admin/tokens/${tokenId}/revoke`],
        [admin, `/admin/users/${adminId}`],
        [admin, "/admin/webhooks"],
        [admin, `/admin/webhooks/${endpointId}`],
        [admin, `/admin/webhooks/${endpointId}/disable`],
        [admin, `/admin/webhooks/${endpointId}/delete`],
        [admin, `/admin/webhooks/${endpointId}/deliveries/${deliveryId}`],
        [admin, "/no-such-page"],
      ];
      let links = 0;
      for (const [device, path] of pages) {
        const response = await device.get(`${prefix}${path}`);
        assert.match(String(response.headers["content-type"]), /^text\/html/, path);
        links += assertAllUnderPrefix(response.body, path);
      }
      // The page that shows a new token's secret: the answer to the creating form's POST.
      const csrf = /name="_csrf" value="([^"]+)"/.exec((await admin.get(`${prefix}/admin/tokens`)).body)?.[1] ?? "";
      const created = await admin.request(
        "POST",
        `${prefix}/admin/tokens`,
        form({ _csrf: csrf, name: "from the page", scopes: "audit:read", password: goodPassword }),
      );
      assert.equal(created.statusCode, 200, created.body);
      links += assertAllUnderPrefix(created.body, "created token page");
      // The pages that show a webhook secret: the answers to the creating and the rotating POSTs.
      const hook = await admin.request(
        "POST",
        `${prefix}/admin/webhooks`,
        form({ _csrf: csrf, url: "https://hooks.example/other", password: goodPassword }),
      );
      assert.equal(hook.statusCode, 200, hook.body);
      links += assertAllUnderPrefix(hook.body, "created webhook page");
      const rotated = await admin.request(
        "POST",
        `${prefix}/admin/webhooks/${endpointId}/rotate-secret`,
        form({ _csrf: csrf, grace: "86400", password: goodPassword }),
      );
      assert.equal(rotated.statusCode, 200, rotated.body);
      links += assertAllUnderPrefix(rotated.body, "rotated webhook secret page");
      const edited = await admin.request(
        "POST",
        `${prefix}/admin/webhooks/${endpointId}/edit`,
        form({ _csrf: csrf, url: "https://hooks.example/in", description: "prefixed" }),
      );
      assert.equal(edited.headers.location, `${prefix}/admin/webhooks/${endpointId}?notice=webhook-updated`);
      // The recovery pages: the admin's link (the POST's own answer), the form it opens, and its success page.
      const recovery = await admin.request(
        "POST",
        `${prefix}/admin/users/${userId}/recovery-link`,
        form({ _csrf: csrf, password: goodPassword }),
      );
      assert.equal(recovery.statusCode, 200, recovery.body);
      links += assertAllUnderPrefix(recovery.body, "created recovery link page");
      const link = /\/recover\/(ghr_[A-Za-z0-9_-]+)/.exec(recovery.body)?.[1] ?? "";
      assert.match(recovery.body, new RegExp(`value="https://app\\.example${prefix}/recover/${link}"`));
      const recoverPage = await anonymous.get(`${prefix}/recover/${link}`);
      assert.equal(recoverPage.statusCode, 200, recoverPage.body);
      links += assertAllUnderPrefix(recoverPage.body, "recovery form");
      const newPassword = "a new passphrase under the prefix";
      const recovered = await anonymous.request(
        "POST",
        `${prefix}/recover/${link}`,
        form({ password: newPassword, confirm: newPassword }),
      );
      assert.equal(recovered.statusCode, 200, recovered.body);
      links += assertAllUnderPrefix(recovered.body, "recovered page");
      // A 405 page too: the sign-up route asked with a method it lacks.
      const notAllowed = await anonymous.request("PUT", `${prefix}/signup`);
      assert.equal(notAllowed.statusCode, 405);
      links += assertAllUnderPrefix(notAllowed.body, "405 page");
      const css = await anonymous.get(`${prefix}/assets/gatehouse.css`);
      assert.equal(css.statusCode, 200);
      assert.match(String(css.headers["content-type"]), /^text\/css/);
      assert.equal((await anonymous.get(`${prefix}/favicon.ico`)).statusCode, 200);
      console.log(`# ${links} links and form actions on ${pages.length + 7} pages, all under ${prefix}/`);
    });

    test("every redirect stays under the prefix: home, sign-in, sign-out, a page that needs a session", async () => {
      const anonymous = t.client();
      for (const path of [prefix, `${prefix}/`]) {
        const home = await anonymous.get(path);
        assert.equal(home.statusCode, 303, path);
        assert.equal(home.headers.location, `${prefix}/login`, path);
      }
      const guarded = await anonymous.get(`${prefix}/account`);
      assert.equal(guarded.headers.location, `${prefix}/login?next=${encodeURIComponent(`${prefix}/account`)}`);
      const email = (await createUser(t)).email;
      const device = t.client();
      const signedIn = await device.request(
        "POST",
        `${prefix}/login`,
        form({ email, password: goodPassword, next: `${prefix}/account` }),
      );
      assert.equal(signedIn.statusCode, 303);
      assert.equal(signedIn.headers.location, `${prefix}/account?notice=signed-in`);
      const cookie = sessionSetCookie(signedIn, cookieName);
      assert.equal(cookie.attributes.get("path"), "/", "the cookie reaches the app's paths too");
      assert.equal(cookie.attributes.has("domain"), false);
      const page = await device.get(`${prefix}/account`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
      const saved = await device.request("POST", `${prefix}/account/profile`, form({ _csrf: csrf, name: "Pat" }));
      assert.equal(saved.headers.location, `${prefix}/account?notice=profile-saved`);
      const out = await device.request("POST", `${prefix}/logout`, form({ _csrf: csrf }));
      assert.equal(out.headers.location, `${prefix}/login?notice=signed-out`);
      const plain = await t.client().request("POST", `${prefix}/login`, form({ email, password: goodPassword }));
      assert.equal(plain.headers.location, `${prefix}/account?notice=signed-in`);
      const tokens = await admin.get(`${prefix}/admin/tokens`);
      const adminCsrf = /name="_csrf" value="([^"]+)"/.exec(tokens.body)?.[1] ?? "";
      const tokenId = /\/admin\/tokens\/([A-Za-z0-9_-]{22})\/revoke/.exec(tokens.body)?.[1] ?? "";
      const revoked = await admin.request(
        "POST",
        `${prefix}/admin/tokens/${tokenId}/revoke`,
        form({ _csrf: adminCsrf }),
      );
      assert.equal(revoked.statusCode, 303, revoked.body);
      assert.equal(revoked.headers.location, `${prefix}/admin/tokens?notice=token-revoked`);
    });

    test("a sign-in may return to the app beside Gatehouse on the same origin, without Gatehouse's notice", async () => {
      const email = (await createUser(t)).email;
      for (const [next, location] of [
        ["/dashboard?tab=2", "/dashboard?tab=2"],
        ["https://app.example/dashboard", "https://app.example/dashboard"],
      ] as const) {
        const response = await t
          .client()
          .request("POST", `${prefix}/login`, form({ email, password: goodPassword, next }));
        assert.equal(response.headers.location, location, next);
      }
    });

    test("the API works under the prefix: log in, session, logout; returnTo is the prefixed account page", async () => {
      const email = (await createUser(t)).email;
      const device = t.client();
      const login = await device.post(`${prefix}/api/auth/login`, { email, password: goodPassword });
      assert.equal(login.statusCode, 200);
      assert.equal((login.json() as { returnTo: string }).returnTo, `${prefix}/account`);
      assert.equal((await device.get(`${prefix}/api/auth/session`)).statusCode, 200);
      assert.equal((await device.get(`${prefix}/api/account`)).statusCode, 200);
      assert.equal((await device.post(`${prefix}/api/auth/logout`)).statusCode, 204);
      assertProblem(await device.get(`${prefix}/api/auth/session`), 401, "UNAUTHENTICATED");
      const health = await device.get(`${prefix}/healthz`);
      assert.deepEqual(health.json(), { status: "ok" });
      // The API's fallbacks are problem+json under the prefix: 404, and 405 with Allow.
      assertProblem(await device.get(`${prefix}/api/no-such-route`), 404, "NOT_FOUND");
      const wrongMethod = await device.get(`${prefix}/api/auth/login`);
      assertProblem(wrongMethod, 405, "METHOD_NOT_ALLOWED");
      assert.equal(wrongMethod.headers.allow, "POST");
      assert.match(String(health.headers["content-security-policy"]), /default-src 'none'/);
    });

    test("the API's own rules follow the route under the prefix: JSON-only bodies, encoded aliases, API headers", async () => {
      const email = (await createUser(t)).email;
      const formLogin = await t
        .client()
        .request("POST", `${prefix}/api/auth/login`, form({ email, password: goodPassword }));
      assertProblem(formLogin, 415, "UNSUPPORTED_MEDIA_TYPE");
      assert.equal(formLogin.headers["set-cookie"], undefined);
      const alias = await t
        .client()
        .request("POST", `${prefix}/%61pi/auth/login`, form({ email, password: goodPassword }));
      assertProblem(alias, 415, "UNSUPPORTED_MEDIA_TYPE");
      const session = await t.client().get(`${prefix}/%61pi/auth/session`);
      assertProblem(session, 401, "UNAUTHENTICATED");
      assert.match(String(session.headers["content-security-policy"]), /default-src 'none'/);
    });

    test("the CSRF check still compares origins: the app's origin passes, another origin is refused", async () => {
      const email = (await createUser(t)).email;
      const login = (origin: string) =>
        t
          .client()
          .post(`${prefix}/api/auth/login`, { email, password: goodPassword }, { bare: true, headers: { origin } });
      assert.equal((await login("https://app.example")).statusCode, 200);
      assertProblem(await login("https://evil.example"), 403, "CSRF_REJECTED");
      assertProblem(await login("https://app.example.evil.example"), 403, "CSRF_REJECTED");
    });

    test("nothing answers at the unprefixed paths: every one is a 404 that signs nobody in", async () => {
      const email = (await createUser(t)).email;
      const device = t.client();
      const unprefixed: [string, string][] = [
        ["GET", "/"],
        ["GET", "/login"],
        ["GET", "/signup"],
        ["GET", "/account"],
        ["GET", "/admin/users"],
        ["GET", "/admin/audit"],
        ["GET", "/assets/gatehouse.css"],
        ["GET", "/favicon.ico"],
        ["GET", "/healthz"],
        ["GET", "/api/auth/session"],
        ["GET", "/api/users"],
        ["GET", "/authx/login"],
      ];
      for (const [method, path] of unprefixed) {
        const response = await admin.request(method === "GET" ? "GET" : "POST", path);
        assert.equal(response.statusCode, 404, `${method} ${path}`);
      }
      const login = await device.post("/api/auth/login", { email, password: goodPassword });
      assert.equal(login.statusCode, 404);
      assert.equal(login.headers["set-cookie"], undefined);
      const page = await device.request("POST", "/login", form({ email, password: goodPassword }));
      assert.equal(page.statusCode, 404);
      assert.equal(page.headers["set-cookie"], undefined);
      assertAllUnderPrefix(page.body, "unprefixed 404 page");
    });
  });
}

describe("issue 12.3: PUBLIC_URL with a trailing slash is the same prefix", () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(engines[0] ?? "sqlite", { publicUrl: "http://127.0.0.1:3000/gate/keeper/" });
  });
  after(() => t.close());

  test("a two-segment prefix with a trailing slash serves under /gate/keeper", async () => {
    const login = await t.client().get("/gate/keeper/login");
    assert.equal(login.statusCode, 200);
    assert.match(login.body, /action="\/gate\/keeper\/login"/);
    assert.equal((await t.client().get("/gate/keeper/healthz")).statusCode, 200);
    assert.equal((await t.client().get("/login")).statusCode, 404);
  });
});
