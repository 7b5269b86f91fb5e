import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseAllowedHosts } from "../../src/config.ts";
import { type AllowedHosts, hostAllowed } from "../../src/http/allowed-hosts.ts";
import { maxReturnUrlLength, returnUrl } from "../../src/http/return-url.ts";
import { hostileReturnPaths } from "../support/hostile-return-paths.ts";
import {
  acceptedReturnUrls,
  openRedirectPayloads,
  redirectAllowedHosts,
  redirectPublicUrl,
} from "../support/open-redirect-payloads.ts";

const publicUrl = new URL(redirectPublicUrl);

function allowedHosts(text: string): AllowedHosts {
  const parsed = parseAllowedHosts(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.value;
}
const allowed = allowedHosts(redirectAllowedHosts);

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
      assert.equal(returnUrl(next, publicUrl, []), null, JSON.stringify(next));
    }
  });

  test("anything that is not a string is refused", () => {
    for (const next of [undefined, null, 0, ["/account"], { href: "/account" }]) {
      assert.equal(returnUrl(next, publicUrl, []), null, JSON.stringify(next));
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
      assert.equal(returnUrl(next, publicUrl, []), kept, next);
    }
  });

  test("a return path longer than the form carries is refused", () => {
    assert.equal(returnUrl(`/${"a".repeat(maxReturnUrlLength - 1)}`, publicUrl, [])?.length, maxReturnUrlLength);
    assert.equal(returnUrl(`/${"a".repeat(maxReturnUrlLength)}`, publicUrl, []), null);
    const long = `https://app.example/${"a".repeat(maxReturnUrlLength)}`;
    assert.equal(returnUrl(long, publicUrl, allowed), null);
  });

  test("issue 12.2: every open-redirect payload class falls back, with the allowed hosts configured", () => {
    const followed = openRedirectPayloads.filter(({ next }) => returnUrl(next, publicUrl, allowed) !== null);
    assert.deepEqual(
      followed.map(({ kind, next }) => `${kind}: ${JSON.stringify(next)} -> ${returnUrl(next, publicUrl, allowed)}`),
      [],
    );
    for (const next of hostileReturnPaths)
      assert.equal(returnUrl(next, publicUrl, allowed), null, JSON.stringify(next));
    console.log(
      `# ${openRedirectPayloads.length} open-redirect payloads in ${new Set(openRedirectPayloads.map((p) => p.kind)).size} classes refused`,
    );
  });

  test("issue 12.2: an absolute URL on the public host or an allowed one is followed, as the parser writes it", () => {
    for (const [next, followed] of acceptedReturnUrls) {
      assert.equal(returnUrl(next, publicUrl, allowed), followed, next);
    }
  });

  test("issue 12.2: without ALLOWED_HOSTS only the public host is followed; the scheme is always the public URL's", () => {
    assert.equal(returnUrl("https://app.example/", publicUrl, []), null);
    assert.equal(returnUrl("https://gatehouse.example/x", publicUrl, []), "https://gatehouse.example/x");
    const plain = new URL("http://127.0.0.1:3000");
    assert.equal(returnUrl("http://127.0.0.1:3000/x", plain, []), "http://127.0.0.1:3000/x");
    assert.equal(returnUrl("https://127.0.0.1:3000/x", plain, []), null);
    assert.equal(returnUrl("http://127.0.0.1:3001/x", plain, []), null);
    assert.equal(returnUrl("http://localhost:3000/x", plain, []), null);
  });
});

describe("the allowed-hosts rule", () => {
  test("exact entries match exactly, port included; suffix entries match subdomains only", () => {
    const hosts = allowedHosts("app.example,.apps.example,ports.example:8443,127.0.0.2:4000");
    for (const [host, expected] of [
      ["gatehouse.example", true],
      ["app.example", true],
      ["app.example:8443", false],
      ["x.app.example", false],
      ["x.apps.example", true],
      ["a.b.apps.example", true],
      ["apps.example", false],
      ["evilapps.example", false],
      ["ports.example:8443", true],
      ["ports.example", false],
      ["127.0.0.2:4000", true],
      ["127.0.0.2", false],
      ["APP.example", false],
      ["app.example.", false],
      ["app.example:443", false],
      ["user@app.example", false],
      ["", false],
      ["аpp.example", false],
    ] as const) {
      assert.equal(hostAllowed(host, publicUrl, hosts), expected, host);
    }
  });

  test("ALLOWED_HOSTS refuses wildcards, URLs, paths, top-level suffixes and non-canonical spellings", () => {
    for (const text of [
      "*",
      "*.example.com",
      ".com",
      ".",
      "https://app.example",
      "app.example/path",
      "app.example:443",
      "user@app.example",
      "a,,b",
      "app.example,",
      "аpp.example",
      "app.example:99999",
      ".127.0.0.1",
    ]) {
      assert.equal(parseAllowedHosts(text).ok, false, text);
    }
    assert.deepEqual(allowedHosts(""), []);
    assert.deepEqual(allowedHosts(" App.Example , .apps.example "), [
      { hostname: "app.example", port: "", subdomains: false },
      { hostname: "apps.example", port: "", subdomains: true },
    ]);
  });
});
