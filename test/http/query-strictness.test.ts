import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";

/** Numbers Number() reads but no client means: each must be refused, not read as 16 (or 0, or 10). */
const lenientNumbers = [
  "0x10",
  "0o20",
  "0b10000",
  "1e1",
  "%2016",
  "16%20",
  "+16",
  "-1",
  "16.0",
  "16.5",
  "Infinity",
  "NaN",
  "",
  "%20",
  "1_6",
  "%EF%BC%91%EF%BC%96", // fullwidth digits
  "99999999999999999999",
];

/** Cursors this server never hands out, including percent-escapes that are not UTF-8 at all. */
const badCursors = [
  "%FF",
  "%C0%80",
  "%ED%A0%80",
  "%zz",
  "%E0%A4%A",
  "x",
  "00000000-0000-0000-0000-00000000000",
  "00000000-0000-0000-0000-0000000000000",
  "00000000000000000000000000000000",
  "{00000000-0000-0000-0000-000000000000}",
  "00000000-0000-0000-0000-000000000000%00",
  "00000000-0000-0000-0000-00000000000%C0%80",
  "' OR 1=1 --",
];

for (const engine of engines) {
  describe(`strict query parameters (${engine})`, () => {
    let t: TestApp;
    let admin: HttpClient;
    before(async () => {
      t = await startTestApp(engine);
      admin = await signIn(t, await createUser(t, "superuser"));
      for (let i = 0; i < 3; i += 1) await createUser(t);
    });
    after(() => t.close());

    test("issue 9 (query): a limit or before that is not plain decimal digits is refused with 400", async () => {
      for (const value of lenientNumbers) {
        for (const url of [`/api/users?limit=${value}`, `/api/audit?limit=${value}`, `/api/audit?before=${value}`]) {
          assertProblem(await admin.get(url), 400, "VALIDATION_FAILED", url);
        }
        const page = await admin.get(`/admin/audit?before=${value}`);
        assert.equal(page.statusCode, 400, `page before=${value}`);
      }
    });

    test("issue 9 (query): a cursor that is not a user id is refused with 400, on the API and the page", async () => {
      for (const value of badCursors) {
        assertProblem(await admin.get(`/api/users?after=${value}`), 400, "VALIDATION_FAILED", value);
        assert.equal((await admin.get(`/admin/users?after=${value}`)).statusCode, 400, `page after=${value}`);
      }
    });

    test("decimal limits and the cursors the server hands out page through every user", async () => {
      const first = await admin.get("/api/users?limit=2");
      assert.equal(first.statusCode, 200, first.body);
      const { users, nextCursor } = first.json() as { users: { id: string }[]; nextCursor: string };
      assert.equal(users.length, 2);
      const second = await admin.get(`/api/users?limit=100&after=${nextCursor}`);
      assert.equal(second.statusCode, 200, second.body);
      assert.equal((second.json() as { users: unknown[] }).users.length, 2);
      assert.equal((await admin.get(`/admin/users?after=${nextCursor}`)).statusCode, 200);
      assert.equal((await admin.get("/admin/users?after=")).statusCode, 200, "the filter form's empty cursor");
      for (const url of ["/api/users?limit=1", "/api/users?limit=100", "/api/audit?limit=200&before=1"]) {
        assert.equal((await admin.get(url)).statusCode, 200, url);
      }
      for (const url of ["/api/users?limit=0", "/api/users?limit=101", "/api/audit?limit=201", "/api/audit?before=0"]) {
        assertProblem(await admin.get(url), 400, "VALIDATION_FAILED", url);
      }
      const audit = await admin.get("/api/audit?limit=1");
      const { nextBefore } = audit.json() as { nextBefore: number };
      assert.equal((await admin.get(`/api/audit?limit=1&before=${nextBefore}`)).statusCode, 200);
      assert.equal((await admin.get(`/admin/audit?before=${nextBefore}`)).statusCode, 200);
    });
  });
}
