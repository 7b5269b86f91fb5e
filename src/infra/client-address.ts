import ipaddr from "ipaddr.js";

/**
 * @module
 * One canonical form of a client address, for everything that keeps or counts it (sessions, the audit log,
 * every per-address limit). Proxies write addresses in several spellings: with a port (`203.0.113.9:51234`,
 * `[2001:db8::9]:51234`, as some load balancers forward them), with an IPv6 zone (`fe80::1%eth0`, whose
 * text after `%` is anything the sender likes), IPv4 mapped into IPv6 (`::ffff:203.0.113.9`), or IPv6 in
 * any of its equivalent texts. Counted as they come, each spelling is a fresh client to every limit.
 */

/** The address in canonical text, or null when the text is not an IP address at all. */
export function canonicalAddress(text: string): string | null {
  const bare = withoutPortOrZone(text.trim());
  if (!ipaddr.isValid(bare)) return null;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === "ipv6") {
    const v6 = parsed as ipaddr.IPv6;
    return v6.isIPv4MappedAddress() ? v6.toIPv4Address().toString() : v6.toString();
  }
  // ipaddr.js also accepts the shorthand and octal forms (127.1, 0x7f.0.0.1): its own normal form is dotted.
  return (parsed as ipaddr.IPv4).toNormalizedString();
}

/**
 * The key per-address limits count under: an IPv4 address, or the /64 an IPv6 address belongs to. One
 * IPv6 subscriber holds a whole /64 (2^64 addresses), so counting single IPv6 addresses would give every
 * such client an unlimited budget. Text that is not an address is its own key (it never passes for one).
 */
export function addressKey(text: string): string {
  const address = canonicalAddress(text);
  if (address === null) return text;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv4") return address;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

function withoutPortOrZone(text: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  const unbracketed = bracketed?.[1] ?? text;
  const dottedWithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(unbracketed);
  const address = dottedWithPort?.[1] ?? unbracketed;
  const zone = address.indexOf("%");
  return zone === -1 ? address : address.slice(0, zone);
}
