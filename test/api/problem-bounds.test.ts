import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { problemBounds } from "../../src/http/problem.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

/**
 * Found by attacking the OpenAPI change: a schema's error can quote what the request sent (zod names each
 * unrecognized key), and a problem longer than its own schema allowed failed to serialize: a bare 500 that
 * was not even problem+json, for any anonymous caller. Every problem is now cut to its bounds where it is
 * made, so such a request gets its 400, documented and within the schema (the client's contract check).
 */
for (const engine of engines) {
  describe(`problems stay within their schema whatever the request quotes (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("a body key of 3,000 characters is a 400 VALIDATION_FAILED, its quote cut short", async () => {
      const response = await t.client().post("/api/auth/login", {
        email: "someone@example.com",
        password: "correct horse battery staple",
        ["k".repeat(3000)]: 1,
      });
      assert.equal(response.statusCode, 400);
      const problem = response.json() as { code: string; errors: { path: string; message: string }[] };
      assert.equal(problem.code, "VALIDATION_FAILED");
      for (const error of problem.errors) assert.ok(error.message.length <= problemBounds.errorText);
    });

    test("300 unknown keys are a 400 with at most the documented number of errors", async () => {
      const body: Record<string, unknown> = { email: "someone@example.com", password: "x" };
      for (let i = 0; i < 300; i += 1) body[`key${i}`] = i;
      const response = await t.client().post("/api/auth/signup", body);
      assert.equal(response.statusCode, 400);
      const problem = response.json() as { errors: unknown[] };
      assert.ok(problem.errors.length <= problemBounds.errors);
    });
  });
}
