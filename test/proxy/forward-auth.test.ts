import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { parseAuthzRules } from "../../src/http/authz-rules.ts";
import { adminDeletes, createUser, goodPassword, reauthenticate, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient } from "../support/http-client.ts";
import { freePort } from "../support/ports.ts";
import { type Echo, type EchoApp, startEchoApp } from "./support/echo-app.ts";
import { type ProxyKind, proxySkipReason, type RunningProxy, startProxy } from "./support/proxies.ts";
import { type RawAnswer, send } from "./support/raw-request.ts";

/**
 * Issue 12 item 4: real nginx (auth_request) and Caddy (forward_auth), configured with the documented
 * templates (docs/proxy/), in front of an app that echoes what it receives, with Gatehouse listening on a
 * real socket. Devices sign in and act through Gatehouse's API; every request to the app goes through
 * the proxy, which asks Gatehouse about it.
 */
type Headers = [string, string][];

const browser: Headers = [
  ["Accept", "text/html,application/xhtml+xml,*/*;q=0.8"],
  ["Sec-Fetch-Mode", "navigate"],
  ["Sec-Fetch-Dest", "document"],
];
const api: Headers = [["Accept", "application/json"]];

function cookieOf(device: HttpClient): Headers {
  return [["Cookie", [...device.cookies].map(([name, value]) => `${name}=${value}`).join("; ")]];
}

function echoOf(answer: RawAnswer): Echo {
  assert.equal(answer.headers["x-echo"], "1", `the app answered: ${answer.status} ${answer.body.slice(0, 300)}`);
  return JSON.parse(answer.body) as Echo;
}

/** The app's view of the identity headers, by name as CGI, PHP and WSGI read them (`_` is `-`, any case). */
function identityHeadersSeen(echo: Echo): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const [name, value] of echo.headers) {
    const key = name.toLowerCase().replaceAll("_", "-");
    if (!key.startsWith("remote-") && !key.startsWith("x-original")) continue;
    seen.set(key, [...(seen.get(key) ?? []), value]);
  }
  return seen;
}

