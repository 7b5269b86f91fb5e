import assert from "node:assert/strict";
import { test } from "node:test";
import { addressKey, canonicalAddress } from "../../src/infra/client-address.ts";

test("issue 9.6: a client address has one canonical form whatever the proxy wrote", () => {
  const cases: [string, string | null][] = [
    ["203.0.113.9", "203.0.113.9"],
    ["203.0.113.9:51234", "203.0.113.9"],
    ["[2001:db8::9]:51234", "2001:db8::9"],
    ["[2001:db8::9]", "2001:db8::9"],
    ["2001:DB8:0:0:0:0:0:9", "2001:db8::9"],
    ["fe80::1%carol-smith.example.test", "fe80::1"],
    ["::ffff:203.0.113.9", "203.0.113.9"],
    ["carol@example.test", null],
    ["", null],
    ["unknown", null],
  ];
  for (const [text, expected] of cases) assert.equal(canonicalAddress(text), expected, JSON.stringify(text));
});

test("issue 9.4: per-address limits count an IPv6 client by its /64 and an IPv4 client by its address", () => {
  assert.equal(addressKey("2001:db8:1:2:aaaa::1"), addressKey("2001:db8:1:2:bbbb::2"));
  assert.notEqual(addressKey("2001:db8:1:2::1"), addressKey("2001:db8:1:3::1"));
  assert.equal(addressKey("[2001:db8:1:2::1]:443"), "2001:db8:1:2::/64");
  assert.equal(addressKey("203.0.113.9:51234"), "203.0.113.9");
  assert.notEqual(addressKey("203.0.113.9"), addressKey("203.0.113.10"));
});
