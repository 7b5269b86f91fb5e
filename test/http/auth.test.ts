import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, goodPassword, signIn, uniqueEmail } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { problemCode } from "../support/http-assertions.ts";

for (const engine of engines) {
  describe(`sign-up, login and logout (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("sign-up creates an ordinary user and starts a session", async () => {
      const client = t.client();
      const email = uniqueEmail("signup");
      const response = await client.post("/api/auth/signup", { email, password: goodPassword, name: "Ada" });
      assert.equal(response.statusCode, 201);
      const body = response.json();
      assert.equal(body.user.email, email);
      assert.equal(body.user.role, "user");
      assert.equal(body.user.passwordHash, undefined);
      assert.equal(typeof body.csrfToken, "string");
      assert.equal((await client.get("/api/auth/session")).statusCode, 200);
    });

    test("sign-up ignores no privilege field: a role in the body is refused", async () => {
      const response = await t
        .client()
        .post("/api/auth/signup", { email: uniqueEmail(), password: goodPassword, role: "superuser" });
      assert.equal(response.statusCode, 400);
      assert.equal(problemCode(response), "VALIDATION_FAILED");
    });

    test("the same e-mail in another case is the same account", async () => {
      const email = uniqueEmail("case");
      assert.equal((await t.client().post("/api/auth/signup", { email, password: goodPassword })).statusCode, 201);
      const again = await t.client().post("/api/auth/signup", { email: email.toUpperCase(), password: goodPassword });
      assert.equal(again.statusCode, 409);
      assert.equal(problemCode(again), "EMAIL_TAKEN");
      const login = await t
        .client()
        .post("/api/auth/login", { email: `  ${email.toUpperCase()} `, password: goodPassword });
      assert.equal(login.statusCode, 200);
    });

    test("passwords shorter than 8 characters or on the common list are refused; long ones are kept whole", async () => {
      for (const password of ["short", "password123"]) {
        const response = await t.client().post("/api/auth/signup", { email: uniqueEmail(), password });
        assert.equal(response.statusCode, 400, password);
      }
      const long = `${"ünïcødé ".repeat(40)}end`;
      const user = { email: uniqueEmail("long") };
      assert.equal((await t.client().post("/api/auth/signup", { ...user, password: long })).statusCode, 201);
      assert.equal((await t.client().post("/api/auth/login", { ...user, password: long })).statusCode, 200);
      // No truncation: the same password minus its last character does not match.
      assert.equal(
        (await t.client().post("/api/auth/login", { ...user, password: long.slice(0, -1) })).statusCode,
        401,
      );
      // No case folding.
      assert.equal(
        (await t.client().post("/api/auth/login", { ...user, password: long.toUpperCase() })).statusCode,
        401,
      );
    });

    test("a wrong password and an unknown e-mail answer identically", async () => {
      const user = await createUser(t);
      const wrong = await t.client().post("/api/auth/login", { email: user.email, password: "not the password" });
      const unknown = await t
        .client()
        .post("/api/auth/login", { email: uniqueEmail("nobody"), password: "not the password" });
      assert.equal(wrong.statusCode, 401);
      assert.equal(unknown.statusCode, 401);
      const strip = (body: { instance?: string }) => ({ ...body, instance: undefined });
      assert.deepEqual(strip(wrong.json()), strip(unknown.json()));
      assert.equal(wrong.headers["set-cookie"], undefined);
    });

    test("login issues a new session id and destroys the one the client held (no fixation)", async () => {
      const user = await createUser(t);
      const client = await signIn(t, user);
      const before = client.clone();
      const response = await client.post("/api/auth/login", { email: user.email, password: goodPassword });
      assert.equal(response.statusCode, 200);
      const [name] = [...client.cookies.keys()];
      assert.ok(name !== undefined);
      assert.notEqual(client.cookies.get(name), before.cookies.get(name));
      assert.equal((await before.get("/api/auth/session")).statusCode, 401);
      assert.equal((await client.get("/api/auth/session")).statusCode, 200);
    });

    test("a session id the server did not issue is never adopted", async () => {
      const user = await createUser(t);
      const client = t.client();
      const planted = `${"A".repeat(22)}.${"B".repeat(43)}`;
      client.cookies.set("gatehouse_session", planted);
      assert.equal((await client.get("/api/auth/session")).statusCode, 401);
      await client.post("/api/auth/login", { email: user.email, password: goodPassword });
      assert.notEqual(client.cookies.get("gatehouse_session"), planted);
      assert.ok(!client.cookies.get("gatehouse_session")?.startsWith("A".repeat(22)));
    });

    test("forged, truncated and tampered cookies get 401 and never an error", async () => {
      const user = await createUser(t);
      const client = await signIn(t, user);
      const token = client.cookies.get("gatehouse_session") ?? "";
      const [id, secret] = token.split(".");
      const forgeries = [
        "",
        "garbage",
        `${id}.`,
        `${id}.${"x".repeat(43)}`,
        // The last character changed (it is "A" for one secret in 16, so the replacement depends on it).
        `${id}.${secret?.slice(0, -1)}${secret?.endsWith("A") ? "E" : "A"}`,
        `${id}`,
        `${token}x`,
        `${"'; DROP TABLE sessions; --".padEnd(22, "x")}.${secret}`,
        "%00%ff",
      ];
      for (const forged of forgeries) {
        const response = await t
          .client()
          .get("/api/auth/session", { headers: { cookie: `gatehouse_session=${forged}` } });
        assert.equal(response.statusCode, 401, forged);
      }
      assert.equal((await client.get("/api/auth/session")).statusCode, 200);
    });

    test("after logout the old cookie is dead, the cookie is cleared and Clear-Site-Data is sent", async () => {
      const user = await createUser(t);
      const client = await signIn(t, user);
      const stolen = client.clone();
      const response = await client.post("/api/auth/logout");
      assert.equal(response.statusCode, 204);
      assert.equal(response.headers["clear-site-data"], '"cache", "cookies", "storage"');
      assert.match(String(response.headers["set-cookie"]), /gatehouse_session=;.*Max-Age=0/);
      assert.equal(client.cookies.size, 0);
      assert.equal((await stolen.get("/api/auth/session")).statusCode, 401);
      assert.equal((await stolen.get("/api/account")).statusCode, 401);
    });

    test("sign-up can be closed", async () => {
      const closed = await startTestApp(engine, { signupOpen: false });
      try {
        const response = await closed
          .client()
          .post("/api/auth/signup", { email: uniqueEmail(), password: goodPassword });
        assert.equal(response.statusCode, 403);
        assert.equal(problemCode(response), "SIGNUP_CLOSED");
        assert.equal(await closed.store.countUsers(), 0);
      } finally {
        await closed.close();
      }
    });

    test("no session token is stored in the clear", async () => {
      const user = await createUser(t);
      const client = await signIn(t, user);
      const token = client.cookies.get("gatehouse_session") ?? "";
      const [id, secret] = token.split(".");
      const [session] = await t.store.listUserSessions(user.id);
      assert.equal(session?.id, id);
      assert.notEqual(session?.secretHash, secret);
      assert.match(session?.secretHash ?? "", /^[0-9a-f]{64}$/);
      assert.doesNotMatch(JSON.stringify(session), new RegExp(secret ?? "unreachable"));
    });
  });
}
