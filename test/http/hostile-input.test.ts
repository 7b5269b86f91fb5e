import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signInMany, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { type Answer, assertClientError, assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

type UnsafeMethod = "POST" | "PATCH" | "DELETE";

interface UnsafeRoute {
  readonly method: UnsafeMethod;
  readonly url: string;
  /** A body the route would accept: sent in the wrong shape, it must still be refused. */
  readonly body: Record<string, unknown> | null;
}

/** A signed-in caller, a second device of the same user (its session is what a DELETE would end). */
interface Scene {
  readonly caller: HttpClient;
  readonly victim: HttpClient;
  readonly email: string;
  readonly routes: readonly UnsafeRoute[];
}

async function scene(t: TestApp): Promise<Scene> {
  const user = await createUser(t);
  const [caller, victim] = await signInMany(t, user, 2);
  assert.ok(caller !== undefined && victim !== undefined);
  const routes: UnsafeRoute[] = [
    { method: "POST", url: "/api/auth/signup", body: { email: uniqueEmail("hostile"), password: goodPassword } },
    { method: "POST", url: "/api/auth/login", body: { email: user.email, password: goodPassword } },
    { method: "POST", url: "/api/auth/logout", body: null },
    { method: "POST", url: "/api/auth/reauthenticate", body: { password: goodPassword } },
    { method: "PATCH", url: "/api/account", body: { name: "Mallory" } },
    {
      method: "POST",
      url: "/api/account/password",
      body: { currentPassword: goodPassword, newPassword: "an attacker's chosen passphrase" },
    },
    { method: "DELETE", url: `/api/account/sessions/${tokenOf(victim).id}`, body: null },
    { method: "POST", url: "/api/account/sessions/revoke-others", body: null },
    // Self-deletion takes an optional body (null is a valid one), so only its refused shapes are sent.
    { method: "DELETE", url: "/api/account", body: null },
  ];
  return { caller, victim, email: user.email, routes };
}

const bodyRoutes = (routes: readonly UnsafeRoute[]) => routes.filter((route) => route.body !== null);

function send(client: HttpClient, route: UnsafeRoute, payload: string, contentType?: string): Promise<Answer> {
  const headers: Record<string, string> = contentType === undefined ? {} : { "content-type": contentType };
  return client.request(route.method, route.url, { headers, payload });
}

/** Runs one hostile request and proves it was refused with a 4xx problem and left the store untouched. */
async function refusedWithoutEffect(
  t: TestApp,
  world: Scene,
  label: string,
  attempt: () => Promise<Answer>,
  expected?: { status: number; code: string },
): Promise<void> {
  const before = await snapshotStore(t);
  const token = tokenOf(world.caller).token;
  const response = await attempt();
  if (expected === undefined) assertClientError(response, label);
  else assertProblem(response, expected.status, expected.code, label);
  assert.deepEqual(await snapshotStore(t), before, `${label}: the store changed`);
  assert.equal(tokenOf(world.caller).token, token, `${label}: the caller's cookie changed`);
}

function formPayload(body: Record<string, unknown> | null): string {
  const fields = Object.entries(body ?? { confirm: "yes" }).map(([k, v]): [string, string] => [k, String(v)]);
  return new URLSearchParams(fields).toString();
}

function multipartPayload(body: Record<string, unknown> | null): string {
  const fields = Object.entries(body ?? { confirm: "yes" });
  const parts = fields.map(([k, v]) => `--xyz\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${String(v)}\r\n`);
  return `${parts.join("")}--xyz--\r\n`;
}

for (const engine of engines) {
  describe(`hostile input on every unsafe route (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("text/plain, form-encoded, multipart and untyped bodies are refused with 415 before anything runs", async () => {
      const world = await scene(t);
      for (const route of world.routes) {
        const json = JSON.stringify(route.body ?? {});
        const shapes: [string | undefined, string][] = [
          ["text/plain", json],
          ["text/plain;charset=UTF-8", json],
          ["application/x-www-form-urlencoded", formPayload(route.body)],
          ["multipart/form-data; boundary=xyz", multipartPayload(route.body)],
          ["application/json-patch+json", json],
          [undefined, json],
        ];
        for (const [type, payload] of shapes) {
          await refusedWithoutEffect(
            t,
            world,
            `${route.method} ${route.url} as ${type}`,
            () => send(world.caller, route, payload, type),
            {
              status: 415,
              code: "UNSUPPORTED_MEDIA_TYPE",
            },
          );
        }
      }
      assert.equal(await statusOf(world.victim), 200);
    });

    test("malformed JSON is refused with 400 MALFORMED_BODY", async () => {
      const world = await scene(t);
      for (const route of world.routes) {
        for (const payload of ['{"email":', "{'name':'x'}", '{"name":"x"}}', "{name: 1}", "", "\u0000"]) {
          await refusedWithoutEffect(
            t,
            world,
            `${route.method} ${route.url} with ${JSON.stringify(payload)}`,
            () => send(world.caller, route, payload, "application/json"),
            { status: 400, code: "MALFORMED_BODY" },
          );
        }
      }
    });

    test("a JSON array, string, number or null where an object is expected is refused with 400", async () => {
      const world = await scene(t);
      for (const route of bodyRoutes(world.routes)) {
        for (const payload of ["[]", JSON.stringify([route.body]), '"x"', "42", "null", "true"]) {
          await refusedWithoutEffect(
            t,
            world,
            `${route.method} ${route.url} with ${payload}`,
            () => send(world.caller, route, payload, "application/json"),
            { status: 400, code: "VALIDATION_FAILED" },
          );
        }
      }
    });

    test("a body over 16 KiB is refused with 413 PAYLOAD_TOO_LARGE", async () => {
      const world = await scene(t);
      const padding = "x".repeat(16 * 1024 + 1);
      for (const route of world.routes) {
        const payload = JSON.stringify({ ...route.body, padding });
        await refusedWithoutEffect(
          t,
          world,
          `${route.method} ${route.url}`,
          () => send(world.caller, route, payload, "application/json"),
          { status: 413, code: "PAYLOAD_TOO_LARGE" },
        );
      }
    });

    test("__proto__ and constructor keys are refused and pollute no prototype", async () => {
      const world = await scene(t);
      for (const route of world.routes) {
        const valid = JSON.stringify(route.body ?? {}).slice(1, -1);
        const join = valid === "" ? "" : ",";
        const payloads = [
          `{${valid}${join}"__proto__":{"role":"superuser","isAdmin":true}}`,
          `{${valid}${join}"constructor":{"prototype":{"role":"superuser","isAdmin":true}}}`,
        ];
        for (const payload of payloads) {
          await refusedWithoutEffect(t, world, `${route.method} ${route.url} with ${payload}`, () =>
            send(world.caller, route, payload, "application/json"),
          );
        }
      }
      for (const route of bodyRoutes(world.routes)) {
        const payload = JSON.stringify({ ...route.body, constructor: "x", prototype: { role: "superuser" } });
        await refusedWithoutEffect(
          t,
          world,
          `${route.method} ${route.url} with constructor`,
          () => send(world.caller, route, payload, "application/json"),
          { status: 400, code: "VALIDATION_FAILED" },
        );
      }
      const probe: Record<string, unknown> = {};
      assert.equal(probe.role, undefined);
      assert.equal(probe.isAdmin, undefined);
      assert.equal((await world.caller.get("/api/account")).json().user.role, "user");
    });

    test("very long strings are refused with 400 and never hashed into an account", async () => {
      const world = await scene(t);
      const longEmail = `${"a".repeat(250)}@example.test`;
      const cases: [string, string, Record<string, unknown>][] = [
        ["POST", "/api/auth/signup", { email: longEmail, password: goodPassword }],
        ["POST", "/api/auth/signup", { email: uniqueEmail(), password: "p".repeat(4097) }],
        ["POST", "/api/auth/signup", { email: uniqueEmail(), password: "p".repeat(2000) }],
        ["POST", "/api/auth/signup", { email: uniqueEmail(), password: goodPassword, name: "n".repeat(201) }],
        ["POST", "/api/auth/login", { email: longEmail, password: goodPassword }],
        ["POST", "/api/auth/login", { email: world.email, password: "p".repeat(4097) }],
        ["POST", "/api/auth/reauthenticate", { password: "p".repeat(4097) }],
        ["PATCH", "/api/account", { name: "n".repeat(201) }],
        ["PATCH", "/api/account", { name: "n".repeat(10_000) }],
        ["POST", "/api/account/password", { currentPassword: "p".repeat(4097), newPassword: "fine new passphrase" }],
        ["POST", "/api/account/password", { currentPassword: goodPassword, newPassword: "p".repeat(4097) }],
        ["POST", "/api/account/password", { currentPassword: goodPassword, newPassword: "p".repeat(2000) }],
      ];
      for (const [method, url, body] of cases) {
        const route: UnsafeRoute = { method: method as UnsafeMethod, url, body };
        await refusedWithoutEffect(
          t,
          world,
          `${method} ${url} ${Object.keys(body).join(",")}`,
          () => send(world.caller, route, JSON.stringify(body), "application/json"),
          { status: 400, code: "VALIDATION_FAILED" },
        );
      }
    });

    test("numbers, booleans, objects and arrays where strings are expected are refused with 400", async () => {
      const world = await scene(t);
      const cases: [string, string, Record<string, unknown>][] = [
        ["POST", "/api/auth/signup", { email: 12345, password: 12345678 }],
        ["POST", "/api/auth/signup", { email: uniqueEmail(), password: goodPassword, name: 42 }],
        ["POST", "/api/auth/login", { email: world.email, password: { $ne: null } }],
        ["POST", "/api/auth/login", { email: [world.email], password: goodPassword }],
        ["POST", "/api/auth/login", { email: world.email, password: true }],
        ["POST", "/api/auth/reauthenticate", { password: 1e21 }],
        ["PATCH", "/api/account", { name: 42 }],
        ["PATCH", "/api/account", { name: null }],
        ["PATCH", "/api/account", { name: ["Mallory"] }],
        ["POST", "/api/account/password", { currentPassword: goodPassword, newPassword: 123456789012 }],
        [
          "POST",
          "/api/account/password",
          { currentPassword: { toString: goodPassword }, newPassword: "fine passphrase" },
        ],
      ];
      for (const [method, url, body] of cases) {
        const route: UnsafeRoute = { method: method as UnsafeMethod, url, body };
        await refusedWithoutEffect(
          t,
          world,
          `${method} ${url} ${JSON.stringify(body)}`,
          () => send(world.caller, route, JSON.stringify(body), "application/json"),
          { status: 400, code: "VALIDATION_FAILED" },
        );
      }
    });

    test("hostile session ids in the path are answered 4xx and end no session", async () => {
      const world = await scene(t);
      const ids = [
        encodeURIComponent("' OR '1'='1"),
        encodeURIComponent(`${tokenOf(world.victim).id}' OR 1=1 --`),
        "%2e%2e%2f%2e%2e%2fusers",
        encodeURIComponent(tokenOf(world.victim).token),
        `${tokenOf(world.victim).id}%20`,
        tokenOf(world.victim).id.toLowerCase(),
        "*",
        "%25",
        "x".repeat(65),
      ];
      for (const id of ids) {
        await refusedWithoutEffect(t, world, `DELETE session ${id}`, () =>
          world.caller.delete(`/api/account/sessions/${id}`),
        );
      }
      assert.equal(await statusOf(world.victim), 200);
    });

    // Regression: U+0000 in a name or e-mail was stored on SQLite (200/201) and answered 500 on PostgreSQL.
    test("a NUL character in a name or an e-mail address is refused with 400 and never stored", async () => {
      const world = await scene(t);
      const cases: [string, string, Record<string, unknown>][] = [
        ["PATCH", "/api/account", { name: "Mal\u0000lory" }],
        ["POST", "/api/auth/signup", { email: uniqueEmail("nul"), password: goodPassword, name: "\u0000" }],
        ["POST", "/api/auth/signup", { email: `nul\u0000${uniqueEmail("nul")}`, password: goodPassword }],
      ];
      for (const [method, url, body] of cases) {
        const route: UnsafeRoute = { method: method as UnsafeMethod, url, body };
        await refusedWithoutEffect(
          t,
          world,
          `${method} ${url}`,
          () => send(world.caller, route, JSON.stringify(body), "application/json"),
          { status: 400, code: "VALIDATION_FAILED" },
        );
      }
    });

    // Regression: U+0000 in a login e-mail or a session id reached PostgreSQL as a text parameter: 500.
    test("a NUL character in a login e-mail, a password or a session id is answered 4xx, never 5xx", async () => {
      const world = await scene(t);
      const attempts: [string, () => Promise<Answer>][] = [
        [
          "login e-mail",
          () => t.client().post("/api/auth/login", { email: `${world.email}\u0000`, password: goodPassword }),
        ],
        [
          "login password",
          () => t.client().post("/api/auth/login", { email: world.email, password: "\u0000".repeat(12) }),
        ],
        ["reauthenticate", () => world.caller.post("/api/auth/reauthenticate", { password: `${goodPassword}\u0000` })],
        ["session id", () => world.caller.delete("/api/account/sessions/%00")],
        ["session id inside", () => world.caller.delete(`/api/account/sessions/${tokenOf(world.victim).id}%00`)],
      ];
      for (const [label, attempt] of attempts) await refusedWithoutEffect(t, world, label, attempt);
      assert.equal(await statusOf(world.victim), 200);
    });
  });
}