for (const kind of ["nginx", "caddy"] as const satisfies readonly ProxyKind[]) {
  const skip = proxySkipReason(kind);
  for (const engine of engines) {
    describe(`${kind} in front of an app, asking Gatehouse's verify endpoint (${engine})`, { skip }, () => {
      let t: TestApp;
      let gatehouse: string;
      let app: EchoApp;
      let proxy: RunningProxy;
      let admin: HttpClient;

      before(async () => {
        const port = await freePort();
        gatehouse = `http://127.0.0.1:${port}`;
        // The proxy connects from 127.0.0.1: it is the one trusted to say which URL it asks about.
        // AUTHZ_RULES repeats the proxy's admin-only location, as docs/integrate.md advises: the rule also
        // covers the spellings a proxy's location matching lets through (//admin, /ADMIN, /admin).
        const rules = parseAuthzRules("*/admin=admin");
        assert.ok(rules.ok);
        // The app is at the proxy's host and port: another host than Gatehouse's, so it is allowed by name.
        const proxyPort = await freePort();
        t = await startTestApp(engine, {
          publicUrl: gatehouse,
          allowedHosts: `127.0.0.1:${proxyPort}`,
          trustProxy: ["127.0.0.1"],
          authzRules: rules.value,
        });
        await t.app.listen({ host: "127.0.0.1", port });
        app = await startEchoApp();
        proxy = await startProxy(kind, { gatehouse: `127.0.0.1:${port}`, app: app.address }, { port: proxyPort });
        admin = await signIn(t, await createUser(t, "superuser"));
      });
      after(async () => {
        await proxy?.stop();
        await app?.close();
        await t?.close();
      });

      const through = (method: string, path: string, headers: Headers = [], body?: string) =>
        send(proxy.origin, method, path, headers, body);

      test("an anonymous browser is sent to sign in with the original URL; signed in, it is back there and the app sees who it is", async () => {
        const original = `${proxy.origin}/notes/7?tab=a%20b&x=1`;
        const anonymous = await through("GET", "/notes/7?tab=a%20b&x=1", browser);
        assert.equal(anonymous.status, 302, anonymous.body);
        const location = new URL(String(anonymous.headers.location));
        assert.equal(location.origin, gatehouse);
        assert.equal(location.pathname, "/login");
        assert.equal(location.searchParams.get("next"), original);
        assert.equal((await send(gatehouse, "GET", `${location.pathname}${location.search}`, browser)).status, 200);

        // Signing in through the API on Gatehouse's own socket, then opening the original URL again.
        const user = await createUser(t, "user");
        const login = await send(
          gatehouse,
          "POST",
          "/api/auth/login",
          [
            ["Content-Type", "application/json"],
            ["Origin", gatehouse],
          ],
          JSON.stringify({ email: user.email, password: goodPassword }),
        );
        assert.equal(login.status, 200, login.body);
        const cookie = [login.headers["set-cookie"]].flat()[0]?.split(";")[0] ?? "";
        const back = await through("GET", `${new URL(original).pathname}${new URL(original).search}`, [
          ...browser,
          ["Cookie", cookie],
        ]);
        const echo = echoOf(back);
        assert.equal(echo.url, "/notes/7?tab=a%20b&x=1");
        const seen = identityHeadersSeen(echo);
        assert.deepEqual(seen.get("remote-user"), [user.id]);
        assert.deepEqual(seen.get("remote-email"), [user.email]);
        assert.deepEqual(seen.get("remote-groups"), ["user"]);
      });

      test("an API request without a valid session gets 401 and never reaches the app", async () => {
        const before = app.count();
        for (const headers of [api, [...api, ["Cookie", "gatehouse_session=AAAA.BBBB"]] as Headers]) {
          for (const method of ["GET", "POST", "DELETE"]) {
            const answer = await through(method, "/notes", headers, method === "POST" ? "{}" : undefined);
            assert.equal(answer.status, 401, `${method}: ${answer.body.slice(0, 200)}`);
            assert.match(String(answer.headers["www-authenticate"]), /^Cookie realm="Gatehouse"/);
          }
        }
        assert.equal(app.count(), before, "no request reached the app");
      });

      test("identity headers a client sends, in any spelling, never reach the app; original-URL headers never steer the answer", async () => {
        const user = await createUser(t, "user");
        const device = await signIn(t, user);
        assert.equal((await device.patch("/api/account", { name: "Ada Lovelace" })).statusCode, 200);
        // Each forged value carries a marker no real header has: "forged", "evil.example", "someone-else".
        const forged: Headers = [
          ["Remote-User", "someone-else"],
          ["Remote_User", "someone-else"],
          ["remote_email", "someone-else@evil.example"],
          ["Remote-Groups", "superuser-forged"],
          ["Remote_Groups", "superuser-forged"],
          ["Remote-Name", "Mallory forged"],
          ["X-Original-URL", `${proxy.origin}/forged`],
          ["X_Original_URL", `${proxy.origin}/forged`],
          ["x_original_url", `${proxy.origin}/forged`],
          ["X-Original_URL", `${proxy.origin}/forged`],
          ["X-Original-Method", "FORGED"],
          ["X-Forwarded-Uri", "/forged"],
          ["X_Forwarded_Uri", "/forged"],
          ["X-Forwarded-Host", "evil.example"],
          ["X-Forwarded-Method", "FORGED"],
          ["X-Forwarded-Proto", "https"],
        ];
        const before = app.count();
        // Without a session, forged identity gets nobody in.
        const anonymous = await through("GET", "/notes", [...api, ...forged]);
        assert.equal(anonymous.status, 401);
        const navigation = await through("GET", "/notes/real", [...browser, ...forged]);
        assert.equal(
          new URL(String(navigation.headers.location)).searchParams.get("next"),
          `${proxy.origin}/notes/real`,
        );
        assert.equal(app.count(), before);

        // Signed in, the app sees exactly one of each identity header: Gatehouse's, and no forged value at all.
        const echo = echoOf(await through("GET", "/notes", [...cookieOf(device), ...forged]));
        assert.doesNotMatch(JSON.stringify(echo.headers), /forged|FORGED|evil\.example|someone-else|Mallory/);
        const proto = echo.headers.find(([name]) => name.toLowerCase() === "x-forwarded-proto");
        assert.ok(proto === undefined || proto[1] === "http", `X-Forwarded-Proto: ${proto?.[1]}`);
        const seen = identityHeadersSeen(echo);
        assert.deepEqual(
          Object.fromEntries(seen),
          {
            "remote-user": [user.id],
            "remote-email": [user.email],
            "remote-name": ["Ada Lovelace"],
            "remote-groups": ["user"],
          },
          "no forged identity or original-URL header reached the app",
        );
        // An admin-only location stays closed to a user whatever the original-URL headers claim.
        const steered = await through("GET", "/admin/users", [...cookieOf(device), ...forged]);
        assert.equal(steered.status, 403, steered.body.slice(0, 200));
        // And a query of the client's own does not reach the verify request.
        const queried = await through("GET", "/admin/users?role=user", cookieOf(device));
        assert.equal(queried.status, 403);
      });

      test("a POST with a body passes through to the app unchanged", async () => {
        const device = await signIn(t, await createUser(t, "user"));
        const body = JSON.stringify({ text: "héllo, wörld", n: [1, 2, 3], long: "x".repeat(5000) });
        const echo = echoOf(
          await through("POST", "/notes?draft=1", [...cookieOf(device), ["Content-Type", "application/json"]], body),
        );
        assert.equal(echo.method, "POST");
        assert.equal(echo.url, "/notes?draft=1");
        assert.equal(Buffer.from(echo.body, "latin1").toString("utf8"), body);
        const type = echo.headers.find(([name]) => name.toLowerCase() === "content-type");
        assert.equal(type?.[1], "application/json");
      });

      test("a role rule: a user gets 403 on the admin-only location, an admin gets through as admin", async () => {
        const before = app.count();
        const user = await signIn(t, await createUser(t, "user"));
        const refused = await through("GET", "/admin/users", [...api, ...cookieOf(user)]);
        assert.equal(refused.status, 403);
        assert.equal(app.count(), before);
        // Spellings of the admin area that a proxy's location or path matching may not catch: the rule does.
        for (const path of [
          "/admin",
          "//admin/users",
          "/ADMIN/users",
          "/%61dmin/users",
          "/x/../admin/users",
          "/admin;x",
        ]) {
          const answer = await through("GET", path, [...api, ...cookieOf(user)]);
          // 403 from the rule, or an answer of the proxy's own (nginx sends /admin to /admin/): never the app.
          assert.ok(answer.status >= 300 && answer.headers["x-echo"] === undefined, `${path}: ${answer.status}`);
        }
        assert.equal(app.count(), before, "no spelling of the admin area reached the app");
        const staff = await createUser(t, "admin");
        const seen = identityHeadersSeen(
          echoOf(await through("GET", "/admin/users", cookieOf(await signIn(t, staff)))),
        );
        assert.deepEqual(seen.get("remote-groups"), ["admin"]);
        assert.deepEqual(seen.get("remote-user"), [staff.id]);
      });

      /** Signs one user in on several devices, checks each gets through, runs the act, counts the refusals. */
      async function revocationRound(
        act: (user: UserRecord, devices: HttpClient[]) => Promise<HttpClient[]>,
        devicesPerUser = 3,
      ): Promise<{ affected: number; refused: number; others: number }> {
        const user = await createUser(t, "user");
        const devices: HttpClient[] = [];
        for (let i = 0; i < devicesPerUser; i += 1) devices.push(await signIn(t, user));
        for (const device of devices) assert.equal((await through("GET", "/notes", cookieOf(device))).status, 200);
        const affected = await act(user, devices);
        let refused = 0;
        for (const device of affected) {
          if ((await through("GET", "/notes", [...api, ...cookieOf(device)])).status === 401) refused += 1;
        }
        let others = 0;
        for (const device of devices.filter((candidate) => !affected.includes(candidate))) {
          if ((await through("GET", "/notes", cookieOf(device))).status === 200) others += 1;
        }
        return { affected: affected.length, refused, others };
      }

      const acts: Record<string, (user: UserRecord, devices: HttpClient[]) => Promise<HttpClient[]>> = {
        "deleted by an admin": async (user, devices) => {
          await reauthenticate(admin);
          await adminDeletes(admin, user.id);
          return devices;
        },
        "disabled by an admin": async (user, devices) => {
          await reauthenticate(admin);
          const answer = await admin.patch(`/api/users/${user.id}`, { status: "disabled" });
          assert.equal(answer.statusCode, 200, answer.body);
          return devices;
        },
        "signed out on one device": async (_user, devices) => {
          const [first] = devices;
          assert.ok(first !== undefined);
          const cookie = cookieOf(first);
          assert.equal((await first.post("/api/auth/logout")).statusCode, 204);
          // The device forgets its cookie; the one it held is what a thief would replay.
          const replay = t.client();
          const [pair] = cookie;
          const [name, value] = (pair?.[1] ?? "").split("=");
          replay.cookies.set(name ?? "", value ?? "");
          return [replay];
        },
        "sessions revoked by an admin": async (user, devices) => {
          const answer = await admin.delete(`/api/users/${user.id}/sessions`);
          assert.equal(answer.statusCode, 200, answer.body);
          return devices;
        },
        "password changed on one device": async (_user, devices) => {
          const [first, ...rest] = devices;
          assert.ok(first !== undefined);
          const answer = await first.post("/api/account/password", {
            currentPassword: goodPassword,
            newPassword: "a brand new correct horse battery staple",
          });
          assert.equal(answer.statusCode, 200, answer.body);
          return rest;
        },
      };

      for (const [name, act] of Object.entries(acts)) {
        test(`revocation through the proxy: a user ${name} is refused on every affected device's very next request, in every round`, async () => {
          const rounds = 3;
          let affected = 0;
          let refused = 0;
          let others = 0;
          for (let round = 0; round < rounds; round += 1) {
            const counts = await revocationRound(act);
            affected += counts.affected;
            refused += counts.refused;
            others += counts.others;
          }
          console.log(
            `[${kind}, ${engine}] ${name}: ${refused} of ${affected} affected cookies refused on their next proxied request (${rounds} rounds); ${others} unaffected devices still let through`,
          );
          assert.equal(refused, affected);
          assert.ok(affected > 0);
        });
      }

      test("with Gatehouse stopped the proxy fails closed: 5xx, and nothing reaches the app", async () => {
        const device = await signIn(t, await createUser(t, "user"));
        assert.equal((await through("GET", "/notes", cookieOf(device))).status, 200);
        const before = app.count();
        await t.app.close();
        for (const headers of [cookieOf(device), api, browser]) {
          const answer = await through("GET", "/notes", headers);
          assert.ok(answer.status >= 500 && answer.status < 600, `got ${answer.status}`);
        }
        assert.equal(app.count(), before);
      });
    });
  }
}
