import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signInMany } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

const standardMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] as const;
type StandardMethod = (typeof standardMethods)[number];

interface Scene {
  readonly caller: HttpClient;
  readonly victim: HttpClient;
  readonly email: string;
  /** Routes that only change state, with the one method each allows. */
  readonly routes: readonly { url: string; allow: StandardMethod }[];
}

async function scene(t: TestApp): Promise<Scene> {
  const user = await createUser(t);
  const [caller, victim] = await signInMany(t, user, 2);
  assert.ok(caller !== undefined && victim !== undefined);
  const query = new URLSearchParams({ email: user.email, password: goodPassword, currentPassword: goodPassword });
  return {
    caller,
    victim,
    email: user.email,
    routes: [
      { url: "/api/auth/logout", allow: "POST" },
      { url: `/api/auth/login?${query}`, allow: "POST" },
      { url: "/api/auth/signup", allow: "POST" },
      { url: "/api/auth/reauthenticate", allow: "POST" },
      { url: `/api/account/sessions/${tokenOf(victim).id}`, allow: "DELETE" },
      { url: "/api/account/sessions/revoke-others", allow: "POST" },
      { url: `/api/account/password?${query}&newPassword=chosen+by+the+attacker`, allow: "POST" },
    ],
  };
}

for (const engine of engines) {
  describe(`HTTP methods on state-changing routes (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("GET and HEAD on routes that change state answer 405 with Allow and change nothing", async () => {
      const world = await scene(t);
      const anonymous = t.client();
      const before = await snapshotStore(t);
      for (const route of world.routes) {
        for (const client of [world.caller, anonymous]) {
          for (const method of ["GET", "HEAD"] as const) {
            const label = `${method} ${route.url}`;
            const response = await client.request(method, route.url);
            assert.equal(response.statusCode, 405, label);
            assert.equal(response.headers.allow, route.allow, label);
            assert.equal(response.headers["set-cookie"], undefined, label);
            if (method === "GET") assertProblem(response, 405, "METHOD_NOT_ALLOWED", label);
            else assert.equal(response.body, "", label);
          }
        }
      }
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(world.caller), 200);
      assert.equal(await statusOf(world.victim), 200);
    });

    test("every other undocumented method answers 405 with the same Allow header", async () => {
      const world = await scene(t);
      const before = await snapshotStore(t);
      for (const route of world.routes) {
        for (const method of standardMethods.filter((m) => m !== route.allow && m !== "GET" && m !== "HEAD")) {
          const response = await world.caller.request(method, route.url, { body: {} });
          assertProblem(response, 405, "METHOD_NOT_ALLOWED", `${method} ${route.url}`);
          assert.equal(response.headers.allow, route.allow);
        }
      }
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(world.victim), 200);
    });

    test("issue 9 (methods): OPTIONS, TRACE and QUERY on an existing path answer 405 with Allow, never 404", async () => {
      const world = await scene(t);
      const paths = [
        ...world.routes,
        { url: "/api/account", allow: "DELETE, GET, HEAD, PATCH" },
        { url: "/api/users", allow: "GET, HEAD, POST" },
        { url: "/healthz", allow: "GET, HEAD" },
        { url: "/login", allow: "GET, HEAD, POST" },
        { url: "/account", allow: "GET, HEAD" },
      ];
      const before = await snapshotStore(t);
      for (const { url, allow } of paths) {
        for (const method of ["OPTIONS", "TRACE", "QUERY"] as const) {
          const label = `${method} ${url}`;
          // QUERY must carry a typed body (RFC 10008 §2; Fastify answers 400 without one).
          const response = await world.caller.request(method, url, method === "QUERY" ? { body: {} } : {});
          assert.equal(response.statusCode, 405, label);
          assert.equal(response.headers.allow, allow, label);
          // TRACE echoes nothing (no cross-site tracing): not the cookie, not the request line.
          assert.ok(!response.body.includes(tokenOf(world.caller).secret), label);
          if (url.startsWith("/api/") || url === "/healthz") assertProblem(response, 405, "METHOD_NOT_ALLOWED", label);
          else assert.match(String(response.headers["content-type"]), /^text\/html/, label);
        }
      }
      assert.deepEqual(await snapshotStore(t), before);
    });

    test("a POST carrying a method-override header or _method is never treated as DELETE", async () => {
      const world = await scene(t);
      const url = `/api/account/sessions/${tokenOf(world.victim).id}`;
      const before = await snapshotStore(t);
      const attempts: [string, () => ReturnType<HttpClient["request"]>][] = [
        ...["x-http-method-override", "x-http-method", "x-method-override"].map(
          (name) =>
            [name, () => world.caller.post(url, undefined, { headers: { [name]: "DELETE" } })] as [
              string,
              () => ReturnType<HttpClient["request"]>,
            ],
        ),
        ["?_method=DELETE", () => world.caller.post(`${url}?_method=DELETE`)],
        ["_method in the body", () => world.caller.post(url, { _method: "DELETE" })],
        [
          "GET with an override",
          () => world.caller.get(`${url}?_method=DELETE`, { headers: { "x-http-method-override": "DELETE" } }),
        ],
      ];
      for (const [label, attempt] of attempts) {
        const response = await attempt();
        assertProblem(response, 405, "METHOD_NOT_ALLOWED", label);
        assert.equal(response.headers.allow, "DELETE", label);
      }
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(world.victim), 200);
    });

    test("X-Original-URL and X-Rewrite-URL do not reroute a request to a state-changing route", async () => {
      const world = await scene(t);
      const before = await snapshotStore(t);
      for (const name of ["x-original-url", "x-rewrite-url"]) {
        const headers = { [name]: "/api/account/sessions/revoke-others" };
        const response = await world.caller.post("/api/auth/session", {}, { headers });
        assertProblem(response, 405, "METHOD_NOT_ALLOWED", name);
        assert.equal((await world.caller.get("/api/account", { headers })).json().user.email, world.email);
      }
      assert.deepEqual(await snapshotStore(t), before);
      assert.equal(await statusOf(world.victim), 200);
    });
  });
}
