import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { apiSecurityHeaders, pageSecurityHeaders } from "../../src/http/security-headers.ts";
import { createUser, signIn } from "../support/accounts.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { engines } from "../support/databases.ts";
import { type Answer, assertProblem } from "../support/http-assertions.ts";
import type { HttpClient } from "../support/http-client.ts";
import { snapshotStore } from "../support/store-snapshot.ts";

function assertHeaderSet(response: Answer, expected: Readonly<Record<string, string>>, label: string): void {
  for (const [name, value] of Object.entries(expected)) {
    assert.equal(response.headers[name.toLowerCase()], value, `${label}: ${name}`);
  }
  if (expected === apiSecurityHeaders) {
    assert.equal(response.headers["cross-origin-opener-policy"], undefined, `${label}: a page-only header`);
  }
}

const form = { payload: "name=Mallory", headers: { "content-type": "application/x-www-form-urlencoded" } };

for (const engine of engines) {
  describe(`percent-encoded path aliases (${engine})`, () => {
    let t: TestApp;
    let admin: HttpClient;
    let targetId: string;
    before(async () => {
      t = await startTestApp(engine);
      admin = await signIn(t, await createUser(t, "superuser"));
      targetId = (await createUser(t)).id;
    });
    after(() => t.close());

    test("issue 9.11: a form body sent to an encoded alias of an API route is refused 415 with the API headers", async () => {
      const before = await snapshotStore(t);
      for (const [method, url] of [
        ["PATCH", `/api/users/${targetId}`],
        ["PATCH", `/%61pi/users/${targetId}`],
        ["PATCH", `/%61%70%69/users/${targetId}`],
        ["PATCH", `/api/%75sers/${targetId}`],
        ["PATCH", "/api/%61ccount"],
        ["POST", "/%61pi/auth/session"],
        ["POST", "/%61pi/account/sessions/revoke-others"],
        ["DELETE", `/%61pi/users/${targetId}`],
      ] as const) {
        const response = await admin.request(method, url, form);
        const label = `${method} ${url}`;
        assertProblem(response, 415, "UNSUPPORTED_MEDIA_TYPE", label);
        assertHeaderSet(response, apiSecurityHeaders, label);
      }
      assert.deepEqual(await snapshotStore(t), before);
    });

    test("issue 9.11: an encoded alias of an API route answers with the API header set, like the route itself", async () => {
      for (const url of ["/api/auth/session", "/%61pi/auth/session", "/api/%61ccount", "/%68ealthz"]) {
        const response = await admin.get(url);
        assert.equal(response.statusCode, 200, url);
        assertHeaderSet(response, apiSecurityHeaders, url);
      }
    });

    test("issue 9.11: an unmatched path under an encoded /api/ is a problem+json 404 with the API headers", async () => {
      for (const url of ["/%61pi/no-such-thing", "/api/%6eo-such-thing", "/%61pi/users/x/nothing"]) {
        const response = await admin.get(url);
        assertProblem(response, 404, "NOT_FOUND", url);
        assertHeaderSet(response, apiSecurityHeaders, url);
      }
    });

    test("an encoded alias of a page is still a page, with the page header set", async () => {
      for (const url of ["/account", "/%61ccount", "/no-such-page", "/%6eo-such-page"]) {
        const response = await admin.get(url);
        assert.match(String(response.headers["content-type"]), /^text\/html/, url);
        assertHeaderSet(response, pageSecurityHeaders, url);
      }
    });

    test("a method an encoded alias does not have answers 405 problem+json with Allow and the API headers", async () => {
      const response = await admin.request("PUT", "/%61pi/auth/session", { body: {} });
      assertProblem(response, 405, "METHOD_NOT_ALLOWED");
      assert.equal(response.headers.allow, "GET, HEAD");
      assertHeaderSet(response, apiSecurityHeaders, "PUT alias");
    });
  });
}
