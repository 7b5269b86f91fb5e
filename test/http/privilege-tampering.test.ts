import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import type { UserRecord } from "../../src/domain/users/user.ts";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import type { HttpClient, SentRequest } from "../support/http-client.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

/**
 * ASVS 8.3.1 / WSTG-ATHZ-02: authorization is decided on the server from the session alone; ids, roles
 * and URL-rewrite headers a client adds change nothing. WSTG-ATHZ-04: sweeping ids with an ordinary
 * user's cookie finds nothing.
 */
type Method = "GET" | "PATCH" | "DELETE";

interface Probe {
  readonly method: Method;
  readonly url: string;
  readonly body?: Record<string, unknown>;
}

/** Status and body as the client sees them, minus the per-request id. */
function seen(response: LightMyRequestResponse) {
  return {
    status: response.statusCode,
    body: response.body.replace(/"instance":"[^"]*"/, ""),
  };
}

function send(device: HttpClient, probe: Probe, extra: SentRequest = {}, query = "") {
  const body = probe.body === undefined ? {} : { body: probe.body };
  return device.request(probe.method, `${probe.url}${query}`, { ...body, ...extra });
}

for (const engine of engines) {
  describe(`client-supplied identity and role are ignored (ASVS 8.3.1) (${engine})`, () => {
    let t: TestApp;
    let mallory: UserRecord;
    let bob: UserRecord;
    let admin: UserRecord;
    let superuser: UserRecord;
    let device: HttpClient;
    before(async () => {
      t = await startTestApp(engine);
      mallory = await createUser(t, "user");
      bob = await createUser(t, "user");
      admin = await createUser(t, "admin");
      superuser = await createUser(t, "superuser");
      await createUser(t, "superuser");
      device = await signIn(t, mallory);
      await signIn(t, bob);
    });
    after(() => t.close());

    const probes = (): Probe[] => [
      { method: "GET", url: "/api/account" },
      { method: "GET", url: "/api/auth/session" },
      { method: "GET", url: "/api/users" },
      { method: "GET", url: `/api/users/${bob.id}` },
      { method: "GET", url: "/api/audit" },
      { method: "PATCH", url: `/api/users/${mallory.id}`, body: { role: "admin" } },
      { method: "DELETE", url: `/api/users/${bob.id}`, body: { reason: "tampered" } },
      { method: "DELETE", url: `/api/users/${bob.id}/sessions` },
    ];

    const tamperings = (): [string, (probe: Probe) => Promise<LightMyRequestResponse>][] => [
      [
        "identity and role headers",
        (probe) =>
          send(device, probe, {
            headers: {
              "x-user-id": admin.id,
              "x-user-role": "superuser",
              "x-role": "admin",
              "x-forwarded-user": superuser.id,
              "x-remote-user": superuser.id,
              "x-authenticated-userid": superuser.id,
            },
          }),
      ],
      [
        "URL-rewrite headers",
        (probe) =>
          send(device, probe, {
            headers: { "x-original-url": "/api/users", "x-rewrite-url": "/api/users", "x-forwarded-prefix": "/api" },
          }),
      ],
      ["query parameters", (probe) => send(device, probe, {}, `?user_id=${admin.id}&role=admin&isAdmin=true`)],
      [
        "body fields",
        (probe) =>
          probe.method === "GET"
            ? send(device, probe)
            : send(device, {
                ...probe,
                body: { ...(probe.body ?? {}), user_id: superuser.id, role: "superuser", isAdmin: true },
              }),
      ],
      [
        "extra cookies",
        (probe) => {
          const session = [...device.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
          return send(device, probe, { headers: { cookie: `role=admin; user_id=${admin.id}; ${session}` } });
        },
      ],
    ];

    test("no tampered header, query parameter, body field or cookie turns a refusal into access", async () => {
      const before = await snapshotStore(t);
      for (const probe of probes()) {
        const plain = seen(await send(device, probe));
        assert.ok(plain.status === 200 || plain.status === 403, `${probe.method} ${probe.url}: ${plain.status}`);
        for (const [how, tampered] of tamperings()) {
          const answer = seen(await tampered(probe));
          const label = `${probe.method} ${probe.url} with ${how}`;
          if (plain.status === 403) assert.deepEqual(answer, plain, label);
          else assert.ok(answer.status === 400 || answer.body === plain.body, `${label}: ${answer.status}`);
        }
      }
      assert.deepEqual(await snapshotStore(t), before, "nothing changed");
    });

    test("the account route answers for the session's user, whatever id the request names", async () => {
      const response = await device.get(`/api/account?user_id=${bob.id}&id=${bob.id}`, {
        headers: { "x-user-id": bob.id, "x-original-url": `/api/users/${bob.id}` },
      });
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().user.id, mallory.id);
      assert.equal(response.json().user.role, "user");
    });

    test("without a session, identity headers and cookies get 401 everywhere", async () => {
      const anonymous = t.client();
      const headers = { "x-user-id": superuser.id, "x-original-url": "/api/users", cookie: `user_id=${superuser.id}` };
      for (const probe of probes()) {
        const response = await send(anonymous, probe, { headers });
        assert.equal(response.statusCode, 401, `${probe.method} ${probe.url}`);
      }
    });
  });

  describe(`sweeping ids with a user's cookie finds nothing (WSTG-ATHZ-04) (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("50 random UUIDs and every real id answer GET and DELETE /api/users/:id without a 2xx", async () => {
      const mallory = await createUser(t, "user");
      const others = [await createUser(t, "user"), await createUser(t, "admin"), await createUser(t, "superuser")];
      await createUser(t, "superuser");
      const device = await signIn(t, mallory);
      const ids = [
        ...Array.from({ length: 50 }, () => randomUUID()),
        ...[mallory, ...others].map((user) => user.id),
        "1",
        "0",
        "admin",
        "00000000-0000-0000-0000-000000000000",
      ];
      const before = await snapshotStore(t);
      for (const id of ids) {
        const read = await device.get(`/api/users/${id}`);
        const remove = await device.delete(`/api/users/${id}`, { reason: "sweep" });
        assert.equal(read.statusCode, 403, `GET ${id}`);
        assert.equal(remove.statusCode, 403, `DELETE ${id}`);
      }
      assert.deepEqual(await snapshotStore(t), before, "nothing changed");
    });

    test("sweeping session ids revokes only the caller's own sessions", async () => {
      const mallory = await createUser(t, "user");
      const bob = await createUser(t, "user");
      const admin = await createUser(t, "admin");
      const device = await signIn(t, mallory);
      const second = await signIn(t, mallory);
      await signIn(t, bob);
      await signIn(t, admin);
      const foreign = [...(await t.store.listUserSessions(bob.id)), ...(await t.store.listUserSessions(admin.id))];
      const random = Array.from({ length: 20 }, () => randomBytes(16).toString("base64url"));
      for (const id of [...foreign.map((session) => session.id), ...random]) {
        const response = await device.delete(`/api/account/sessions/${id}`);
        assert.equal(response.statusCode, 404, id);
      }
      assert.equal((await t.store.listUserSessions(bob.id)).length, 1);
      assert.equal((await t.store.listUserSessions(admin.id)).length, 1);
      const current = tokenOf(device).id;
      const own = (await t.store.listUserSessions(mallory.id)).filter((session) => session.id !== current);
      assert.equal(own.length, 1);
      assert.equal((await device.delete(`/api/account/sessions/${own[0]?.id}`)).statusCode, 204);
      assert.equal((await second.get("/api/account")).statusCode, 401);
    });
  });
}
