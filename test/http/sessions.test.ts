import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { createUser, signIn, signInMany, signInWithAgent } from "../support/accounts.ts";
import { startTestApp, type TestApp, testLifetimes } from "../support/app.ts";
import { sessionSetCookie, tokenOf } from "../support/cookies.ts";
import { engines } from "../support/databases.ts";
import { statusOf } from "../support/devices.ts";
import { type Answer, assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { settledLastSeen } from "../support/store-snapshot.ts";

interface ListedSession {
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
}

const listedKeys = ["createdAt", "current", "expiresAt", "id", "ip", "lastSeenAt", "userAgent"];

/** The device that asked is signed out: its cookie cleared, Clear-Site-Data sent, and a copy of the cookie dead. */
async function assertSignedOutHere(response: Answer, device: HttpClient, stolen: HttpClient): Promise<void> {
  const cleared = sessionSetCookie(response);
  assert.equal(cleared.value, "");
  assert.equal(cleared.attributes.get("max-age"), "0");
  assert.equal(response.headers["clear-site-data"], '"cache", "cookies", "storage"');
  assert.equal(device.cookies.size, 0);
  assertProblem(await stolen.get("/api/account"), 401, "UNAUTHENTICATED");
}

for (const engine of engines) {
  describe(`listing and revoking one's own sessions (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("the list shows the caller's sessions with their details and never a token or its hash", async () => {
      const alice = await createUser(t);
      const bob = await createUser(t);
      const laptop = await signInWithAgent(t, alice, "Laptop/1.0");
      const phone = await signInWithAgent(t, alice, "Phone/2.0");
      const bobDevice = await signIn(t, bob);

      const response = await laptop.get("/api/account/sessions");
      assert.equal(response.statusCode, 200);
      const sessions = response.json().sessions as ListedSession[];
      assert.equal(sessions.length, 2);
      for (const session of sessions) assert.deepEqual(Object.keys(session).sort(), listedKeys);
      const byId = new Map(sessions.map((session) => [session.id, session]));
      const mine = byId.get(tokenOf(laptop).id);
      const theirs = byId.get(tokenOf(phone).id);
      assert.equal(mine?.current, true);
      assert.equal(mine?.userAgent, "Laptop/1.0");
      assert.equal(theirs?.current, false);
      assert.equal(theirs?.userAgent, "Phone/2.0");
      assert.equal(mine?.ip, "127.0.0.1");
      const now = new Date(t.clock.now()).toISOString();
      assert.equal(mine?.createdAt, now);
      assert.equal(mine?.lastSeenAt, now);
      assert.equal(mine?.expiresAt, new Date(t.clock.now() + testLifetimes.absoluteMs).toISOString());

      const stored = await t.store.listUserSessions(alice.id);
      for (const secret of [tokenOf(laptop).secret, tokenOf(phone).secret, ...stored.map((s) => s.secretHash)]) {
        assert.ok(!response.body.includes(secret), "no token secret or hash in the list");
      }
      assert.ok(!response.body.includes(tokenOf(bobDevice).id), "no other user's session in the list");
    });

    test("expired sessions are not listed", async () => {
      const user = await createUser(t);
      const [active, idle] = await signInMany(t, user, 2);
      assert.ok(active !== undefined && idle !== undefined);
      for (let step = 0; step < 2; step += 1) {
        t.clock.advance(20 * 60_000);
        assert.equal(await statusOf(active), 200);
        await settledLastSeen(t, user.id, tokenOf(active).id, t.clock.now());
      }
      const sessions = (await active.get("/api/account/sessions")).json().sessions as ListedSession[];
      assert.deepEqual(
        sessions.map((session) => session.id),
        [tokenOf(active).id],
      );
    });

    test("revoking one session ends exactly that device", async () => {
      const user = await createUser(t);
      const [caller, target, bystander] = await signInMany(t, user, 3);
      assert.ok(caller !== undefined && target !== undefined && bystander !== undefined);
      const response = await caller.delete(`/api/account/sessions/${tokenOf(target).id}`);
      assert.equal(response.statusCode, 204);
      assert.equal(response.headers["set-cookie"], undefined, "the caller's own cookie is left alone");
      assertProblem(await target.get("/api/account"), 401, "UNAUTHENTICATED");
      assert.equal(await statusOf(caller), 200);
      assert.equal(await statusOf(bystander), 200);
      const listed = (await caller.get("/api/account/sessions")).json().sessions as ListedSession[];
      assert.deepEqual(listed.map((session) => session.id).sort(), [tokenOf(caller).id, tokenOf(bystander).id].sort());
      assertProblem(await caller.delete(`/api/account/sessions/${tokenOf(target).id}`), 404, "SESSION_NOT_FOUND");
    });

    test("another user's real session id is answered like an unknown id, and that session lives on", async () => {
      const alice = await createUser(t);
      const bob = await createUser(t);
      const attacker = await signIn(t, alice);
      const victim = await signIn(t, bob);
      const foreign = await attacker.delete(`/api/account/sessions/${tokenOf(victim).id}`);
      const unknown = await attacker.delete(`/api/account/sessions/${randomBytes(16).toString("base64url")}`);
      assertProblem(foreign, 404, "SESSION_NOT_FOUND");
      assertProblem(unknown, 404, "SESSION_NOT_FOUND");
      const strip = (body: { instance?: string }) => ({ ...body, instance: undefined });
      assert.deepEqual(strip(foreign.json()), strip(unknown.json()));
      assert.equal(await statusOf(victim), 200);
      assert.equal(await statusOf(attacker), 200);
      assert.equal((await t.store.listUserSessions(bob.id)).length, 1);
    });

    test("revoking the current session signs this device out and clears its cookie", async () => {
      const user = await createUser(t);
      const [caller, other] = await signInMany(t, user, 2);
      assert.ok(caller !== undefined && other !== undefined);
      const stolen = caller.clone();
      const response = await caller.delete(`/api/account/sessions/${tokenOf(caller).id}`);
      assert.equal(response.statusCode, 204);
      await assertSignedOutHere(response, caller, stolen);
      assert.equal(await statusOf(other), 200);
    });

    // Issue 10.2: the page cleared the cookie but, unlike the API above, sent no Clear-Site-Data.
    test("revoking the current session from the account page clears the cookie and site data, as the API does", async () => {
      const user = await createUser(t);
      const [caller, other] = await signInMany(t, user, 2);
      assert.ok(caller !== undefined && other !== undefined);
      const stolen = caller.clone();
      const response = await caller.post(`/account/sessions/${tokenOf(caller).id}/revoke`, undefined, {
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ _csrf: caller.csrfToken ?? "" }).toString(),
      });
      assert.equal(response.statusCode, 303, response.body);
      assert.equal(response.headers.location, "/login?notice=signed-out");
      await assertSignedOutHere(response, caller, stolen);
      assert.equal(await statusOf(other), 200);
    });

    test("revoke-others leaves only the caller's session", async () => {
      const alice = await createUser(t);
      const bob = await createUser(t);
      const bobDevice = await signIn(t, bob);
      const [caller, ...others] = await signInMany(t, alice, 4);
      assert.ok(caller !== undefined);
      const response = await caller.post("/api/account/sessions/revoke-others");
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), { sessionsRevoked: 3 });
      for (const device of others) assertProblem(await device.get("/api/account"), 401, "UNAUTHENTICATED");
      assert.equal(await statusOf(caller), 200);
      const listed = (await caller.get("/api/account/sessions")).json().sessions as ListedSession[];
      assert.deepEqual(
        listed.map((session) => [session.id, session.current]),
        [[tokenOf(caller).id, true]],
      );
      assert.equal(await statusOf(bobDevice), 200);
      assert.deepEqual((await caller.post("/api/account/sessions/revoke-others")).json(), { sessionsRevoked: 0 });
    });

    test("without a session every session route answers 401", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const anonymous = t.client();
      assertProblem(await anonymous.get("/api/account/sessions"), 401, "UNAUTHENTICATED");
      assertProblem(await anonymous.delete(`/api/account/sessions/${tokenOf(device).id}`), 401, "UNAUTHENTICATED");
      assertProblem(await anonymous.post("/api/account/sessions/revoke-others"), 401, "UNAUTHENTICATED");
      assert.equal(await statusOf(device), 200);
    });
  });
}
