import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { redactedUrl } from "../../src/http/redacted-url.ts";

const id = "2fd92dbe-fc29-4f8f-862c-0651a59f3083";

describe("the URL a request log line shows", () => {
  test("a matched route keeps its own segments and ids; the caller's values become the marker", () => {
    for (const [url, route, logged] of [
      ["/api/users/alice@example.test", "/api/users/:id", "/api/users/[Redacted]"],
      [`/api/users/${id}`, "/api/users/:id", `/api/users/${id}`],
      [`/api/users/${id.toUpperCase()}/sessions`, "/api/users/:id/sessions", `/api/users/${id.toUpperCase()}/sessions`],
      ["/%61pi/users/alice%40example.test", "/api/users/:id", "/api/users/[Redacted]"],
      ["/api/account/sessions/AAAAAAAAAAAAAAAAAAAAAA", "/api/account/sessions/:id", "/api/account/sessions/[Redacted]"],
      ["/api/users?search=alice@example.test&limit=10", "/api/users", "/api/users?search=[Redacted]&limit=[Redacted]"],
      ["/api/users?alice@example.test", "/api/users", "/api/users?[Redacted]"],
      ["/api/users?alice%40example.test=1&flag", "/api/users", "/api/users?[Redacted]=[Redacted]&flag"],
      ["/api/users?", "/api/users", "/api/users?"],
      ["/healthz", "/healthz", "/healthz"],
    ] as const) {
      assert.equal(redactedUrl(url, route), logged, url);
    }
  });

  test("an unmatched path keeps only its ids, and a route that does not line up with the path is not trusted", () => {
    for (const [url, route, logged] of [
      ["/alice@example.test", undefined, "/[Redacted]"],
      [`/api/nothing/${id}`, undefined, `/[Redacted]/[Redacted]/${id}`],
      ["/", undefined, "/"],
      ["/api/users/a/b", "/api/users/:id", "/[Redacted]/[Redacted]/[Redacted]/[Redacted]"],
    ] as const) {
      assert.equal(redactedUrl(url, route), logged, url);
    }
  });
});
