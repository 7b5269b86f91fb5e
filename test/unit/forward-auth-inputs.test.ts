import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { parseAllowedHosts } from "../../src/config.ts";
import { comparablePath, parseAuthzRules, requiredRole } from "../../src/http/authz-rules.ts";
import { readOriginalRequest } from "../../src/http/original-request.ts";
import { isTrustedPeer } from "../../src/http/trusted-proxies.ts";

/**
 * Issue 12 item 1: the verify endpoint's pure parts, fed what an attacker would send: the operator's host
 * list and rules, the original-URL headers a proxy (or someone pretending to be one) sends, and who counts
 * as a proxy at all.
 */
const publicUrl = new URL("https://auth.example.com");
const allowed = parseAllowedHosts(".apps.example.com,app.example.org,auth.example.com:8443,app.example.org:1");
assert.ok(allowed.ok);
const policy = { publicUrl, allowedHosts: allowed.value };

function raw(headers: Record<string, string | string[]>): string[] {
  return Object.entries(headers).flatMap(([name, value]) => [value].flat().flatMap((one) => [name, one]));
}

const read = (headers: Record<string, string | string[]>, trusted = true) =>
  readOriginalRequest(raw(headers), trusted, policy);

describe("AUTHZ_RULES", () => {
  test("rules parse to host, path prefix and role; blank entries are skipped", () => {
    assert.deepEqual(parseAuthzRules("*/admin=admin, ops.example.com=superuser,, .example.com/Billing/=admin"), {
      ok: true,
      value: [
        { host: "*", pathPrefix: "/admin", role: "admin" },
        { host: "ops.example.com", pathPrefix: "", role: "superuser" },
        { host: ".example.com", pathPrefix: "/billing", role: "admin" },
      ],
    });
  });

  test("malformed rules are refused with the entry named", () => {
    for (const rule of [
      "*/admin",
      "*/admin=root",
      "/admin=admin",
      "*/ad%6din=admin",
      "*/a/../admin=admin",
      "*//admin=admin",
      "*/admin?x=1=admin",
      "ex ample.com=admin",
      "*.example.com=admin",
    ]) {
      const parsed = parseAuthzRules(rule);
      assert.equal(parsed.ok, false, rule);
      if (!parsed.ok) assert.match(parsed.message, /"/);
    }
  });

  test("a path's comparable form: decoded, merged, resolved, parameters dropped, lower case; unjudgeable ones are null", () => {
    const cases: [string, string | null][] = [
      ["/", ""],
      ["/Admin/", "/admin"],
      ["/%61dmin", "/admin"],
      ["//admin//users", "/admin/users"],
      ["/x/%2e%2e/admin", "/admin"],
      ["/admin;jsessionid=1/x", "/admin/x"],
      ["/admin%2Fusers", "/admin/users"],
      ["/%ff", null],
      ["/a%00b", null],
      ["/a%0d%0ab", null],
      ["/a%5cb", null],
    ];
    for (const [path, expected] of cases) assert.equal(comparablePath(path), expected, path);
  });

  test("the required role is the highest of the proxy's and every covering rule's; no target means every rule", () => {
    const parsed = parseAuthzRules("*/admin=admin,ops.example.com=superuser,.apps.example.com/x=admin");
    assert.ok(parsed.ok);
    const rules = parsed.value;
    const at = (hostname: string, path: string) => ({ hostname, path });
    assert.equal(requiredRole(rules, at("auth.example.com", "/notes"), "user"), "user");
    assert.equal(requiredRole(rules, at("auth.example.com", "/admin/users"), "user"), "admin");
    assert.equal(requiredRole(rules, at("auth.example.com", "/administrator"), "user"), "user");
    assert.equal(requiredRole(rules, at("ops.example.com", "/"), "admin"), "superuser");
    assert.equal(requiredRole(rules, at("a.apps.example.com", "/x/y"), "user"), "admin");
    assert.equal(requiredRole(rules, at("apps.example.com", "/x"), "user"), "user");
    assert.equal(requiredRole(rules, at("auth.example.com", "/notes"), "superuser"), "superuser", "rules never lower");
    assert.equal(requiredRole(rules, null, "user"), "superuser");
  });
});

describe("the original request", () => {
  test("nginx style: an absolute X-Original-URL and its method", () => {
    const found = read({
      "X-Original-URL": "https://a.apps.example.com/n/%61?q=1#f",
      "X-Original-Method": "post",
    });
    assert.equal(found.kind, "found");
    if (found.kind !== "found") return;
    assert.equal(found.url.href, "https://a.apps.example.com/n/%61?q=1#f");
    assert.equal(found.path, "/n/a");
    assert.equal(found.method, "POST");
    assert.equal(found.style, "auth-request");
  });

  test("Caddy/Traefik style: X-Forwarded-Proto/-Host/-Uri/-Method; GET when no method is given", () => {
    const found = read({
      "X-Forwarded-Proto": "https",
      "X-Forwarded-Host": "app.example.org",
      "X-Forwarded-Uri": "/a?b",
    });
    assert.equal(found.kind, "found");
    if (found.kind !== "found") return;
    assert.equal(found.url.href, "https://app.example.org/a?b");
    assert.equal(found.method, "GET");
    assert.equal(found.style, "forwarded");
  });

  test("absent headers, or any headers from a peer that is not a trusted proxy, are no original request", () => {
    assert.deepEqual(read({}), { kind: "absent" });
    assert.deepEqual(read({ "X-Forwarded-Proto": "https" }), { kind: "absent" }, "a load balancer's proto alone");
    assert.deepEqual(read({ "X-Original-URL": "http://evil.example/" }, false), { kind: "absent" });
    assert.deepEqual(read({ "X-Forwarded-Host": "evil.example", "X-Forwarded-Uri": "/" }, false), { kind: "absent" });
  });

  test("hostile original URLs are invalid, each for a stated reason", () => {
    const hostile = [
      "/relative",
      "relative",
      "//auth.example.com/x",
      "http://auth.example.com/",
      "javascript://auth.example.com/%0aalert(1)",
      "https://evil.example/",
      "https://user@auth.example.com/",
      "https://auth.example.com@evil.example/",
      "https://auth.example.com\\@evil.example/",
      "https://auth.example.com/a b",
      "https://auth.example.com/a\tb",
      "https://auth.example.com/a\r\nSet-Cookie: x=1",
      "https://аuth.example.com/",
      "https://auth.example.com./",
      "https://xn--uth-8cd.example.com/",
      "https://auth.example.com:99999/",
      "https://auth.example.com:x/",
      "https://[::1]/",
      "https://2130706433/",
      "https://auth.example.com/%ff",
      "https://auth.example.com/%c0%af",
      `https://auth.example.com/${"a".repeat(9000)}`,
    ];
    for (const url of hostile) {
      const answer = read({ "X-Original-URL": url });
      assert.equal(answer.kind, "invalid", JSON.stringify(url));
      if (answer.kind === "invalid") assert.match(answer.detail, /^The original request cannot be judged: /);
    }
  });

  test("ports are allowed and not told apart, the default port is the same URL, and host case does not matter", () => {
    for (const url of [
      "https://auth.example.com:443/",
      "https://auth.example.com:8443/",
      "https://app.example.org:1/",
      "https://AUTH.example.com/",
    ]) {
      assert.equal(read({ "X-Original-URL": url }).kind, "found", url);
    }
  });

  test("repeated headers, both styles at once, bad methods and bad forwarded parts are invalid", () => {
    const cases: Record<string, string | string[]>[] = [
      { "X-Original-URL": ["https://auth.example.com/", "https://evil.example/"] },
      { "X-Original-URL": "https://auth.example.com/", "X-Forwarded-Uri": "/" },
      { "X-Original-URL": "https://auth.example.com/", "X-Original-Method": "GET POST" },
      { "X-Original-URL": "https://auth.example.com/", "X-Original-Method": "" },
      { "X-Forwarded-Host": "auth.example.com", "X-Forwarded-Uri": "/" },
      { "X-Forwarded-Proto": "https", "X-Forwarded-Uri": "/" },
      { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "auth.example.com", "X-Forwarded-Uri": "x" },
      { "X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "auth.example.com" },
      { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "auth.example.com, evil.example" },
      { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "auth.example.com@evil.example" },
      { "X-Forwarded-Proto": "https", "X-Forwarded-Host": ["auth.example.com", "evil.example"] },
    ];
    for (const headers of cases) assert.equal(read(headers).kind, "invalid", JSON.stringify(headers));
  });

  test("header names are matched in any case, as HTTP has them", () => {
    assert.equal(read({ "x-original-url": "https://auth.example.com/" }).kind, "found");
    assert.equal(read({ "X-ORIGINAL-URL": "https://evil.example/" }).kind, "invalid");
  });
});

describe("who is a trusted proxy", () => {
  test("listed addresses, ranges and names; IPv4-mapped peers are their IPv4 address", () => {
    const trusted = ["127.0.0.1", "10.0.0.0/8", "uniquelocal", "2001:db8::/32"];
    for (const peer of ["127.0.0.1", "::ffff:127.0.0.1", "10.1.2.3", "192.168.1.1", "fd00::1", "2001:db8::7"]) {
      assert.equal(isTrustedPeer(trusted, peer), true, peer);
    }
    for (const peer of ["127.0.0.2", "11.0.0.1", "2001:db9::1", "::1", "", "not an address", undefined]) {
      assert.equal(isTrustedPeer(trusted, peer), false, String(peer));
    }
    assert.equal(isTrustedPeer(["loopback"], "::1"), true);
  });

  test("nothing is trusted by default; a hop count trusts the peer it names", () => {
    assert.equal(isTrustedPeer(false, "127.0.0.1"), false);
    assert.equal(isTrustedPeer(1, "203.0.113.9"), true);
  });
});
