import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";

const ownOrigin = "http://127.0.0.1:3000";

/** CS-CSRF "Fetch Metadata" and FM-RIP, as a table: which header combinations may change state. */
const sites = ["same-origin", "same-site", "cross-site", "none", undefined] as const;
const origins = [ownOrigin, "https://evil.test", "null", undefined] as const;

function expectedToPass(site: (typeof sites)[number], origin: (typeof origins)[number]): boolean {
  if (site !== undefined) return site === "same-origin";
  return origin === ownOrigin;
}

for (const engine of engines) {
  describe(`cross-site request forgery defence (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    for (const site of sites) {
      for (const origin of origins) {
        const pass = expectedToPass(site, origin);
        test(`Sec-Fetch-Site ${site ?? "absent"} with Origin ${origin ?? "absent"} is ${pass ? "allowed" : "refused"}`, async () => {
          const user = await createUser(t);
          const device = await signIn(t, user);
          const other = await signIn(t, user);
          const headers: Record<string, string> = { "x-csrf-token": device.csrfToken ?? "" };
          if (site !== undefined) headers["sec-fetch-site"] = site;
          if (origin !== undefined) headers.origin = origin;
          const response = await device.post("/api/account/sessions/revoke-others", undefined, { headers, bare: true });
          if (pass) {
            assert.equal(response.statusCode, 200);
          } else {
            assert.equal(response.statusCode, 403);
            assert.equal(problemCode(response), "CSRF_REJECTED");
            assert.equal((await other.get("/api/auth/session")).statusCode, 200, "the refusal changed nothing");
          }
        });
      }
    }

    test("a user-typed navigation (Sec-Fetch-Site none) passes only as a top-level navigation", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const token = device.csrfToken ?? "";
      const fetched = await device.post("/api/account/sessions/revoke-others", undefined, {
        headers: { "sec-fetch-site": "none", "sec-fetch-mode": "cors", "x-csrf-token": token },
        bare: true,
      });
      assert.equal(fetched.statusCode, 403);
      const navigated = await device.post("/api/account/sessions/revoke-others", undefined, {
        headers: { "sec-fetch-site": "none", "sec-fetch-mode": "navigate", "x-csrf-token": token },
        bare: true,
      });
      assert.equal(navigated.statusCode, 200);
    });

    test("a same-origin request without the session's token is refused and changes nothing", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const response = await device.patch(
        "/api/account",
        { name: "forged" },
        {
          headers: { "sec-fetch-site": "same-origin" },
          bare: true,
        },
      );
      assert.equal(response.statusCode, 403);
      assert.equal(problemCode(response), "CSRF_REJECTED");
      assert.equal((await t.store.getUserById(user.id))?.name, "");
    });

    test("a token from one session is refused in another, even of the same user", async () => {
      const alice = await createUser(t);
      const bob = await createUser(t);
      const aliceDevice = await signIn(t, alice);
      const aliceOtherDevice = await signIn(t, alice);
      const bobDevice = await signIn(t, bob);
      for (const [device, foreign] of [
        [bobDevice, aliceDevice.csrfToken],
        [aliceOtherDevice, aliceDevice.csrfToken],
      ] as const) {
        const response = await device.patch(
          "/api/account",
          { name: "moved token" },
          {
            headers: { "sec-fetch-site": "same-origin", "x-csrf-token": foreign ?? "" },
            bare: true,
          },
        );
        assert.equal(response.statusCode, 403);
      }
      assert.equal((await t.store.getUserById(bob.id))?.name, "");
    });

    test("the token changes with the session: after a new login the old token is refused", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const oldToken = device.csrfToken ?? "";
      await device.post("/api/auth/login", { email: user.email, password: goodPassword });
      assert.notEqual(device.csrfToken, oldToken);
      const response = await device.patch(
        "/api/account",
        { name: "x" },
        {
          headers: { "sec-fetch-site": "same-origin", "x-csrf-token": oldToken },
          bare: true,
        },
      );
      assert.equal(response.statusCode, 403);
    });

    test("a cross-site login or sign-up is refused and creates no session (login CSRF)", async () => {
      const user = await createUser(t);
      const sessionsBefore = (await t.store.listUserSessions(user.id)).length;
      const login = await t.client().post(
        "/api/auth/login",
        { email: user.email, password: goodPassword },
        {
          headers: { "sec-fetch-site": "cross-site", origin: "https://evil.test" },
          bare: true,
        },
      );
      assert.equal(login.statusCode, 403);
      assert.equal(login.headers["set-cookie"], undefined);
      assert.equal((await t.store.listUserSessions(user.id)).length, sessionsBefore);
      const noHeaders = await t
        .client()
        .post("/api/auth/login", { email: user.email, password: goodPassword }, { bare: true });
      assert.equal(noHeaders.statusCode, 403, "a request that says nothing about its origin is refused");
      const usersBefore = await t.store.countUsers();
      const signup = await t.client().post(
        "/api/auth/signup",
        { email: "csrf-victim@example.test", password: goodPassword },
        {
          headers: { origin: "https://evil.test" },
          bare: true,
        },
      );
      assert.equal(signup.statusCode, 403);
      assert.equal(await t.store.countUsers(), usersBefore);
    });

    test("safe methods are not subject to the check", async () => {
      const user = await createUser(t);
      const device = await signIn(t, user);
      const response = await device.get("/api/account", { headers: { "sec-fetch-site": "cross-site" } });
      assert.equal(response.statusCode, 200);
    });
  });
}
