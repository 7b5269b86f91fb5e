import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { parseConfig } from "../../src/config.ts";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { auditSince, lastAuditSeq } from "../support/audit.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { settledLastSeen, snapshotStore } from "../support/store-snapshot.ts";

/**
 * Issue 12 item 1: GET /api/authz/verify, the session check a reverse proxy asks about every request. The
 * test app plays the proxy from 127.0.0.1 (TRUST_PROXY=127.0.0.1); 203.0.113.9 is a client that reaches
 * Gatehouse directly, whose original-URL headers must be ignored.
 */
const verify = "/api/authz/verify";
const app = "http://127.0.0.1:3000";
const stranger = "203.0.113.9";
const browser = { accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "sec-fetch-mode": "navigate" };
const nginxStyle = (url: string) => ({ "x-original-url": url, "x-original-method": "GET" });
const forwardedStyle = (uri: string, method = "GET") => ({
  "x-forwarded-proto": "http",
  "x-forwarded-host": "127.0.0.1:3000",
  "x-forwarded-uri": uri,
  "x-forwarded-method": method,
});

const identityHeaders = ["remote-user", "remote-email", "remote-name", "remote-groups"] as const;

for (const engine of engines) {
  describe(`the forward-auth verify endpoint (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      const config = parseConfig({
        GATEHOUSE_SECRET: "x".repeat(32),
        TRUST_PROXY: "127.0.0.1",
        ALLOWED_HOSTS: "app.example.test,.apps.example.test,ops.example.test,b.a.apps.example.test:8080",
        AUTHZ_RULES: "*/admin=admin, ops.example.test=superuser",
      });
      t = await startTestApp(engine, {
        trustProxy: config.trustProxy,
        allowedHosts: "app.example.test,.apps.example.test,ops.example.test,b.a.apps.example.test:8080",
        authzRules: config.authzRules,
      });
    });
    after(() => t.close());

    async function signedIn(role: "user" | "admin" | "superuser" = "user") {
      const user = await createUser(t, role);
      return { user, device: await signIn(t, user) };
    }

    test("a signed-in user gets 200, no-store, an empty body and all four identity headers, an empty name included", async () => {
      const { user, device } = await signedIn();
      for (const method of ["GET", "HEAD"] as const) {
        const response = await device.request(method, verify, { headers: nginxStyle(`${app}/notes`) });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.body, "");
        assert.equal(response.headers["cache-control"], "no-store");
        assert.equal(response.headers["remote-user"], user.id);
        assert.equal(response.headers["remote-email"], user.email);
        assert.equal(response.headers["remote-name"], "", "present though empty");
        assert.equal(response.headers["remote-groups"], "user");
      }
    });

    test("a name with non-ASCII letters and control characters travels as UTF-8, the controls dropped", async () => {
      const { device } = await signedIn();
      const saved = await device.patch("/api/account", { name: "Zoë 李" });
      assert.equal(saved.statusCode, 200, saved.body);
      const response = await device.get(verify, { headers: nginxStyle(`${app}/notes`) });
      assert.equal(Buffer.from(String(response.headers["remote-name"]), "latin1").toString("utf8"), "Zoë 李");
    });

    test("every other method answers 405 with Allow: GET, HEAD", async () => {
      const { device } = await signedIn();
      for (const method of ["POST", "PUT", "PATCH", "DELETE"] as const) {
        const response = await device.request(method, verify, { body: {} });
        assert.equal(response.statusCode, 405, `${method}: ${response.body}`);
        assert.equal(response.headers.allow, "GET, HEAD");
      }
    });

    test("without a session an API client gets 401, WWW-Authenticate, and an absolute Location to sign-in carrying the original URL", async () => {
      const response = await t.client().get(verify, { headers: forwardedStyle("/notes?id=7") });
      assert.equal(response.statusCode, 401);
      assert.equal(problemCode(response), "UNAUTHENTICATED");
      assert.match(String(response.headers["www-authenticate"]), /^Cookie realm="Gatehouse"/);
      const location = new URL(String(response.headers.location));
      assert.equal(location.origin, app);
      assert.equal(location.pathname, "/login");
      assert.equal(location.searchParams.get("next"), `${app}/notes?id=7`);
      for (const name of identityHeaders) assert.equal(response.headers[name], undefined, name);
    });

    test("a browser navigation through a pass-through proxy is redirected: 302, and 303 after a POST", async () => {
      const client = t.client();
      const get = await client.get(verify, { headers: { ...browser, ...forwardedStyle("/notes") } });
      assert.equal(get.statusCode, 302);
      assert.equal(new URL(String(get.headers.location)).searchParams.get("next"), `${app}/notes`);
      const post = await client.get(verify, { headers: { ...browser, ...forwardedStyle("/notes", "POST") } });
      assert.equal(post.statusCode, 303);
      // A script's fetch wanting HTML is not a navigation: it gets the 401 it can act on.
      const fetched = await client.get(verify, {
        headers: { ...browser, "sec-fetch-mode": "cors", ...forwardedStyle("/notes") },
      });
      assert.equal(fetched.statusCode, 401);
    });

    test("nginx's style is always answered 401 (auth_request takes nothing else); a navigation also gets X-Gatehouse-Redirect", async () => {
      const client = t.client();
      const navigation = await client.get(verify, { headers: { ...browser, ...nginxStyle(`${app}/notes`) } });
      assert.equal(navigation.statusCode, 401);
      assert.equal(navigation.headers["x-gatehouse-redirect"], navigation.headers.location);
      const api = await client.get(verify, { headers: { accept: "application/json", ...nginxStyle(`${app}/notes`) } });
      assert.equal(api.statusCode, 401);
      assert.equal(api.headers["x-gatehouse-redirect"], undefined);
    });

    test("a deleted or disabled user's cookie and a garbage cookie get the same answer: no existence oracle", async () => {
      const deleted = await signedIn();
      const disabled = await signedIn();
      const { device: admin } = await signedIn("superuser");
      await admin.post("/api/auth/reauthenticate", { password: "correct horse battery staple" });
      const removed = await admin.delete(`/api/users/${deleted.user.id}`, { reason: "test" });
      assert.equal(removed.statusCode, 200, removed.body);
      const off = await admin.patch(`/api/users/${disabled.user.id}`, { status: "disabled" });
      assert.equal(off.statusCode, 200, off.body);
      const garbage = t.client();
      garbage.cookies.set([...deleted.device.cookies.keys()][0] ?? "", "AAAA.BBBB");
      const answers = [];
      for (const device of [deleted.device, disabled.device, garbage, t.client()]) {
        const response = await device.get(verify, { headers: nginxStyle(`${app}/notes`) });
        answers.push({
          status: response.statusCode,
          location: response.headers.location,
          body: response.body.replace(/urn:gatehouse:request:[0-9a-f-]+/, ""),
        });
      }
      assert.equal(answers[0]?.status, 401);
      for (const answer of answers) assert.deepEqual(answer, answers[0]);
    });

    test("?role=admin: a user gets 403 FORBIDDEN, an admin and a superuser 200", async () => {
      const user = await signedIn("user");
      const notes = { headers: nginxStyle(`${app}/notes`) };
      const refused = await user.device.get(`${verify}?role=admin`, notes);
      assert.equal(refused.statusCode, 403);
      assert.equal(problemCode(refused), "FORBIDDEN");
      for (const role of ["admin", "superuser"] as const) {
        const { device } = await signedIn(role);
        assert.equal((await device.get(`${verify}?role=admin`, notes)).statusCode, 200, role);
      }
      assert.equal((await user.device.get(`${verify}?role=root`, notes)).statusCode, 400, "an unknown role is refused");
      assert.equal((await user.device.get(`${verify}?x=1`, notes)).statusCode, 400, "unknown parameters too");
    });

    test("AUTHZ_RULES: every spelling of an admin-only path is refused to a user, and neighbouring paths are not", async () => {
      const { device } = await signedIn("user");
      const admin = await signedIn("admin");
      const protectedSpellings = [
        "/admin",
        "/admin/",
        "/admin/users?x=1",
        "/ADMIN",
        "/%61dmin",
        "/%2561dmin",
        "//admin",
        "/x/../admin",
        "/x/%2e%2e/admin",
        "/admin;jsessionid=1",
        "/./admin",
        "/admin%2fusers",
      ];
      for (const path of protectedSpellings) {
        for (const headers of [nginxStyle(`${app}${path}`), forwardedStyle(path)]) {
          const response = await device.get(verify, { headers });
          if (path === "/%2561dmin") {
            // Decoded once it is "/%61dmin", which no server routes as /admin without decoding twice.
            assert.ok(response.statusCode === 200 || response.statusCode === 403, path);
            continue;
          }
          assert.equal(response.statusCode, 403, `${path}: ${response.body}`);
        }
        const allowed = await admin.device.get(verify, { headers: nginxStyle(`${app}${path}`) });
        assert.equal(allowed.statusCode, 200, `admin on ${path}`);
      }
      for (const path of ["/administrator", "/notes/admin-guide", "/", "/notes"]) {
        assert.equal((await device.get(verify, { headers: nginxStyle(`${app}${path}`) })).statusCode, 200, path);
      }
      // A host rule: ops.example.test needs a superuser, an admin included.
      const ops = await admin.device.get(verify, { headers: nginxStyle("http://ops.example.test/") });
      assert.equal(ops.statusCode, 403);
    });

    test("hostile original URLs are refused 400 ORIGINAL_URL_INVALID and change nothing", async () => {
      const { device } = await signedIn();
      const hostile = [
        "/notes",
        "notes",
        "//evil.example/notes",
        "http://evil.example/notes",
        "https://127.0.0.1:3000/notes",
        "javascript:alert(1)",
        "http://user:pw@127.0.0.1:3000/notes",
        "http://127.0.0.1:3000@evil.example/",
        "http://evil.example\\@127.0.0.1:3000/",
        "http://127.0.0.1:3000/no tes",
        "http://127.0.0.1:3000/\tnotes",
        "http://127.1:3000/notes",
        "http://0x7f.0.0.1:3000/notes",
        "http://app.example.test./",
        "http://аpp.example.test/",
        "http://xn--pp-8kc.example.test/",
        "http://evilapps.example.test/",
        "http://apps.example.test/",
        "http://127.0.0.1:3000/%ff",
        "http://127.0.0.1:3000/a%00b",
        "http://127.0.0.1:3000/a%5cadmin",
        "http://[::1]/",
        "http://127.0.0.1:99999/",
      ];
      const snapshot = await snapshotStore(t);
      for (const url of hostile) {
        const response = await device.get(verify, { headers: nginxStyle(url) });
        assert.equal(response.statusCode, 400, `${JSON.stringify(url)}: ${response.statusCode} ${response.body}`);
        assert.equal(problemCode(response), "ORIGINAL_URL_INVALID");
      }
      const forwardedHostile: Record<string, string>[] = [
        { ...forwardedStyle("notes") },
        { ...forwardedStyle("/"), "x-forwarded-host": "evil.example" },
        { ...forwardedStyle("/"), "x-forwarded-host": "127.0.0.1:3000, evil.example" },
        { ...forwardedStyle("/"), "x-forwarded-proto": "https" },
        { ...forwardedStyle("/"), "x-forwarded-method": "G ET" },
        { "x-forwarded-uri": "/" },
        { ...forwardedStyle("/"), ...nginxStyle(`${app}/`) },
      ];
      for (const headers of forwardedHostile) {
        const response = await device.get(verify, { headers });
        assert.equal(response.statusCode, 400, `${JSON.stringify(headers)}: ${response.body}`);
      }
      assert.deepEqual(await snapshotStore(t), snapshot);
      // Allowed hosts pass: an exact one and a subdomain of a suffix entry.
      for (const url of [
        "http://app.example.test/x",
        "http://a.apps.example.test/",
        "http://b.a.apps.example.test:8080/",
      ]) {
        assert.equal((await device.get(verify, { headers: nginxStyle(url) })).statusCode, 200, url);
      }
    });

    test("a repeated original-URL header is refused, not read one way or the other", async () => {
      const { device } = await signedIn();
      const response = await t.app.inject({
        method: "GET",
        url: verify,
        // light-my-request sends an array as two header lines.
        headers: {
          cookie: [...device.cookies].map(([name, value]) => `${name}=${value}`).join("; "),
          "x-original-url": [`${app}/notes`, "http://evil.example/"],
        },
      });
      assert.equal(response.statusCode, 400, response.body);
    });

    test("original-URL headers from a peer that is not a trusted proxy are ignored: they neither fail nor steer the answer", async () => {
      const user = await createUser(t, "user");
      const direct: HttpClient = await signIn(t, user, undefined, stranger);
      // Ignored: the bad URL is not judged, so no 400 (and, with rules configured, every rule applies).
      const bad = await direct.get(verify, { headers: nginxStyle("http://evil.example/") });
      assert.equal(bad.statusCode, 403, bad.body);
      // Ignored, so no rule can be matched to a path: every rule applies, and /notes cannot be claimed.
      const steered = await direct.get(verify, { headers: nginxStyle(`${app}/notes`) });
      assert.equal(steered.statusCode, 403, "the strictest rule applies without a trusted original URL");
      // And the sign-in link carries no return URL the stranger chose.
      const anonymous = await t.client(stranger).get(verify, { headers: forwardedStyle("/evil") });
      assert.equal(new URL(String(anonymous.headers.location)).search, "");
    });

    test("a verify writes nothing but the throttled last-seen touch, audits nothing, and keeps an idle session alive", async () => {
      const { user, device } = await signedIn();
      const [session] = await t.store.listUserSessions(user.id);
      assert.ok(session !== undefined);
      const seq = await lastAuditSeq(t);
      const snapshot = await snapshotStore(t);
      const idleMs = t.deps.lifetimes.idleMs;
      // Twice the idle limit in steps of half of it, each step one verify: the session stays alive.
      for (let step = 0; step < 4; step += 1) {
        t.clock.advance(idleMs / 2);
        const response = await device.get(verify, { headers: nginxStyle(`${app}/notes`) });
        assert.equal(response.statusCode, 200, `step ${step}`);
        assert.equal(await settledLastSeen(t, user.id, session.id, t.clock.now()), t.clock.now());
      }
      await device.get(`${verify}?role=admin`);
      await t.client().get(verify);
      assert.deepEqual(await auditSince(t, seq), [], "no audit row for a verify or its refusals");
      assert.deepEqual(await snapshotStore(t), snapshot);
    });
  });
}

for (const engine of engines) {
  describe(`the verify endpoint under a PUBLIC_URL path (${engine})`, () => {
    test("its 401 sends the browser to the prefixed sign-in page, with the original URL", async () => {
      const t = await startTestApp(engine, { publicUrl: "http://127.0.0.1:3000/auth", trustProxy: ["127.0.0.1"] });
      try {
        const response = await t.client().get("/auth/api/authz/verify", { headers: nginxStyle(`${app}/notes`) });
        assert.equal(response.statusCode, 401, response.body);
        const location = new URL(String(response.headers.location));
        assert.equal(location.pathname, "/auth/login");
        assert.equal(location.searchParams.get("next"), `${app}/notes`);
      } finally {
        await t.close();
      }
    });
  });
}
