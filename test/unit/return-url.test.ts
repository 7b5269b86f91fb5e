import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { maxReturnPathLength, returnUrl } from "../../src/http/return-url.ts";
import { hostileReturnPaths } from "../support/hostile-return-paths.ts";

const publicUrl = new URL("https://gatehouse.example");

describe("the return-URL rule", () => {
  test("issue 9.7: every hostile next is refused, whatever the parser would make of it", () => {
    const more = [
      "/\u0000/evil.example",
      "/\u0085/evil.example",
      "/\u2028/evil.example",
      "/\u2029/evil.example",
      "/\ufeff/evil.example",
      "/\ud800/evil.example",
      "/\ue000/evil.example",
      "/\u3000/evil.example",
      "/account\t",
      "/account\n",
      "/%E2%80%8B/evil.example",
      "/%5C%5Cevil.example",
      "/%7F",
      "/%C2%85",
      "/account%",
      "/account?next=%2F%2Fevil.example\\",
      "//",
      "/\\",
      "https://gatehouse.example/account",
      "HTTPS://gatehouse.example/account",
      "//gatehouse.example/account",
      "ftp://evil.example",
      "mailto:alice@example.test",
      "vbscript:msgbox(1)",
      ".",
      "..",
      "./account",
      "?next=//evil.example",
      "#//evil.example",
    ];
    for (const next of [...hostileReturnPaths, ...more]) {
      assert.equal(returnUrl(next, publicUrl), null, JSON.stringify(next));
    }
  });

  test("anything that is not a string is refused", () => {
    for (const next of [undefined, null, 0, ["/account"], { href: "/account" }]) {
      assert.equal(returnUrl(next, publicUrl), null, JSON.stringify(next));
    }
  });

  test("a path on the public origin is kept, as the URL parser serializes it", () => {
    for (const [next, kept] of [
      ["/", "/"],
      ["/account", "/account"],
      ["/ok?a=b#c", "/ok?a=b#c"],
      ["/admin/users?search=alice%20smith&role=admin", "/admin/users?search=alice%20smith&role=admin"],
      ["/admin/users?search=a%5Cb", "/admin/users?search=a%5Cb"],
      ["/admin/audit?before=10", "/admin/audit?before=10"],
      ["/caf\u00e9", "/caf%C3%A9"],
      ["/a/../account", "/account"],
      ["/account?", "/account"],
    ] as const) {
      assert.equal(returnUrl(next, publicUrl), kept, next);
    }
  });

  test("a return path longer than the form carries is refused", () => {
    assert.equal(returnUrl(`/${"a".repeat(maxReturnPathLength - 1)}`, publicUrl)?.length, maxReturnPathLength);
    assert.equal(returnUrl(`/${"a".repeat(maxReturnPathLength)}`, publicUrl), null);
  });
});
