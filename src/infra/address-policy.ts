import { BlockList, isIP } from "node:net";

/**
 * @module
 * Which addresses a webhook may be delivered to (docs/events.md "SSRF"): public unicast only, unless the
 * operator allows private ones. Loopback, private (RFC 1918, ULA), link-local, CGNAT, unspecified, multicast,
 * reserved and documentation ranges are refused; IPv4-mapped and NAT64 IPv6 forms are refused whole, so no
 * spelling of an internal IPv4 address gets through.
 */
// Two lists: one BlockList matches an IPv4 address against IPv6 rules as its mapped form (::ffff:a.b.c.d),
// so the ::ffff:0:0/96 rule would refuse every IPv4 address.
const notPublicV4 = new BlockList();
const notPublicV6 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  notPublicV4.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible form (::a.b.c.d).
  ["::", 96],
  ["::ffff:0:0", 96],
  ["64:ff9b::", 96],
  ["64:ff9b:1::", 48],
  ["100::", 64],
  ["2001:db8::", 32],
  ["2002::", 16],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  notPublicV6.addSubnet(network, prefix, "ipv6");
}

/** True for a public unicast address; false for anything else, including text that is not an address. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return family === 4 ? !notPublicV4.check(address, "ipv4") : !notPublicV6.check(address, "ipv6");
}
