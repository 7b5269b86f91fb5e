import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";

for (const engine of engines) {
  describe(`health check (${engine})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(engine);
    });
    after(() => t.close());

    test("issue 10.8: /healthz answers liveness and tells an anonymous caller nothing about the engine", async () => {
      const answer = await t.client().get("/healthz");
      assert.equal(answer.statusCode, 200);
      assert.deepEqual(answer.json(), { status: "ok" });
      assert.doesNotMatch(answer.body, /sqlite|postgres/i);
    });
  });
}
